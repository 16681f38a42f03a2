"""The per-chat message buffer: where a burst waits until it is answered as one batch.

Claiming a batch takes a *lease*: only one processor holds a chat at a time, messages
arriving meanwhile wait for the next batch, and a lease whose holder died expires so the
sweep can put its messages back. The lease token is the per-chat processing lock.
Appending records the message id as taken in, atomically: a message is in the buffer (or
was answered) exactly when its id is recorded.
"""

from typing import Protocol

from app.domain.debounce import BufferActivity
from app.domain.messages import Batch, BufferedMessage


class MessageBuffer(Protocol):
    def append(self, chat_id: str, message: BufferedMessage, dedup_ttl_ms: int) -> int | None:
        """Add a message (arrived at its ``received_ms``) unless its ``message_id`` was taken in.

        One atomic step: the id is recorded (remembered ``dedup_ttl_ms``, in the key space
        of the :class:`IdempotencyGuard`) together with the append, or neither happens.
        Returns how many now wait, or None for a duplicate (nothing changed). 1 means the
        chat just woke up: the caller starts a processor for it.
        """
        ...

    def activity(self, chat_id: str) -> BufferActivity | None:
        """First and last arrival of the waiting messages, or None when nothing waits."""
        ...

    def claim(self, chat_id: str, now_ms: int, lease_ms: int, max_items: int) -> Batch | None:
        """Take up to ``max_items`` waiting messages under a lease; None if leased or empty.

        A batch whose lease expired unswept is put back first, so it is never skipped.
        """
        ...

    def holds(self, chat_id: str, token: str, now_ms: int, lease_ms: int) -> bool:
        """Whether ``token`` still holds the chat; extends the lease if so."""
        ...

    def ack(self, chat_id: str, token: str) -> bool:
        """Forget the leased batch: it was answered. False if the lease was lost."""
        ...

    def release(self, chat_id: str, token: str) -> bool:
        """Put the leased batch back in front of the waiting messages (a failed attempt)."""
        ...

    def requeue_expired(self, now_ms: int) -> list[str]:
        """Put back every batch whose lease expired; returns those chats."""
        ...

    def waiting_chats(self) -> list[str]:
        """Chats that have messages waiting and no live lease."""
        ...
