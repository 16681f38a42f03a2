"""``conversa receive`` run in this process, its stdout, stderr and logs captured.

The entrypoint function is called as the console script calls it, with the container it
builds swapped for one of in-memory adapters kept across runs (so that duplicates, pauses and
dead letters can be checked afterwards). Thousands of runs take seconds this way.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from dependency_injector import providers

import app.container as app_container
from app.adapters.memory.clock import VirtualClock
from app.adapters.memory.gateway import RecordingGateway
from app.container import Container, build_container
from app.entrypoints import receive
from app.settings import Settings

OK_STATUSES = {"buffered", "duplicate", "ignored", "takeover", "opted_out", "opted_in"}
MAX_OUTPUT_BYTES = 16_000  # stdout + stderr + logs of one run
TAKEOVER_MS = 31 * 60_000


@dataclass
class Run:
    code: int | None
    stdout: str
    stderr: str
    error: BaseException | None = None

    @property
    def result(self) -> dict[str, Any]:
        lines = self.stdout.strip().splitlines()
        assert lines, "no output at all"
        result = json.loads(lines[-1])
        assert isinstance(result, dict), lines[-1]
        return result


@dataclass
class InProcess:
    """One deployment (memory state, memory dead letters, recording gateway) for many runs."""

    settings: dict[str, Any] = field(default_factory=dict)
    container: Container = field(init=False)
    gateway: RecordingGateway = field(init=False)
    clock: VirtualClock = field(init=False)

    def __post_init__(self) -> None:
        base = {
            "state": "memory",
            "dead_letters": "memory",
            "rejected_max_kept": 1_000_000,
            "rejected_max_bytes": 10**12,
        }
        self.container = build_container(Settings(**{**base, **self.settings}))
        self.gateway = RecordingGateway()
        self.container.gateway.override(providers.Object(self.gateway))
        self.clock = VirtualClock()
        self.container.clock.override(providers.Object(self.clock))

    def receive(self, body: bytes) -> Run:
        out, err = io.StringIO(), io.StringIO()
        handler = logging.StreamHandler(err)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        level = root.level
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        code: int | None = None
        error: BaseException | None = None
        try:
            with (
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
                mock.patch.object(app_container, "build_container", lambda: self.container),
                mock.patch.object(receive, "read_body", lambda _path: body),
            ):
                code = receive.run(argparse.Namespace(body_file=None))
        except BaseException as caught:  # an escaping exception is what the fuzz looks for
            error = caught
        finally:
            root.removeHandler(handler)
            root.setLevel(level)
            self.clock.sleep_ms(TAKEOVER_MS)  # a takeover by one body does not silence the next ones
        return Run(code, out.getvalue(), err.getvalue(), error)


def check(run: Run, dead_letters: Any) -> dict[str, Any]:
    """What every run must show, whatever the body: the invariants of ``conversa receive``.

    A rejected body (forged or malformed) is handled, not a failure: exit 0, ``rejected``, kept
    as a dead letter that is really in the store. Exit 1 only for a failure, with its one line."""
    assert run.error is None, f"{type(run.error).__name__}: {run.error}"
    assert run.code in (0, 1), run.code
    assert "Traceback" not in run.stderr, run.stderr[-2_000:]
    size = len(run.stdout.encode("utf-8", "replace")) + len(run.stderr.encode("utf-8", "replace"))
    assert size <= MAX_OUTPUT_BYTES, f"{size} bytes of output"
    result = run.result
    err_lines = [line for line in run.stderr.splitlines() if line.startswith("conversa receive:")]
    if run.code == 0:
        assert result["status"] in OK_STATUSES | {"rejected"}, result
        assert err_lines == [], run.stderr[-2_000:]
    else:
        assert result["status"] == "error", result
        assert len(err_lines) == 1, run.stderr[-2_000:]
    if result["status"] in ("rejected", "error"):
        letter = result.get("dead_letter_id")
        assert letter, f"not taken in, and no dead letter: {result}"
        assert dead_letters.get(letter) is not None, f"dead letter {letter} is not in the store"
    return result
