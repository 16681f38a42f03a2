"""What each use case reports; the entrypoints print these as one JSON object."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ReceiveResult:
    status: str  # buffered | duplicate | ignored | takeover | opted_out | opted_in | rejected
    reason: str
    chat_id: str = ""
    message_id: str = ""
    pending: int = 0
    should_process: bool = False
    dead_letter_id: str = ""
    # With should_process: when this message's quiet period ends (ISO-8601, UTC). receive-whatsapp
    # schedules a processor for then; if a later message came, that processor finds "not yet" and
    # exits, and the later message's own processor answers the burst.
    process_at: str = ""

    @property
    def ok(self) -> bool:
        return self.status != "rejected"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ProcessResult:
    status: str  # answered | idle | waiting | busy | superseded | suppressed | dead_lettered | lost_lease
    chat_id: str
    reason: str = ""
    batches: int = 0
    messages: int = 0
    parts_sent: int = 0
    retry_in_ms: int = 0
    handoff: bool = False
    fallback: bool = False  # nothing in the knowledge base answered: the business's fallback was sent
    sources: list[dict[str, Any]] = field(default_factory=list)  # what the answer used, best first

    @property
    def come_back(self) -> bool:
        """The chat still needs a processor later: its customer may be typing, or it is busy."""
        return self.status in ("waiting", "busy")

    def to_dict(self) -> dict[str, Any]:
        """The result, plus what a scheduler needs to come back: ``come_back`` and ``retry_in``.

        ``retry_in`` is an ISO-8601 duration (``PT2.5S``): process-conversation's loop interval.
        """
        return {
            **asdict(self),
            "come_back": self.come_back,
            "retry_in": f"PT{max(self.retry_in_ms, 1) / 1000:g}S",
        }


@dataclass(frozen=True, slots=True)
class SweepResult:
    requeued: list[str] = field(default_factory=list)
    overdue: list[str] = field(default_factory=list)
    deferred: int = 0  # overdue too, but rescued lately or beyond this sweep's bound

    def to_dict(self) -> dict[str, Any]:
        return {
            "requeued": self.requeued,
            "overdue": self.overdue,
            "count": len(self.overdue),
            "deferred": self.deferred,
        }
