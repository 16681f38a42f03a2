"""Clocks: the real one, and a virtual one the simulator and the tests drive."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def sleep_ms(self, ms: int) -> None:
        if ms > 0:
            time.sleep(ms / 1000)


class VirtualClock:
    """A clock that only moves when told to, running scheduled callbacks on the way.

    ``sleep_ms`` advances time and runs whatever was scheduled in between, so a message
    "typed" while the bot is answering arrives in the middle of the answer, as it would.
    """

    def __init__(self, start_ms: int = 1_767_225_600_000) -> None:
        self._now = start_ms
        self._queue: list[tuple[int, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def now_ms(self) -> int:
        return self._now

    def schedule(self, at_ms: int, callback: Callable[[], None]) -> None:
        heapq.heappush(self._queue, (at_ms, next(self._seq), callback))

    def sleep_ms(self, ms: int) -> None:
        self.advance_to(self._now + max(ms, 0))

    def advance_to(self, target_ms: int) -> None:
        while self._queue and self._queue[0][0] <= target_ms:
            at, _, callback = heapq.heappop(self._queue)
            self._now = max(self._now, at)
            callback()
        self._now = max(self._now, target_ms)

    def run_all(self, limit_ms: int | None = None) -> None:
        """Run every scheduled callback in time order (callbacks may schedule more)."""
        while self._queue:
            at = self._queue[0][0]
            if limit_ms is not None and at > limit_ms:
                break
            self.advance_to(at)
