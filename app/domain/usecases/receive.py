"""Receive one webhook: parse, screen, turn media into text, buffer. Never answers itself.

First of all the body must be authentic (its instance token and owner match the
deployment's, see :mod:`app.domain.authenticity`): a forged one changes no state, sends
nothing and is kept, boundedly, among the dead letters with the source ``auth``.

Nothing is ever "seen but not taken in": the message id is recorded by the buffer's append,
in the same atomic step (a state change — takeover, opt-out — is made first and its id
recorded after), so a ``receive`` killed at any instant leaves the message to the retry.
A cheap "seen?" check first spares a duplicate the media extraction.

The answer is not written here: receiving must be fast (Uazapi waits on it) and a burst
must be answered as one. The result says whether a processor should be started for the
chat, which happens when this message woke an empty buffer up.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from app.domain.authenticity import AUTH_SOURCE, Authenticity
from app.domain.chat_rules import Action, ChatRules, screen
from app.domain.errors import PayloadError
from app.domain.messages import BufferedMessage, InboundMessage, mask_digit_runs
from app.domain.usecases.results import ReceiveResult
from app.domain.usecases.team_desk import TeamDesk
from app.ports.webhook import IgnoredEvent

if TYPE_CHECKING:
    from app.ports.buffer import MessageBuffer
    from app.ports.chat_state import ChatStateStore
    from app.ports.clock import Clock
    from app.ports.dead_letters import DeadLetterStore
    from app.ports.idempotency import IdempotencyGuard
    from app.ports.media import MediaReader
    from app.ports.messaging import MessagingGateway
    from app.ports.webhook import WebhookParser

OPT_OUT_REPLY = (
    "Tudo bem! Não vou mais enviar respostas automáticas nesta conversa. "
    "Se quiser voltar a falar com o assistente, é só enviar *voltar*."
)
OPT_IN_REPLY = "Que bom ter você de volta! O assistente está ativo de novo. Como posso ajudar?"


def iso_utc(ms: int) -> str:
    """Epoch milliseconds as an ISO-8601 UTC instant: ``2026-11-25T15:21:25.749Z``."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def utc_ms(text: str) -> int:
    """The inverse of :func:`iso_utc`: an ISO-8601 instant (UTC when it names no offset) as
    epoch milliseconds; ValueError when ``text`` is not one."""
    instant = datetime.fromisoformat(text.strip())
    return round((instant if instant.tzinfo else instant.replace(tzinfo=UTC)).timestamp() * 1000)


def body_text(body: bytes) -> str:
    """The raw body as text for the dead-letter store, losslessly."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return "base64:" + base64.b64encode(body).decode("ascii")


@dataclass
class ReceiveMessage:
    parser: WebhookParser
    buffer: MessageBuffer
    chat_state: ChatStateStore
    idempotency: IdempotencyGuard
    media: MediaReader
    gateway: MessagingGateway
    dead_letters: DeadLetterStore
    clock: Clock
    rules: ChatRules
    dedup_ttl_ms: int = 7 * 24 * 60 * 60 * 1000
    authenticity: Authenticity = field(default_factory=Authenticity)
    max_rejected_kept: int = 1000
    max_rejected_bytes: int = 50_000_000  # what the kept rejected bodies may take, all together
    quiet_ms: int = 0  # the debounce quiet period: see ReceiveResult.process_at
    team: TeamDesk = field(default_factory=TeamDesk)  # the team chat: never a customer; commands

    def __call__(self, body: bytes) -> ReceiveResult:
        now = self.clock.now_ms()
        try:
            event = self.parser.parse(body)
        except PayloadError as error:
            verdict = self.authenticity.check(error.origin)
            if not verdict.authentic:  # unreadable: say why, and that its origin is unknown
                why = verdict.reason if error.origin else f"{error.reason}; {verdict.reason}"
                return self._reject_unauthentic(body, why, now)
            reason = mask_digit_runs(error.reason)  # it may echo a chat id, a message id, an owner
            letter = self.dead_letters.put("receive", reason, body_text(body), now)
            return ReceiveResult("rejected", reason, dead_letter_id=letter)
        verdict = self.authenticity.check(event.origin)
        if not verdict.authentic:
            return self._reject_unauthentic(body, verdict.reason, now)
        if isinstance(event, IgnoredEvent):
            return ReceiveResult("ignored", mask_digit_runs(f"{event.event_type}: {event.reason}"))
        if self.idempotency.seen(event.message_id, now):  # a hint: spares a duplicate the media
            return _duplicate(event)
        return self._take_in(event, now)

    def _reject_unauthentic(self, body: bytes, reason: str, now: int) -> ReceiveResult:
        """A forged or unknown body changes nothing and is never answered. It is kept (a wrong
        token in the settings must not silently drop real customers: ``conversa replay`` takes
        these back once it is fixed), but at most ``max_rejected_kept`` of them taking at most
        ``max_rejected_bytes`` together: a flood of forged bodies, many or big, cannot fill the
        dead-letter store."""
        reason = mask_digit_runs(reason)
        if self.dead_letters.count(AUTH_SOURCE) >= self.max_rejected_kept:
            full = f"{reason}; not kept: {self.max_rejected_kept} rejected bodies are waiting already"
            return ReceiveResult("rejected", full)
        text = body_text(body)
        budget = self.max_rejected_bytes
        if self.dead_letters.size(AUTH_SOURCE) + len(text.encode("utf-8", "surrogatepass")) > budget:
            full = f"{reason}; not kept: the rejected bodies waiting would take more than {budget} bytes"
            return ReceiveResult("rejected", full)
        letter = self.dead_letters.put(AUTH_SOURCE, reason, text, now)
        return ReceiveResult("rejected", reason, dead_letter_id=letter)

    def _take_in(self, message: InboundMessage, now: int) -> ReceiveResult:
        chat = message.chat_id
        if (handled := self.team.intercept(message, now)) is not None:
            return handled
        screening = screen(message, self.chat_state.get(chat), self.rules, now)

        def result(status: str, pending: int = 0) -> ReceiveResult:
            # Every buffered message asks for its own processor, due when *its* quiet period ends:
            # the one due last finds the burst over; the earlier ones find "not yet" and exit cheaply.
            due = pending > 0
            at = iso_utc(now + self.quiet_ms) if due else ""
            return ReceiveResult(
                status, screening.reason, chat, message.message_id, pending, due, process_at=at
            )

        if screening.action is Action.IGNORE:
            return result("ignored")
        # A state change is made first (it is idempotent) and the id recorded after: a crash
        # in between leaves the message to the retry, never "seen" without its effect.
        if screening.action is Action.TAKEOVER:
            self.chat_state.pause(chat, screening.pause_until_ms)
            self.team.taken_over(chat, screening.pause_until_ms)
            return result("takeover") if self._claim(message, now) else _duplicate(message)
        if screening.action is Action.OPT_OUT:
            self.chat_state.set_opted_out(chat, True)
            if not self._claim(message, now):
                return _duplicate(message)
            self.gateway.send_text(chat, OPT_OUT_REPLY)
            return result("opted_out")
        if screening.action is Action.OPT_IN:
            self.chat_state.set_opted_out(chat, False)
            if not self._claim(message, now):
                return _duplicate(message)
            self.gateway.send_text(chat, OPT_IN_REPLY)
            return result("opted_in")
        extraction = self.media.read(message)
        buffered = BufferedMessage(
            message_id=message.message_id,
            text=extraction.text,
            kind=message.kind,
            received_ms=now,
            sender_name=message.sender_name,
            wa_message_id=message.wa_message_id,
            note=extraction.note,
        )
        # One atomic step records the id and appends the message: a crash before it leaves
        # the message to the retry, after it the message is in; never one without the other.
        pending = self.buffer.append(chat, buffered, self.dedup_ttl_ms)
        return _duplicate(message) if pending is None else result("buffered", pending)

    def _claim(self, message: InboundMessage, now: int) -> bool:
        return self.idempotency.claim(message.message_id, now, self.dedup_ttl_ms)


def _duplicate(message: InboundMessage) -> ReceiveResult:
    return ReceiveResult("duplicate", "message already received", message.chat_id, message.message_id)
