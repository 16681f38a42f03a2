"""The owner's side of answering a batch: what a handoff promises, who is told, what is counted.

``process`` calls it at two points and keeps its own guarantees:

- :meth:`OwnerSide.shape`, when the reply is composed: outside business hours a handoff tells
  the customer when a person will answer; with a team chat an unreadable file is a handoff
  too; a declined question is recorded for the weekly report (once per batch);
- :meth:`OwnerSide.delivered`, once the customer's parts are out: the team chat gets its one
  notice (through the outbox, with a tracking id: a re-run finds it instead of sending it
  again), the chat goes up on the team's board, the week's figures count the batch, and the
  answer to "does the bot step back?" — only when the customer asked for a person within hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.domain.gaps import QUESTION_MAX_CHARS, opaque, week_label
from app.domain.messages import Answer, Batch, Outcome, Passage, chat_key, mask_phone, split_chat_key
from app.domain.schedule import BusinessHours
from app.domain.team import CustomerWords, HandoffReason, handoff_notice, notice_outbox_key, notice_track_id
from app.domain.validation import clip
from app.ports.gaps import DeclinedQuestion
from app.ports.outbox import PendingReply
from app.ports.team_board import WaitingChat

if TYPE_CHECKING:
    from app.ports.figures import FiguresStore
    from app.ports.gaps import GapLog
    from app.ports.knowledge import KnowledgeBase
    from app.ports.messaging import MessagingGateway
    from app.ports.outbox import ReplyOutbox
    from app.ports.team_board import TeamBoard

NO_QUESTION_TEXT = "Recebi sua mensagem! Como posso ajudar?"


@dataclass
class ScoreWitness:
    """A knowledge base that remembers the best score of its last search (for the gap log)."""

    knowledge: KnowledgeBase
    best: float = 0.0

    def search(self, query: str, k: int = 4) -> list[Passage]:
        passages = self.knowledge.search(query, k)
        self.best = max((p.score for p in passages), default=0.0)
        return passages

    def warm_up(self) -> None:
        self.knowledge.warm_up()


@dataclass(frozen=True, slots=True)
class Shaped:
    """The reply's text and whether (and why) the chat is handed to a person."""

    text: str
    handoff: bool = False
    reason: str = ""


@dataclass
class OwnerSide:
    """Empty (the default): no team chat, always open, nothing recorded — as before."""

    hours: BusinessHours = field(default_factory=BusinessHours)
    team_jid: str = ""
    business: str = "nossa loja"
    outbox: ReplyOutbox | None = None
    gateway: MessagingGateway | None = None
    board: TeamBoard | None = None
    gaps: GapLog | None = None
    figures: FiguresStore | None = None

    @property
    def words(self) -> CustomerWords:
        return CustomerWords(self.business)

    def shape(self, batch: Batch, answer: Answer | None, notes: list[str], best_score: float = 0.0) -> Shaped:
        """The reply to ``batch``: the answer (None: no text to answer) and the media notes."""
        at = batch.messages[-1].received_ms
        promise = self.hours.when_phrase(at)
        if answer is None:
            text = "\n\n".join(notes) or NO_QUESTION_TEXT
            if notes and self.team_jid:  # a file could not be read: the team is told
                return Shaped(f"{text}\n\n{self.words.unreadable(promise)}", True, HandoffReason.UNREADABLE)
            return Shaped(text)
        if answer.outcome is Outcome.NOT_FOUND:
            self._record_gap(batch, best_score)
            text = self.words.not_found_closed(promise) if promise else answer.text
            return Shaped("\n\n".join([text, *notes]), True, HandoffReason.NOT_FOUND)
        if answer.handoff:
            text = self.words.asked_closed(promise) if promise else answer.text
            return Shaped("\n\n".join([text, *notes]), True, HandoffReason.ASKED)
        if notes and self.team_jid:
            text = "\n\n".join([answer.text, *notes, self.words.unreadable(promise)])
            return Shaped(text, True, HandoffReason.UNREADABLE)
        return Shaped("\n\n".join([answer.text, *notes]))

    def _record_gap(self, batch: Batch, best_score: float) -> None:
        if self.gaps is None:
            return
        question = clip(batch.combined_text(), QUESTION_MAX_CHARS)
        entry = DeclinedQuestion(
            opaque(batch.key), batch.messages[-1].received_ms, mask_phone(batch.chat_id), question, best_score
        )
        self.gaps.record(entry)

    def delivered(self, batch: Batch, reply: PendingReply, first_reply_ms: int | None, now_ms: int) -> None:
        """The customer's parts are out: tell the team (once), put the chat up, count the batch.

        Raises when the notice cannot be sent or its outcome cannot be told: the batch is then
        retried, and the retry finds the parts already out and resumes here.
        """
        if reply.handoff and self.team_jid:
            self._notify_team(batch, reply)
            if self.board is not None:
                name = batch.messages[-1].sender_name
                self.board.open(WaitingChat(batch.chat_id, now_ms, reply.handoff_reason, name))
        if self.figures is not None:
            week = week_label(self.hours.local(batch.messages[-1].received_ms).date())
            self.figures.record(week, opaque(batch.chat_id), opaque(batch.key), reply.handoff, first_reply_ms)

    def pause_until(self, batch: Batch, reply: PendingReply, now_ms: int, takeover_ms: int) -> int:
        """When the bot steps back, until when (0: it keeps answering). Only a customer who
        asked for a person within business hours: someone is coming now."""
        asked = reply.handoff and reply.handoff_reason in ("", HandoffReason.ASKED) and not reply.fallback
        if not asked or not self.hours.is_open(batch.messages[-1].received_ms):
            return 0
        until = now_ms + takeover_ms
        if self.board is not None and self.team_jid:
            self.board.note_paused(batch.chat_id, until)
        return until

    def _notify_team(self, batch: Batch, reply: PendingReply) -> None:
        if self.outbox is None or self.gateway is None:
            return
        key, track = notice_outbox_key(batch.chat_id), notice_track_id(batch.key)
        pending = self.outbox.get(key)
        if pending is None or pending.batch_key != batch.key:
            at = batch.messages[-1].received_ms
            reason = HandoffReason(reply.handoff_reason or HandoffReason.ASKED)
            said = [m.text or (f"[{m.kind.value}]" if m.kind else "") for m in batch.messages]
            name = next((m.sender_name for m in reversed(batch.messages) if m.sender_name), "")
            text = handoff_notice(name, batch.chat_id, reason, said, self.hours.when_phrase(at))
            pending = PendingReply(batch.key, (text,), (0,))
            self.outbox.put(key, pending)
        if pending.sent >= 1:
            return
        instance = split_chat_key(batch.chat_id)[0]
        team_chat = chat_key(instance, self.team_jid) if instance else self.team_jid
        if pending.attempted >= 1 and self.gateway.find_sent(team_chat, track):
            self.outbox.mark_sent(key, batch.key, 1)
            return
        self.outbox.mark_attempted(key, batch.key, 1)
        self.gateway.send_text(team_chat, pending.parts[0], track_id=track)
        self.outbox.mark_sent(key, batch.key, 1)
