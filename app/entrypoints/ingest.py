"""``conversa ingest``: build the knowledge index from the business's documents and publish it.

With ``CONVERSA_KNOWLEDGE=faiss`` the documents come from a folder (``--source``) or from the
knowledge bucket (``--prefix``, default ``CONVERSA_DOCS_PREFIX``), and the index is published
to the bucket for every worker. With the offline keyword knowledge base there is nothing to
build: the command reads the folder and reports what it found.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from app.container import build_container
from app.domain.errors import ConversaError
from app.entrypoints.report import Stopwatch, emit, fail, setup_logging, timer

if TYPE_CHECKING:
    from app.ports.knowledge_index import DocumentSource


def _keyword(source: Path) -> int:
    from app.adapters.faiss.documents import FolderSource

    if not source.is_dir():
        return fail("ingest", f"knowledge folder not found: {source}")
    documents = FolderSource(source).documents()
    if not documents:
        return fail("ingest", f"no readable document (Markdown, text, PDF, HTML) in {source}")
    from app.adapters.memory.knowledge import KeywordKnowledgeBase

    sections = len(KeywordKnowledgeBase.from_folder(source))
    emit({"status": "ok", "backend": "keyword", "documents": len(documents), "chunks": sections})
    return 0


def run(args: argparse.Namespace) -> int:
    watch = Stopwatch()
    container = build_container()
    settings = container.settings()
    setup_logging(settings.log_level)
    if settings.knowledge != "faiss":
        return _keyword(Path(args.source) if args.source else settings.knowledge_dir)
    from app.adapters.faiss.documents import BlobSource, FolderSource
    from app.domain.usecases.ingest import IngestKnowledge

    source: DocumentSource
    if args.source:
        if not Path(args.source).is_dir():
            return fail("ingest", f"knowledge folder not found: {args.source}")
        source, where = FolderSource(args.source), args.source
    else:
        prefix = settings.docs_prefix if args.prefix is None else args.prefix
        source, where = BlobSource(container.blobs(), prefix), f"s3://{settings.knowledge_bucket}/{prefix}"
    try:
        result = IngestKnowledge(source, container.indexer(), where)()
    except ConversaError as error:
        return fail("ingest", error.reason)
    except Exception as error:
        return fail("ingest", f"{type(error).__name__}: {error}")
    emit({**result.to_dict(), "backend": "faiss"}, [timer("ingest.duration", watch.seconds)])
    return 0
