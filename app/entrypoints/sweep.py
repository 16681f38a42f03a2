"""``conversa sweep``: put back batches of dead processors, list chats that need one."""

from __future__ import annotations

import argparse

from app.container import build_container
from app.entrypoints.report import counter, emit, fail, setup_logging


def run(args: argparse.Namespace) -> int:
    container = build_container()
    setup_logging(container.settings().log_level)
    try:
        result = container.sweep()()
    except Exception as error:
        return fail("sweep", f"{type(error).__name__}: {error}")
    emit(
        result.to_dict(),
        [counter("sweep.requeued", len(result.requeued)), counter("sweep.overdue", len(result.overdue))],
    )
    return 0
