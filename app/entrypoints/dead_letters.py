"""``conversa dead-letters``: what could not be handled, with the reason, newest first."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from app.container import build_container
from app.entrypoints.report import emit


def run(args: argparse.Namespace) -> int:
    letters = build_container().dead_letters().list(args.limit)
    emit({"count": len(letters), "dead_letters": [asdict(d) for d in letters]})
    return 0
