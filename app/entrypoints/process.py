"""``conversa process --chat ID``: answer what waits for one chat, then exit.

The Kestra flow runs it with ``--due`` (when its own message is due) and ``--wait-ms 2000``,
once that message is due within a second: it waits out the rest of the quiet period in the
process, loading the knowledge base meanwhile. If a later message came (the chat is due
later than ``--due``), it returns ``superseded`` at once: that message's own processor
answers. ``--no-wait`` never sleeps (for scripts that poll; ``retry_in`` says when to).

Exit code 0 when the run did its job (answered, nothing to do, or left the chat to the
next run); 1 when it failed — the batch is back in the buffer for the retry.
"""

from __future__ import annotations

import argparse
import logging

from app.domain.messages import mask_phone
from app.domain.usecases.receive import utc_ms
from app.entrypoints.report import Stopwatch, command_container, counter, emit, fail, timer

log = logging.getLogger("conversa.process")


def due_ms(text: str) -> int:
    """``--due`` as epoch milliseconds, or a ValueError that names the value."""
    try:
        return utc_ms(text)
    except ValueError:
        raise ValueError(f"--due {text!r} is not an ISO-8601 instant like 2026-11-25T15:21:25.749Z") from None


def run(args: argparse.Namespace) -> int:
    watch = Stopwatch()
    container = command_container()
    settings = container.settings()
    wait_ms = 0 if args.no_wait else settings.process_wait_ms if args.wait_ms is None else args.wait_ms
    try:
        own_due_ms = None if args.due is None else due_ms(args.due)
        result = container.process()(args.chat, wait_ms, own_due_ms)
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
