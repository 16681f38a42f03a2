"""``conversa process --chat ID``: answer what waits for one chat, then exit.

With ``--no-wait`` (what the Kestra flow runs) it never sleeps for quiet: it answers a quiet
chat, or returns ``waiting``/``busy`` with ``come_back`` and ``retry_in`` at once, and the
flow pauses in Kestra — holding no worker — until then.

Exit code 0 when the run did its job (answered, nothing to do, or left the chat to the
next run); 1 when it failed — the batch is back in the buffer for the retry.
"""

from __future__ import annotations

import argparse
import logging

from app.container import build_container
from app.domain.messages import mask_phone
from app.entrypoints.report import Stopwatch, counter, emit, fail, setup_logging, timer

log = logging.getLogger("conversa.process")


def run(args: argparse.Namespace) -> int:
    watch = Stopwatch()
    container = build_container()
    settings = container.settings()
    setup_logging(settings.log_level)
    wait_ms = 0 if args.no_wait else settings.process_wait_ms if args.wait_ms is None else args.wait_ms
    try:
        result = container.process()(args.chat, wait_ms)
    except Exception as error:
        return fail("process", f"{type(error).__name__}: {error}", {"chat_id": args.chat})
    log.info("%s %s: %s", result.status, mask_phone(args.chat), result.reason)
    metrics = [
        counter("process." + result.status),
        counter("process.parts_sent", result.parts_sent),
        timer("process.duration", watch.seconds),
    ]
    emit(result.to_dict(), metrics)
    return 0
