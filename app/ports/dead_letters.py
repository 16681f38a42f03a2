"""Where input that could not be handled is kept, raw, with the reason: nothing is lost."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    source: str
    reason: str
    body: str
    at_ms: int


class DeadLetterStore(Protocol):
    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        """Keep ``body``; returns the dead letter's id."""
        ...

    def list(self, limit: int = 100) -> list[DeadLetter]:
        """Newest first."""
        ...
