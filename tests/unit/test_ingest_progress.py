"""Ingest's progress: a bar redrawn in place on a terminal, plain log lines for Kestra."""

from __future__ import annotations

import io
import logging

import pytest

from app.adapters.progress import BarProgress, LogProgress, progress_for


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_is_redrawn_on_one_line_per_stage() -> None:
    out, clock = io.StringIO(), Clock()
    bar = BarProgress(out, width=10, clock=clock)
    bar.stage("reading documents", 2)
    bar.advance()
    bar.advance()
    bar.stage("embedding chunks", 4)
    for _ in range(4):
        clock.now += 1
        bar.advance()
    bar.stage("publishing")
    bar.close()
    lines = out.getvalue().split("\n")
    assert len(lines) == 4 and lines[-1] == ""  # one line per stage, each ended once
    last_frame = lines[1].split("\r")[-1]
    assert last_frame == "embedding chunks   [##########] 4/4 100%\x1b[K"
    assert "\r" + "embedding chunks   [#####·····] 2/4  50%" in lines[1]
    assert lines[2] == "\rpublishing…\x1b[K"


def test_the_bar_is_not_redrawn_more_than_ten_times_a_second_but_always_at_the_end() -> None:
    out, clock = io.StringIO(), Clock()
    bar = BarProgress(out, clock=clock)
    bar.stage("embedding chunks", 1000)
    for _ in range(1000):
        bar.advance()
    frames = out.getvalue().split("\r")[1:]
    assert len(frames) == 2  # the stage's first frame and the last one: no time passed between
    assert "1000/1000 100%" in frames[-1]


def test_log_lines_say_each_stage_and_each_tenth(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="conversa.ingest")
    progress = LogProgress()
    progress.stage("embedding chunks", 300)
    for _ in range(300):
        progress.advance()
    progress.stage("publishing")
    progress.close()
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "embedding chunks: 300 to do"
    assert messages[1:11] == [f"embedding chunks: {30 * n}/300" for n in range(1, 11)]
    assert messages[11:] == ["publishing"]
    assert not any("\r" in m for m in messages)


def test_a_terminal_gets_the_bar_anything_else_log_lines() -> None:
    assert isinstance(progress_for(Terminal()), BarProgress)
    assert isinstance(progress_for(io.StringIO()), LogProgress)
