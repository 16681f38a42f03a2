"""Where each chat's history lives between one-shot runs."""

from typing import Protocol

from app.domain.conversation import Conversation


class ConversationStore(Protocol):
    def load(self, chat_id: str) -> Conversation: ...

    def save(self, chat_id: str, conversation: Conversation, ttl_ms: int) -> None: ...
