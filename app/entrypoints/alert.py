"""``conversa alert --flow F --execution E``: tell the operator an execution failed (throttled)."""

from __future__ import annotations

import argparse

from app.container import build_container
from app.entrypoints.report import counter, emit, fail, setup_logging


def run(args: argparse.Namespace) -> int:
    container = build_container()
    setup_logging(container.settings().log_level)
    try:
        result = container.alert()(args.flow, args.execution)
    except Exception as error:
        return fail("alert", f"{type(error).__name__}: {error}")
    emit(result.to_dict(), [counter("alert." + result.status)])
    return 0
