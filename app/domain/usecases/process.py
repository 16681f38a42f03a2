"""Process one chat: wait out the burst, answer the batch once, send it like a person would.

Guarantees, with the buffer's lease as the per-chat lock:
- one processor per chat: a second one waits for the lease or leaves the chat to the next run;
- nothing lost: any failure puts the batch back (release), a batch failing too often is
  dead-lettered with its reason;
- each part sent once (effectively): the reply is saved in the outbox before the first part
  goes out; each part is marked *attempted* before it is sent and *sent* once the provider
  answered, and carries a tracking id derived from the batch and its index
  (:func:`~app.domain.tracking.part_track_id`). A retry resumes at the first part not known
  to be sent; a part whose outcome is unknown (attempted, not sent: the previous run died or
  failed mid-send) is looked up at the provider by its tracking id first and skipped if it is
  there. A lookup that cannot answer fails the attempt (the batch goes back to the buffer for
  a later run) rather than sending blindly a second time;
- a human who takes over mid-answer stops the remaining parts.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from app.domain.answering import AnsweringRules, answer_question
from app.domain.chat_rules import ChatRules
from app.domain.conversation import MemoryRules, Role, Turn
from app.domain.debounce import DebounceRules, Flush, Idle, Wait, decide, due_ms
from app.domain.messages import Batch, Outcome, Source
from app.domain.reply_policy import ReplyPolicy
from app.domain.tracking import part_track_id
from app.domain.usecases.owner_side import OwnerSide, ScoreWitness
from app.domain.usecases.results import ProcessResult
from app.domain.validation import cap_text
from app.ports.outbox import PendingReply

if TYPE_CHECKING:
    from app.ports.answerer import Answerer
    from app.ports.buffer import MessageBuffer
    from app.ports.chat_state import ChatStateStore
    from app.ports.clock import Clock
    from app.ports.conversations import ConversationStore
    from app.ports.dead_letters import DeadLetterStore
    from app.ports.knowledge import KnowledgeBase
    from app.ports.messaging import MessagingGateway
    from app.ports.outbox import ReplyOutbox


@dataclass(frozen=True, slots=True)
class ProcessRules:
    lease_ms: int = 120_000
    busy_poll_ms: int = 1_000
    max_attempts: int = 3
    retrieval_k: int = 4
    question_max_chars: int = 2_000  # what retrieval and the model see of a (possibly huge) message


@dataclass
class ProcessConversation:
    buffer: MessageBuffer
    conversations: ConversationStore
    chat_state: ChatStateStore
    outbox: ReplyOutbox
    knowledge: KnowledgeBase
    answerer: Answerer
    gateway: MessagingGateway
    dead_letters: DeadLetterStore
    clock: Clock
    debounce: DebounceRules
    policy: ReplyPolicy
    memory: MemoryRules
    chat_rules: ChatRules
    rules: ProcessRules
    answering: AnsweringRules = field(default_factory=AnsweringRules)
    owner_side: OwnerSide = field(default_factory=OwnerSide)  # team chat, business hours, report

    def __call__(self, chat_id: str, wait_budget_ms: int = 0, own_due_ms: int | None = None) -> ProcessResult:
        """Answer what waits for ``chat_id``, sleeping at most ``wait_budget_ms`` for quiet.

        ``own_due_ms``: when the message this run was started for is due. If a later message
        made the chat due later, that message's own processor answers the burst: this one
        exits at once, holding no worker for a wait that is not its own.
        """
        if own_due_ms is not None and self._superseded(chat_id, own_due_ms):
            return ProcessResult("superseded", chat_id, "a later message's processor answers")
        deadline = self.clock.now_ms() + max(wait_budget_ms, 0)
        totals = ProcessResult("idle", chat_id, "nothing is waiting")
        warmed = False
        while True:
            now = self.clock.now_ms()
            decision = decide(self.buffer.activity(chat_id), now, self.debounce)
            if isinstance(decision, Idle):
                return totals
            if isinstance(decision, Wait):
                if now + decision.ms > deadline:
                    return self._merge(totals, "waiting", "customer may still be typing", retry=decision.ms)
                if not warmed:  # the wait is ours: spend it loading, not after it
                    warmed = self._warm_up()
                    continue
                self.clock.sleep_ms(decision.ms)
                continue
            assert isinstance(decision, Flush)
            batch = self.buffer.claim(chat_id, now, self.rules.lease_ms, self.debounce.max_batch)
            if batch is None:
                if now + self.rules.busy_poll_ms > deadline:
                    return self._merge(
                        totals, "busy", "another processor holds this chat", retry=self.rules.busy_poll_ms
                    )
                self.clock.sleep_ms(self.rules.busy_poll_ms)
                continue
            outcome = self._handle(batch, decision.reason)
            totals = self._add(totals, outcome)
            if outcome.status == "lost_lease":
                return totals

    def _warm_up(self) -> bool:
        """Load the knowledge base (index, embedding model) while the quiet period ends, so that
        the customer does not wait for it after. A failure here is left to the search after the
        wait: there it puts the batch back and counts as an attempt."""
        with suppress(Exception):  # the same failure comes back, counted, in the search
            self.knowledge.warm_up()
        return True

    def _superseded(self, chat_id: str, own_due_ms: int) -> bool:
        activity = self.buffer.activity(chat_id)
        return activity is not None and activity.count > 0 and due_ms(activity, self.debounce) > own_due_ms

    @staticmethod
    def _merge(totals: ProcessResult, status: str, reason: str, retry: int = 0) -> ProcessResult:
        if totals.batches:
            status, reason = totals.status, totals.reason
        return replace(totals, status=status, reason=reason, retry_in_ms=retry)

    @staticmethod
    def _add(totals: ProcessResult, outcome: ProcessResult) -> ProcessResult:
        return replace(
            outcome,
            chat_id=totals.chat_id,
            batches=totals.batches + outcome.batches,
            messages=totals.messages + outcome.messages,
            parts_sent=totals.parts_sent + outcome.parts_sent,
            retry_in_ms=0,
            handoff=totals.handoff or outcome.handoff,
            fallback=totals.fallback or outcome.fallback,
            sources=outcome.sources or totals.sources,
        )

    def _handle(self, batch: Batch, why: str) -> ProcessResult:
        try:
            return self._answer(batch, why)
        except BaseException:
            self.buffer.release(batch.chat_id, batch.token)
            raise

    def _result(
        self, status: str, batch: Batch, reason: str, sent: int = 0, reply: PendingReply | None = None
    ) -> ProcessResult:
        if reply is None:
            return ProcessResult(status, batch.chat_id, reason, 1, len(batch.messages), sent)
        sources = [s.to_dict() for s in reply.sources]
        return ProcessResult(
            status,
            batch.chat_id,
            reason,
            1,
            len(batch.messages),
            sent,
            0,
            reply.handoff,
            reply.fallback,
            sources,
        )

    def _answer(self, batch: Batch, why: str) -> ProcessResult:
        chat, now = batch.chat_id, self.clock.now_ms()
        if batch.attempts > self.rules.max_attempts:
            body = json.dumps(
                {"chat_id": chat, "messages": [m.to_dict() for m in batch.messages]}, ensure_ascii=False
            )
            self.dead_letters.put("process", f"batch failed {batch.attempts - 1} times", body, now)
            self._finish(batch)
            return self._result("dead_lettered", batch, "batch failed too often; kept as a dead letter")
        state = self.chat_state.get(chat)
        if state.opted_out or state.is_paused(now):
            self.buffer.ack(chat, batch.token)
            return self._result("suppressed", batch, "chat is paused or opted out")
        self.gateway.mark_read(chat, [m.wa_message_id for m in batch.messages if m.wa_message_id])
        reply, thinking_since = self.outbox.get(chat), None
        if reply is None or reply.batch_key != batch.key:
            thinking_since = self._show_typing_while_composing(chat)
            reply = self._compose(batch)
            self.outbox.put(chat, reply)
        delivery = self._deliver(batch, reply, thinking_since)
        sent, stopped = delivery.sent, delivery.stopped
        sent_now = sent - reply.sent - delivery.found  # parts this run sent itself
        if stopped == "lost_lease":
            reason = "lease expired while sending; another run resumes"
            return self._result("lost_lease", batch, reason, sent_now)
        if reply.handoff:  # before anything is recorded: a failed flag retries the batch, flag and all
            self.gateway.flag_handoff(chat)
        first_reply = (
            delivery.first_sent_ms - batch.messages[0].received_ms
            if delivery.first_sent_ms is not None
            else None
        )
        self.owner_side.delivered(batch, reply, first_reply, self.clock.now_ms())
        self._record(batch, reply, sent)
        # The bot steps back only when a person is coming now (the customer asked, within hours).
        until = self.owner_side.pause_until(batch, reply, self.clock.now_ms(), self.chat_rules.takeover_ms)
        if until:
            self.chat_state.pause(chat, until)
        self._finish(batch)
        if stopped:
            return self._result("suppressed", batch, stopped, sent_now)
        return self._result("answered", batch, why, sent_now, reply)

    def _record(self, batch: Batch, reply: PendingReply, sent: int) -> None:
        """Add the exchange to the history, unless a run that failed before acknowledging did.

        The history names the batch it recorded last in the same value as the turns, so a batch
        redone after its history was saved (the acknowledgement never landed) is recorded once.
        """
        chat, now = batch.chat_id, self.clock.now_ms()
        history = self.conversations.load(chat)
        if history.records(batch.key):
            return
        conversation = history.with_turns(
            [
                Turn(Role.CUSTOMER, batch.combined_text() or "[mídia]", batch.messages[-1].received_ms),
                Turn(Role.ASSISTANT, "\n\n".join(reply.parts[:sent]), now, reply.sources),
            ],
            now,
            self.memory,
            batch.key,
        )
        self.conversations.save(chat, conversation, self.memory.session_ms)

    def _finish(self, batch: Batch) -> None:
        """Acknowledge the batch, then forget its reply: in this order, so a batch that is redone
        (the acknowledgement never landed, whatever Redis did) still finds the record of every part
        sent and sends none again. A reply left behind when the clearing fails is harmless: the
        next batch has another key and replaces it. When the acknowledgement finds the lease
        taken (it expired, another run holds the batch), the reply is left for that run.
        """
        if self.buffer.ack(batch.chat_id, batch.token):
            self.outbox.clear(batch.chat_id)

    def _compose(self, batch: Batch) -> PendingReply:
        question = batch.combined_text()
        notes = list(dict.fromkeys(batch.notes()))
        answer, best, sources = None, 0.0, tuple[Source, ...]()
        if question:
            # The whole text stays in the history; retrieval and the model see a bounded part of it,
            # so a 5 MB message costs what a 2 000-character one does.
            limit = self.rules.question_max_chars
            asked = cap_text(question, limit)
            now = self.clock.now_ms()
            turns = self.conversations.load(batch.chat_id).current(now, self.memory).turns
            history = [replace(t, text=cap_text(t.text, limit)) for t in turns]
            witness = ScoreWitness(self.knowledge)
            answer = answer_question(
                asked, history, witness, self.answerer, self.answering, self.rules.retrieval_k
            )
            best, sources = witness.best, answer.sources
        shaped = self.owner_side.shape(batch, answer, notes, best)
        text, handoff = shaped.text, shaped.handoff
        fallback = answer is not None and answer.outcome is Outcome.NOT_FOUND
        plan = self.policy.plan(text)
        typing = tuple(p.typing_ms for p in plan.parts)
        return PendingReply(
            batch.key,
            tuple(plan.texts),
            typing,
            0,
            handoff,
            sources=sources,
            fallback=fallback,
            handoff_reason=shaped.reason,
        )

    def _show_typing_while_composing(self, chat: str) -> int:
        """Show "typing…" from the moment the answer is being composed, not only after it: a
        model that thinks for seconds looks like a person typing, and that time counts towards
        the first part's typing delay. Sending the first part ends the indicator (Uazapi cancels
        a presence when a message goes to the chat); if composing fails, it lapses on its own
        after ``policy.thinking_ms``. Returns when it was shown."""
        self.gateway.send_typing(chat, self.policy.thinking_ms)
        return self.clock.now_ms()

    def _deliver(self, batch: Batch, reply: PendingReply, thinking_since: int | None) -> Delivery:
        """Send the parts not known to be out.

        ``thinking_since``: when the typing indicator shown while this run composed the reply
        went up; the first part waits only what is left of its typing delay, and shows the
        indicator again only if that one has lapsed.
        """
        chat, found, first_sent_ms = batch.chat_id, 0, None
        for index in range(reply.sent, len(reply.parts)):
            now = self.clock.now_ms()
            if not self.buffer.holds(chat, batch.token, now, self.rules.lease_ms):
                return Delivery(index, "lost_lease", found, first_sent_ms)
            state = self.chat_state.get(chat)
            if state.opted_out or state.is_paused(now):
                return Delivery(index, "a human took over while answering", found, first_sent_ms)
            track_id = part_track_id(reply.batch_key, index)
            if index < reply.attempted and self.gateway.find_sent(chat, track_id):
                self.outbox.mark_sent(chat, reply.batch_key, index + 1)  # it went out: never twice
                found += 1
                continue
            self.outbox.mark_attempted(chat, reply.batch_key, index + 1)
            typing_ms = reply.typing_ms[index]
            shown = now - thinking_since if index == 0 and thinking_since is not None else None
            if shown is None or shown >= self.policy.thinking_ms:
                self.gateway.send_typing(chat, typing_ms)
                self.clock.sleep_ms(typing_ms)
            elif typing_ms > shown:
                self.clock.sleep_ms(typing_ms - shown)
            self.gateway.send_text(chat, reply.parts[index], track_id=track_id)
            self.outbox.mark_sent(chat, reply.batch_key, index + 1)
            if index == 0:
                first_sent_ms = self.clock.now_ms()
        return Delivery(len(reply.parts), "", found, first_sent_ms)


@dataclass(frozen=True, slots=True)
class Delivery:
    """What one run's sending came to: how many parts are out, why it stopped early (if it
    did), how many a previous run had delivered without hearing back (found by their tracking
    id), and when this run sent the first part (None: it did not)."""

    sent: int
    stopped: str
    found: int
    first_sent_ms: int | None
