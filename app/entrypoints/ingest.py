"""``conversa ingest``: read the knowledge documents and build the index the bot searches."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.container import build_container
from app.entrypoints.report import emit, fail, setup_logging


def run(args: argparse.Namespace) -> int:
    container = build_container()
    settings = container.settings()
    setup_logging(settings.log_level)
    source = Path(args.source) if args.source else settings.knowledge_dir
    if not source.is_dir():
        return fail("ingest", f"knowledge folder not found: {source}")
    from app.adapters.memory.knowledge import load_folder

    passages = load_folder(source)
    if not passages:
        return fail("ingest", f"no Markdown or text sections found in {source}")
    emit({"status": "ok", "backend": settings.knowledge, "source": str(source), "chunks": len(passages)})
    return 0
