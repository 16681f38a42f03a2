"""The message buffer in process memory, with the same lease rules as the Redis one, and the
guard of the message ids taken in, which the buffer shares to record an id with its append."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field

from app.domain.debounce import BufferActivity
from app.domain.messages import Batch, BufferedMessage


@dataclass
class _Lease:
    token: str
    expires_ms: int
    messages: list[BufferedMessage]


@dataclass
class _Chat:
    waiting: list[BufferedMessage] = field(default_factory=list)
    lease: _Lease | None = None
    attempts: int = 0


class MemoryIdempotencyGuard:
    """Message ids with their expiry, on the callers' clock (``now_ms``)."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()

    def seen(self, key: str, now_ms: int) -> bool:
        with self._lock:
            return self._seen.get(key, now_ms) > now_ms

    def claim(self, key: str, now_ms: int, ttl_ms: int) -> bool:
        with self._lock:
            if self._seen.get(key, now_ms) > now_ms:
                return False
            self._seen[key] = now_ms + ttl_ms
            return True


class MemoryMessageBuffer:
    """Arrival times are the messages' ``received_ms``, so a requeued batch is overdue at once.

    Message ids are recorded in ``seen`` (the deployment's guard) under the buffer's lock,
    with the append: the in-process equivalent of the Redis script.
    """

    def __init__(self, seen: MemoryIdempotencyGuard | None = None) -> None:
        self._chats: dict[str, _Chat] = {}
        self._lock = threading.RLock()
        self._seen = seen if seen is not None else MemoryIdempotencyGuard()

    def append(self, chat_id: str, message: BufferedMessage, dedup_ttl_ms: int) -> int | None:
        with self._lock:
            if not self._seen.claim(message.message_id, message.received_ms, dedup_ttl_ms):
                return None
            chat = self._chats.setdefault(chat_id, _Chat())
            chat.waiting.append(message)
            return len(chat.waiting)

    def activity(self, chat_id: str) -> BufferActivity | None:
        with self._lock:
            chat = self._chats.get(chat_id)
            if not chat or not chat.waiting:
                return None
            arrivals = [m.received_ms for m in chat.waiting]
            return BufferActivity(min(arrivals), max(arrivals), len(arrivals))

    def claim(self, chat_id: str, now_ms: int, lease_ms: int, max_items: int) -> Batch | None:
        with self._lock:
            chat = self._chats.get(chat_id)
            if not chat:
                return None
            if chat.lease and chat.lease.expires_ms > now_ms:
                return None
            if chat.lease:  # expired and not yet swept: its messages go first
                self._requeue(chat)
            if not chat.waiting:
                return None
            taken = chat.waiting[:max_items]
            del chat.waiting[:max_items]
            chat.attempts += 1
            chat.lease = _Lease(uuid.uuid4().hex, now_ms + lease_ms, taken)
            return Batch(chat_id, chat.lease.token, tuple(taken), chat.attempts)

    def holds(self, chat_id: str, token: str, now_ms: int, lease_ms: int) -> bool:
        with self._lock:
            chat = self._chats.get(chat_id)
            lease = chat.lease if chat else None
            if not lease or lease.token != token or lease.expires_ms <= now_ms:
                return False
            lease.expires_ms = now_ms + lease_ms
            return True

    def ack(self, chat_id: str, token: str) -> bool:
        with self._lock:
            chat = self._chats.get(chat_id)
            if not chat or not chat.lease or chat.lease.token != token:
                return False
            chat.lease = None
            chat.attempts = 0
            return True

    def release(self, chat_id: str, token: str) -> bool:
        with self._lock:
            chat = self._chats.get(chat_id)
            if not chat or not chat.lease or chat.lease.token != token:
                return False
            self._requeue(chat)
            return True

    @staticmethod
    def _requeue(chat: _Chat) -> None:
        assert chat.lease is not None
        chat.waiting[:0] = chat.lease.messages
        chat.lease = None

    def requeue_expired(self, now_ms: int) -> list[str]:
        with self._lock:
            chats = []
            for chat_id, chat in self._chats.items():
                if chat.lease and chat.lease.expires_ms <= now_ms:
                    self._requeue(chat)
                    chats.append(chat_id)
            return chats

    def waiting_chats(self) -> list[str]:
        with self._lock:
            return [c for c, chat in self._chats.items() if chat.waiting and chat.lease is None]
