"""The week's figures for the owner's report, counted cheaply as conversations happen.

Per week (``2026-W49``, the business's calendar): the chats that wrote, the batches answered
and handed off, and each batch's time from the customer's first message to the bot's first
reply. Recording the same batch again changes nothing (sets keyed by opaque ids).
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WeekFigures:
    week: str
    conversations: int = 0
    answered: int = 0
    handed_off: int = 0
    first_reply_ms: tuple[int, ...] = ()

    @property
    def median_first_reply_ms(self) -> int | None:
        values = sorted(self.first_reply_ms)
        if not values:
            return None
        middle = len(values) // 2
        return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) // 2


class FiguresStore(Protocol):
    def record(self, week: str, chat: str, batch: str, handed_off: bool, first_reply_ms: int | None) -> None:
        """One answered batch of ``chat`` (opaque ids) in ``week``."""
        ...

    def week(self, week: str) -> WeekFigures: ...
