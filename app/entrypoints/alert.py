"""``conversa alert --flow F --execution E``: tell the operator an execution failed (throttled)."""

from __future__ import annotations

import argparse

from app.entrypoints.report import command_container, counter, emit, fail


def run(args: argparse.Namespace) -> int:
    container = command_container()
    try:
        result = container.alert()(args.flow, args.execution)
    except Exception as error:
        return fail("alert", f"{type(error).__name__}: {error}")
    emit(result.to_dict(), [counter("alert." + result.status)])
    return 0
