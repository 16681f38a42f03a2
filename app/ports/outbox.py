"""The reply being sent, remembered part by part, so a retry resumes instead of repeating."""

from dataclasses import dataclass
from typing import Protocol

from app.domain.messages import Source


@dataclass(frozen=True, slots=True)
class PendingReply:
    """A composed reply and how far its delivery got.

    ``sent``: the first ``sent`` parts are known to be out. ``attempted``: the first
    ``attempted`` parts were handed to the provider, so a part between the two
    (``sent <= index < attempted``) has an unknown outcome: the run sending it died or
    failed before hearing back, and the next run looks it up before sending it again.
    ``sources``: the documents the answer used; ``fallback``: nothing in the knowledge base
    answered, the business's fallback is what is sent; ``handoff_reason``: why the chat is
    handed to a person (it decides whether the bot steps back).
    """

    batch_key: str
    parts: tuple[str, ...]
    typing_ms: tuple[int, ...]
    sent: int = 0
    handoff: bool = False
    attempted: int = 0
    sources: tuple[Source, ...] = ()
    fallback: bool = False
    handoff_reason: str = ""  # asked | not_found | unreadable (app.domain.team.HandoffReason)


class ReplyOutbox(Protocol):
    def get(self, chat_id: str) -> PendingReply | None: ...

    def put(self, chat_id: str, reply: PendingReply) -> None: ...

    def mark_attempted(self, chat_id: str, batch_key: str, attempted: int) -> None:
        """Record, before sending it, that part ``attempted - 1`` of the reply to ``batch_key``
        is about to go out: from now on its outcome is unknown until :meth:`mark_sent`.

        Only moves forward, and only for the reply to that batch; written durably before the
        caller sends, so a crash during the send leaves the mark behind.
        """
        ...

    def mark_sent(self, chat_id: str, batch_key: str, sent: int) -> None:
        """Record that the first ``sent`` parts of the reply to ``batch_key`` are out."""
        ...

    def clear(self, chat_id: str) -> None: ...
