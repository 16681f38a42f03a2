"""Per-chat switches: human takeover (paused until) and opt-out."""

from typing import Protocol

from app.domain.chat_rules import ChatState


class ChatStateStore(Protocol):
    def get(self, chat_id: str) -> ChatState: ...

    def pause(self, chat_id: str, until_ms: int) -> None: ...

    def set_opted_out(self, chat_id: str, opted_out: bool) -> None: ...
