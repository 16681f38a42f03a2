"""The team chat, as ``receive`` sees it: never a customer, and the owner's remote control.

Every message in the team chat (``CONVERSA_TEAM_CHAT``) stops here, after the body was found
authentic and before any customer rule: it is never buffered, never answered as a customer,
and never pauses anything — not the bot's own notices, not the team's talk. A command
(:mod:`app.domain.owner_commands`) is applied and answered in the team chat; the state change
comes first and the message id is claimed after, so a retried webhook repeats a harmless
change but answers once.

It also keeps the team's board current when the owner takes a chat over from the phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.domain.gaps import opaque
from app.domain.messages import PHONE_SUFFIX, InboundMessage, chat_key, split_chat_key
from app.domain.owner_commands import (
    ChatLine,
    Command,
    CommandError,
    duration_words,
    help_text,
    parse_command,
    status_text,
)
from app.domain.schedule import BusinessHours
from app.domain.team import WHY, phone_of
from app.domain.usecases.results import ReceiveResult

if TYPE_CHECKING:
    from app.ports.chat_state import ChatStateStore
    from app.ports.idempotency import IdempotencyGuard
    from app.ports.messaging import MessagingGateway
    from app.ports.team_board import TeamBoard

REASONS = {str(reason): why for reason, why in WHY.items()}
WAITING_KEPT_MS = 7 * 86_400_000  # a chat nobody took in a week drops off #status


@dataclass
class TeamDesk:
    """Empty (the default): no team chat; every message goes on to the customer rules."""

    team_jid: str = ""
    chat_state: ChatStateStore | None = None
    board: TeamBoard | None = None
    gateway: MessagingGateway | None = None
    idempotency: IdempotencyGuard | None = None
    hours: BusinessHours = field(default_factory=BusinessHours)
    takeover_ms: int = 30 * 60_000
    dedup_ttl_ms: int = 7 * 86_400_000

    def intercept(self, message: InboundMessage, now_ms: int) -> ReceiveResult | None:
        """The result for a team-chat message; None for any other chat."""
        if not self.team_jid or message.jid != self.team_jid:
            return None

        def result(status: str, reason: str) -> ReceiveResult:
            return ReceiveResult(status, reason, message.chat_id, message.message_id)

        if message.from_me and message.sent_by_api:
            return result("ignored", "the bot's own message in the team chat")
        try:
            command = parse_command(message.text)
        except CommandError as error:
            return self._answer(message, now_ms, str(error), "command", "a mistyped command: usage sent")
        if command is None:
            return result("ignored", "team chat: not a customer, and not a command")
        done = self._apply(command, message, now_ms)
        return self._answer(message, now_ms, done, "command", f"#{command.name} done")

    def taken_over(self, chat_id: str, until_ms: int) -> None:
        """The owner wrote in a customer's chat: a person has it, and the bot is quiet until then."""
        if self.team_jid and self.board is not None:
            self.board.close(chat_id)
            self.board.note_paused(chat_id, until_ms)

    def _apply(self, command: Command, message: InboundMessage, now_ms: int) -> str:
        assert self.chat_state is not None and self.board is not None
        if command.name == "ajuda":
            return help_text(self.takeover_ms // 60_000)
        if command.name == "status":
            return self._status(message.instance, now_ms)
        chat = chat_key(message.instance, command.number + PHONE_SUFFIX)
        self.board.close(chat)
        if command.name == "bot":
            self.chat_state.pause(chat, 0)
            self.board.note_paused(chat, 0)
            return f"✅ A conversa com +{command.number} voltou para o bot."
        minutes = command.minutes or self.takeover_ms // 60_000
        until = now_ms + minutes * 60_000
        self.chat_state.pause(chat, until)
        self.board.note_paused(chat, until)
        return (
            f"⏸️ O bot fica quieto na conversa com +{command.number} por {duration_words(minutes)} "
            f"(até {self.hours.local(until):%d/%m %H:%M}). Para devolver antes: #bot {command.number}"
        )

    def _status(self, instance: str, now_ms: int) -> str:
        assert self.board is not None

        def who(chat: str) -> str:
            number = phone_of(chat)
            return f"+{number}" if number else split_chat_key(chat)[1]

        mine = [
            w
            for w in self.board.waiting(now_ms - WAITING_KEPT_MS)
            if split_chat_key(w.chat_id)[0] == instance
        ]
        waiting = [
            ChatLine(who(w.chat_id), w.name, self.hours.local(w.since_ms), REASONS.get(w.reason, ""))
            for w in mine
        ]
        paused = [
            ChatLine(who(chat), "", self.hours.local(until))
            for chat, until in self.board.paused(now_ms)
            if split_chat_key(chat)[0] == instance
        ]
        return status_text(waiting, paused)

    def _answer(
        self, message: InboundMessage, now_ms: int, text: str, status: str, reason: str
    ) -> ReceiveResult:
        """Claim the command's message id, then answer it in the team chat (once)."""
        assert self.idempotency is not None and self.gateway is not None
        if not self.idempotency.claim(message.message_id, now_ms, self.dedup_ttl_ms):
            return ReceiveResult("duplicate", "message already received", message.chat_id, message.message_id)
        self.gateway.send_text(message.chat_id, text, track_id=f"{opaque(message.message_id)}-cmd")
        return ReceiveResult(status, reason, message.chat_id, message.message_id)
