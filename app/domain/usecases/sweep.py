"""The safety net: put back batches whose processor died, and list chats left unanswered.

Every buffered message has its own processor scheduled for when it is due, so a chat is left
behind only when that processor was lost (a crash, a restart, an execution killed) or is late.
Under load processors run late, and every processor the sweep adds is more load: a sweep that
started one for every late chat would turn a backlog into a collapse. So a rescue is bounded
three ways:

- a chat counts as overdue once it has been due for ``grace_ms``;
- one burst (a chat and its due time) is rescued at most once per ``rescue_cooldown_ms``
  (0: every sweep), so a chat whose own processor is merely queued gets one extra, not one a
  minute;
- at most ``max_rescues`` chats per sweep, the longest overdue first; the rest wait for the
  next sweep (they are counted in ``deferred``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.domain.debounce import DebounceRules, due_ms
from app.domain.usecases.results import SweepResult

if TYPE_CHECKING:
    from app.ports.buffer import MessageBuffer
    from app.ports.clock import Clock
    from app.ports.idempotency import IdempotencyGuard


@dataclass
class SweepConversations:
    buffer: MessageBuffer
    clock: Clock
    debounce: DebounceRules
    idempotency: IdempotencyGuard
    grace_ms: int = 0
    rescue_cooldown_ms: int = 0
    max_rescues: int = 1_000

    def __call__(self) -> SweepResult:
        now = self.clock.now_ms()
        requeued = self.buffer.requeue_expired(now)
        late: list[tuple[int, str]] = []
        for chat in self.buffer.waiting_chats():
            activity = self.buffer.activity(chat)
            if activity is not None and activity.count > 0:
                due = due_ms(activity, self.debounce)
                if now >= due + self.grace_ms:
                    late.append((due, chat))
        rescued: list[str] = []
        deferred = 0
        for due, chat in sorted(late):
            if len(rescued) >= self.max_rescues or not self._first_rescue(chat, due, now):
                deferred += 1
            else:
                rescued.append(chat)
        return SweepResult(sorted(requeued), sorted(rescued), deferred)

    def _first_rescue(self, chat: str, due: int, now: int) -> bool:
        """Whether this burst was not rescued within the cooldown (and record that it is now)."""
        if self.rescue_cooldown_ms <= 0:
            return True
        return self.idempotency.claim(f"sweep-rescue:{chat}:{due}", now, self.rescue_cooldown_ms)
