"""In-memory conversation store, chat state and reply outbox (the idempotency guard is in ``buffer``)."""

from __future__ import annotations

from dataclasses import replace

from app.domain.chat_rules import ChatState
from app.domain.conversation import Conversation
from app.ports.outbox import PendingReply


class MemoryConversationStore:
    def __init__(self) -> None:
        self._data: dict[str, Conversation] = {}

    def load(self, chat_id: str) -> Conversation:
        return self._data.get(chat_id, Conversation())

    def save(self, chat_id: str, conversation: Conversation, ttl_ms: int) -> None:
        self._data[chat_id] = conversation


class MemoryChatStateStore:
    def __init__(self) -> None:
        self._data: dict[str, ChatState] = {}

    def get(self, chat_id: str) -> ChatState:
        return self._data.get(chat_id, ChatState())

    def pause(self, chat_id: str, until_ms: int) -> None:
        self._data[chat_id] = replace(self.get(chat_id), paused_until_ms=until_ms)

    def set_opted_out(self, chat_id: str, opted_out: bool) -> None:
        self._data[chat_id] = replace(self.get(chat_id), opted_out=opted_out)


class MemoryReplyOutbox:
    def __init__(self) -> None:
        self._data: dict[str, PendingReply] = {}

    def get(self, chat_id: str) -> PendingReply | None:
        return self._data.get(chat_id)

    def put(self, chat_id: str, reply: PendingReply) -> None:
        self._data[chat_id] = reply

    def mark_attempted(self, chat_id: str, batch_key: str, attempted: int) -> None:
        reply = self._data.get(chat_id)
        if reply and reply.batch_key == batch_key:
            self._data[chat_id] = replace(reply, attempted=max(reply.attempted, attempted))

    def mark_sent(self, chat_id: str, batch_key: str, sent: int) -> None:
        reply = self._data.get(chat_id)
        if reply and reply.batch_key == batch_key:
            sent = max(reply.sent, sent)
            self._data[chat_id] = replace(reply, sent=sent, attempted=max(reply.attempted, sent))

    def clear(self, chat_id: str) -> None:
        self._data.pop(chat_id, None)
