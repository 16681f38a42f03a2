"""The reply being sent, remembered part by part, so a retry resumes instead of repeating."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class PendingReply:
    batch_key: str
    parts: tuple[str, ...]
    typing_ms: tuple[int, ...]
    sent: int = 0
    handoff: bool = False


class ReplyOutbox(Protocol):
    def get(self, chat_id: str) -> PendingReply | None: ...

    def put(self, chat_id: str, reply: PendingReply) -> None: ...

    def mark_sent(self, chat_id: str, batch_key: str, sent: int) -> None:
        """Record that the first ``sent`` parts of the reply to ``batch_key`` are out."""
        ...

    def clear(self, chat_id: str) -> None: ...
