"""Remembering which WhatsApp message ids were already taken in (providers retry)."""

from typing import Protocol


class IdempotencyGuard(Protocol):
    def claim(self, key: str, now_ms: int, ttl_ms: int) -> bool:
        """True the first time ``key`` is seen within ``ttl_ms``; False for a repeat."""
        ...

    def release(self, key: str) -> None:
        """Forget ``key``: taking the message in failed, so a retry must be let through."""
        ...
