"""``conversa receive``: one Uazapi webhook body in, one JSON result out.

Exit code 0 for anything handled (buffered, ignored, duplicate…), 1 when the body was
rejected or taking it in failed. Either way a body that was not taken in is kept in the
dead-letter store with the reason.
"""

from __future__ import annotations

import argparse
import logging
import sys

from app.container import build_container
from app.domain.messages import mask_phone
from app.domain.usecases.receive import body_text
from app.entrypoints.report import Stopwatch, counter, emit, fail, setup_logging, timer

log = logging.getLogger("conversa.receive")


def read_body(path: str | None) -> bytes:
    if path:
        with open(path, "rb") as handle:
            return handle.read()
    return sys.stdin.buffer.read()


def run(args: argparse.Namespace) -> int:
    watch = Stopwatch()
    container = build_container()
    settings = container.settings()
    setup_logging(settings.log_level)
    try:
        body = read_body(args.body_file)
    except OSError as error:
        return fail("receive", f"cannot read the body: {error.strerror}: {args.body_file}")
    try:
        result = container.receive()(body)
    except Exception as error:  # keep the body whatever broke, then fail loudly
        reason = f"{type(error).__name__}: {error}"
        letter = ""
        try:
            letter = container.dead_letters().put(
                "receive", reason, body_text(body), container.clock().now_ms()
            )
        except Exception:
            log.exception("could not store the dead letter either")
        return fail("receive", reason, {"dead_letter_id": letter})
    level = logging.INFO if result.ok else logging.WARNING
    log.log(level, "%s %s: %s", result.status, mask_phone(result.chat_id) or "-", result.reason)
    metrics = [counter("receive." + result.status), timer("receive.duration", watch.seconds)]
    emit(result.to_dict(), metrics)
    if not result.ok:
        sys.stderr.write(f"conversa receive: rejected: {result.reason}\n")
        return 1
    return 0
