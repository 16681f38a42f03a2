"""Remembering which WhatsApp message ids were already taken in (providers retry).

A message that is buffered has its id recorded by :meth:`MessageBuffer.append` itself, in
the same atomic step as the append: an id is never recorded for a message that is not in
the buffer, so a ``receive`` killed at any instant leaves the message either taken in or
free for the retry. This guard answers the cheap question first ("taken in already?") and
records the ids of messages that act without being buffered (a takeover, an opt-out).
"""

from typing import Protocol


class IdempotencyGuard(Protocol):
    def seen(self, key: str, now_ms: int) -> bool:
        """Whether ``key`` was taken in and is still remembered.

        Not authoritative: two deliveries racing may both see False. It only spares a
        duplicate the media extraction; the atomic append (or :meth:`claim`) decides.
        """
        ...

    def claim(self, key: str, now_ms: int, ttl_ms: int) -> bool:
        """Record ``key`` for ``ttl_ms``; True the first time, False for a repeat.

        For messages that change state instead of being buffered: the caller acts first
        (idempotently) and claims after, so a crash in between leaves the message retryable.
        """
        ...
