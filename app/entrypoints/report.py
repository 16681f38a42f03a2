"""How a command reports: Kestra's output/metric lines, then one JSON object, last on stdout.

Kestra parses any whole stdout line of the form ``::{json}::``; printing it ourselves avoids
importing the ``kestra`` package (requests, amazon-ion…) on every WhatsApp message.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TYPE_CHECKING, Any

from app.domain.messages import mask_digit_runs

if TYPE_CHECKING:
    from app.container import Container

log = logging.getLogger("conversa")


# Libraries that log every step at INFO (faiss probing its CPU builds, httpx every request):
# Kestra shows a command's stderr in the execution's logs, where they would bury Conversa's own lines.
CHATTY_LIBRARIES = ("faiss", "httpx", "httpcore")


class MaskedLogRecord(logging.LogRecord):
    """A log record whose message has its runs of 8+ digits masked like a phone number: no log
    line shows a number in full, whoever logged it and whichever handler writes it."""

    def getMessage(self) -> str:
        return mask_digit_runs(super().getMessage())


def setup_logging(level: str = "INFO") -> None:
    logging.setLogRecordFactory(MaskedLogRecord)
    logging.basicConfig(
        stream=sys.stderr,
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def command_container() -> Container:
    """Every command's first step: the container its settings choose, logging at their level."""
    from app.container import build_container

    container = build_container()
    setup_logging(container.settings().log_level)
    return container


def counter(name: str, value: float = 1, **tags: str) -> dict[str, Any]:
    return {"name": name, "type": "counter", "value": value, "tags": tags}


def timer(name: str, seconds: float, **tags: str) -> dict[str, Any]:
    return {"name": name, "type": "timer", "value": round(seconds, 6), "tags": tags}


def emit(
    result: dict[str, Any],
    metrics: list[dict[str, Any]] | None = None,
    outputs: dict[str, Any] | None = None,
) -> None:
    """Print the Kestra lines and the result; the result is always the last line.

    ``outputs``: what Kestra's output line carries, when not the whole result (a listing whose
    bodies must be printed once only). Kestra's outputs also carry ``cpu_seconds``, the CPU this
    process used from its start (interpreter and imports included): what the load benchmark adds
    up per command.
    """
    out = sys.stdout
    kestra = {**(result if outputs is None else outputs), "cpu_seconds": round(time.process_time(), 3)}
    out.write("::" + json.dumps({"outputs": kestra}, ensure_ascii=False) + "::\n")
    if metrics:
        out.write("::" + json.dumps({"metrics": metrics}, ensure_ascii=False) + "::\n")
    out.write(json.dumps(result, ensure_ascii=False) + "\n")
    out.flush()


# The longest reason a failed command prints: an exception's text may echo its input
# (a 5 MB field, control characters), and Kestra shows this line as the execution's error.
REASON_MAX_CHARS = 500


def fail(command: str, reason: str, result: dict[str, Any] | None = None) -> int:
    """Report a failed command: one line on stderr, the JSON result on stdout, exit code 1.

    The reason is clipped and its runs of 8+ digits masked: an error's text may echo a chat id."""
    from app.domain.validation import clip

    one_line = mask_digit_runs(clip(reason, REASON_MAX_CHARS))
    sys.stderr.write(f"conversa {command}: {one_line}\n")
    emit({"status": "error", "reason": one_line, **(result or {})})
    return 1


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.start
