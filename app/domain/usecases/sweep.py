"""The safety net: put back batches whose processor died, and list chats left unanswered.

Every buffered message has its own processor scheduled for when it is due, so a chat is left
behind only when that processor was lost (a crash, a restart, an execution killed) or is late.
A chat counts as overdue once it has been due for ``grace_ms``: under load, processors run late
and the sweep must not pile a second processor onto every chat of the backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.domain.debounce import DebounceRules, due_ms
from app.domain.usecases.results import SweepResult

if TYPE_CHECKING:
    from app.ports.buffer import MessageBuffer
    from app.ports.clock import Clock


@dataclass
class SweepConversations:
    buffer: MessageBuffer
    clock: Clock
    debounce: DebounceRules
    grace_ms: int = 0

    def __call__(self) -> SweepResult:
        now = self.clock.now_ms()
        requeued = self.buffer.requeue_expired(now)
        overdue = []
        for chat in self.buffer.waiting_chats():
            activity = self.buffer.activity(chat)
            if (
                activity is not None
                and activity.count > 0
                and now >= due_ms(activity, self.debounce) + self.grace_ms
            ):
                overdue.append(chat)
        return SweepResult(sorted(requeued), sorted(overdue))
