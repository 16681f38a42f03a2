"""When to answer a burst: the debounce decision, pure and clock-free.

A customer often sends three or four short messages in a row. Answering the first one
alone reads as rude and costs an extra model call, so the buffer waits for a *quiet
period*. A *maximum wait* bounds that, so a customer who never stops typing still gets
an answer, and a *maximum batch size* keeps one turn from growing without end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DebounceRules:
    quiet_ms: int = 5_000
    max_wait_ms: int = 30_000
    max_batch: int = 20


@dataclass(frozen=True, slots=True)
class BufferActivity:
    """What the buffer knows about a chat's waiting messages."""

    first_ms: int
    last_ms: int
    count: int


@dataclass(frozen=True, slots=True)
class Wait:
    """Come back in ``ms`` milliseconds: the customer may still be typing."""

    ms: int


@dataclass(frozen=True, slots=True)
class Flush:
    """Answer now, with ``reason`` saying which rule fired."""

    reason: str


@dataclass(frozen=True, slots=True)
class Idle:
    """Nothing is waiting."""


Decision = Wait | Flush | Idle


def due_ms(activity: BufferActivity, rules: DebounceRules) -> int:
    """When the waiting messages are due an answer: the quiet period after the last one, or the
    maximum wait after the first, whichever comes first (at once for a full batch)."""
    if activity.count >= rules.max_batch:
        return activity.last_ms
    return min(activity.last_ms + rules.quiet_ms, activity.first_ms + rules.max_wait_ms)


def decide(activity: BufferActivity | None, now_ms: int, rules: DebounceRules) -> Decision:
    """Flush when the chat went quiet, waited too long, or filled a batch; otherwise wait."""
    if activity is None or activity.count <= 0:
        return Idle()
    if activity.count >= rules.max_batch:
        return Flush("batch is full")
    if now_ms - activity.first_ms >= rules.max_wait_ms:
        return Flush("maximum wait reached")
    if now_ms - activity.last_ms >= rules.quiet_ms:
        return Flush("customer went quiet")
    deadline = min(activity.last_ms + rules.quiet_ms, activity.first_ms + rules.max_wait_ms)
    return Wait(max(deadline - now_ms, 1))
