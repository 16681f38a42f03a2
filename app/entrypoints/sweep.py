"""``conversa sweep``: put back batches of dead processors, list chats that need one."""

from __future__ import annotations

import argparse

from app.entrypoints.report import command_container, counter, emit, fail


def run(args: argparse.Namespace) -> int:
    container = command_container()
    try:
        result = container.sweep()()
    except Exception as error:
        return fail("sweep", f"{type(error).__name__}: {error}")
    emit(
        result.to_dict(),
        [counter("sweep.requeued", len(result.requeued)), counter("sweep.overdue", len(result.overdue))],
    )
    return 0
