"""What the bot could not answer: every declined question, kept a while, for the owner's report."""

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class DeclinedQuestion:
    """A question the knowledge base did not answer.

    ``id``: one per batch (recording the same batch again is the same entry); ``chat``: the
    chat, masked; ``question``: clipped; ``best_score``: the best passage's confidence.
    """

    id: str
    at_ms: int
    chat: str
    question: str
    best_score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at_ms": self.at_ms,
            "chat": self.chat,
            "question": self.question,
            "best_score": self.best_score,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DeclinedQuestion":
        return cls(
            str(data["id"]),
            int(data["at_ms"]),
            str(data.get("chat", "")),
            str(data.get("question", "")),
            float(data.get("best_score", 0.0)),
        )


class GapLog(Protocol):
    """Bounded: an adapter keeps entries ``retention_ms`` after their time and at most
    ``max_kept`` of them (the oldest go first)."""

    def record(self, question: DeclinedQuestion) -> None: ...

    def since(self, since_ms: int) -> list[DeclinedQuestion]:
        """Entries at ``since_ms`` or later, oldest first."""
        ...
