"""``conversa ask [--source DIR] [QUESTION …]``: answer questions without WhatsApp.

Through the configured knowledge base and answerer, with the decision ``process`` makes
(the business's fallback when nothing answers). Each QUESTION argument is one question; with
none, one question per line of standard input. One JSON line per question:
``{"question", "answered", "text", "sources": [{"source", "title", "score"}], "handoff"}``.

With ``--source DIR`` the configured backend's index of that folder is built in memory (no
bucket needed); without it the keyword backend reads ``CONVERSA_KNOWLEDGE_DIR`` and FAISS
loads the published index. Exit 1 with one line on stderr when it cannot answer (a missing
or empty folder, no published index, a model that fails).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from app.container import build_container
from app.domain.errors import ConversaError
from app.domain.validation import clip
from app.entrypoints.report import REASON_MAX_CHARS, setup_logging


def questions(args: argparse.Namespace) -> Iterator[str]:
    if args.question:
        yield from (q for q in args.question if q.strip())
        return
    for line in sys.stdin:
        if line.strip():
            yield line.strip()


def _fail(reason: str) -> int:
    sys.stderr.write(f"conversa ask: {clip(reason, REASON_MAX_CHARS)}\n")
    return 1


def run(args: argparse.Namespace) -> int:
    container = build_container()
    settings = container.settings()
    setup_logging("WARNING")  # an owner's terminal: the answers, and a problem when there is one
    if args.source:
        container = build_container(settings.model_copy(update={"knowledge_dir": Path(args.source)}))
    try:
        # The keyword backend always reads a folder; FAISS loads the published index unless --source.
        in_memory = bool(args.source) or settings.knowledge == "keyword"
        knowledge = container.folder_knowledge() if in_memory else container.knowledge()
        ask = container.ask(knowledge=knowledge)
        for question in questions(args):
            result = ask(question)
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
            sys.stdout.flush()
    except ConversaError as error:
        return _fail(error.reason)
    except Exception as error:
        return _fail(f"{type(error).__name__}: {error}")
    return 0
