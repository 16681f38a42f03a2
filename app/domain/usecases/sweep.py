"""The safety net: put back batches whose processor died, and list chats left unanswered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.domain.debounce import DebounceRules, Flush, decide
from app.domain.usecases.results import SweepResult

if TYPE_CHECKING:
    from app.ports.buffer import MessageBuffer
    from app.ports.clock import Clock


@dataclass
class SweepConversations:
    buffer: MessageBuffer
    clock: Clock
    debounce: DebounceRules

    def __call__(self) -> SweepResult:
        now = self.clock.now_ms()
        requeued = self.buffer.requeue_expired(now)
        overdue = [
            chat
            for chat in self.buffer.waiting_chats()
            if isinstance(decide(self.buffer.activity(chat), now, self.debounce), Flush)
        ]
        return SweepResult(sorted(requeued), sorted(overdue))
