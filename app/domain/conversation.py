"""A chat's memory: the last turns, forgotten after a quiet day."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.domain.messages import Source


class Role(StrEnum):
    CUSTOMER = "customer"
    ASSISTANT = "assistant"


@dataclass(frozen=True, slots=True)
class Turn:
    """One side's message; an assistant's turn keeps the documents its answer used."""

    role: Role
    text: str
    at_ms: int
    sources: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"role": self.role.value, "text": self.text, "at_ms": self.at_ms}
        if self.sources:
            data["sources"] = [s.to_dict() for s in self.sources]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Turn:
        """Reads histories stored before turns had sources too (no ``sources`` key)."""
        sources = data.get("sources") or []
        return cls(
            Role(data["role"]),
            str(data["text"]),
            int(data["at_ms"]),
            tuple(Source.from_dict(s) for s in sources if isinstance(s, dict)),
        )


@dataclass(frozen=True, slots=True)
class MemoryRules:
    max_turns: int = 20
    session_ms: int = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class Conversation:
    """The turns of one chat, oldest first.

    Immutable: :meth:`with_turns` returns the next version, bounded to ``max_turns``;
    :meth:`current` drops the whole history once the session expired, so a customer who
    comes back tomorrow starts a fresh conversation instead of yesterday's context.

    ``batch_key``: the batch whose exchange was recorded last, written in the same value as
    the turns. A batch redone after its history was saved but before it was acknowledged
    (Redis stalled in between) finds its key here and does not record the exchange twice.
    """

    turns: tuple[Turn, ...] = field(default_factory=tuple)
    batch_key: str = ""

    @property
    def last_at_ms(self) -> int:
        return self.turns[-1].at_ms if self.turns else 0

    def expired(self, now_ms: int, rules: MemoryRules) -> bool:
        return bool(self.turns) and now_ms - self.last_at_ms > rules.session_ms

    def current(self, now_ms: int, rules: MemoryRules) -> Conversation:
        return Conversation() if self.expired(now_ms, rules) else self

    def with_turns(
        self, new: list[Turn], now_ms: int, rules: MemoryRules, batch_key: str = ""
    ) -> Conversation:
        turns = (*self.current(now_ms, rules).turns, *new)
        return Conversation(turns[-rules.max_turns :] if rules.max_turns > 0 else (), batch_key)

    def records(self, batch_key: str) -> bool:
        """Whether the exchange answering ``batch_key`` is already in this history."""
        return bool(batch_key) and self.batch_key == batch_key

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"turns": [t.to_dict() for t in self.turns]}
        if self.batch_key:
            data["batch_key"] = self.batch_key
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        """Reads histories stored before they named their last batch (no ``batch_key``)."""
        turns = tuple(Turn.from_dict(t) for t in data.get("turns", []))
        return cls(turns, str(data.get("batch_key") or ""))
