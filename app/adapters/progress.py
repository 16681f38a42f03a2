"""How far ingest got: a bar redrawn in place on a terminal, plain log lines elsewhere (Kestra).

Implements :class:`app.ports.knowledge_index.IngestProgress` without a dependency.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO

from app.ports.knowledge_index import IngestProgress

log = logging.getLogger("conversa.ingest")


class BarProgress:
    """``embedding chunks  [##########··········]  150/300  50%`` redrawn on one line."""

    def __init__(
        self,
        stream: TextIO,
        width: int = 30,
        every_seconds: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream, self._width, self._every, self._clock = stream, width, every_seconds, clock
        self._name, self._done = "", 0
        self._total: int | None = None
        self._drawn_at: float | None = None
        self._open = False

    def _draw(self) -> None:
        if self._total:
            filled = self._width * self._done // self._total
            bar = "#" * filled + "·" * (self._width - filled)
            percent = 100 * self._done // self._total
            line = f"{self._name:<18} [{bar}] {self._done}/{self._total} {percent:3d}%"
        else:
            line = f"{self._name}…"
        self._stream.write("\r" + line + "\x1b[K")
        self._stream.flush()
        self._drawn_at, self._open = self._clock(), True

    def stage(self, name: str, total: int | None = None) -> None:
        self._end_line()
        self._name, self._total, self._done = name, total, 0
        self._draw()

    def advance(self, done: int = 1) -> None:
        self._done = min(self._done + done, self._total or self._done + done)
        finished = self._total is not None and self._done >= self._total
        if finished or self._drawn_at is None or self._clock() - self._drawn_at >= self._every:
            self._draw()

    def _end_line(self) -> None:
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False

    def close(self) -> None:
        self._end_line()


class LogProgress:
    """One log line when a stage begins, then one per tenth of it done (at most 11 a stage)."""

    def __init__(self, logger: logging.Logger = log) -> None:
        self._log = logger
        self._name, self._done, self._tenth = "", 0, 0
        self._total: int | None = None

    def stage(self, name: str, total: int | None = None) -> None:
        self._name, self._total, self._done, self._tenth = name, total, 0, 0
        self._log.info("%s%s", name, f": {total} to do" if total is not None else "")

    def advance(self, done: int = 1) -> None:
        self._done += done
        if not self._total:
            return
        tenth = min(10, 10 * self._done // self._total)
        if tenth > self._tenth:
            self._tenth = tenth
            self._log.info("%s: %d/%d", self._name, min(self._done, self._total), self._total)

    def close(self) -> None:
        return None


def progress_for(stream: TextIO | None = None) -> IngestProgress:
    """A bar when ``stream`` (standard error) is a terminal, log lines otherwise."""
    stream = stream or sys.stderr
    try:
        terminal = stream.isatty()
    except (AttributeError, ValueError):
        terminal = False
    return BarProgress(stream) if terminal else LogProgress()
