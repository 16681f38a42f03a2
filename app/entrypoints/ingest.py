"""``conversa ingest``: build the knowledge index from the business's documents and publish it.

With ``CONVERSA_KNOWLEDGE=faiss`` the documents come from a folder (``--source``) or from the
knowledge bucket (``--prefix``, default ``CONVERSA_DOCS_PREFIX``), and the index is published
to the bucket for every worker. With the offline keyword knowledge base there is nothing to
build: the command reads the folder and reports what it found.

Only new and changed documents are embedded (by the sha256 of their text); the others keep
their published vectors. When a file cannot be read, nothing is published: the one-line error
names it, and the exit code is 1. Progress goes to stderr: a bar on a terminal, log lines
otherwise (Kestra).
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from app.domain.errors import ConversaError
from app.entrypoints.report import Stopwatch, command_container, counter, emit, fail, timer

if TYPE_CHECKING:
    from app.container import Container
    from app.ports.knowledge_index import DocumentSource


def _keyword(container: Container, source: Path) -> int:
    from app.domain.usecases.ingest import UnreadableDocuments, text_sha256

    if not source.is_dir():
        return fail("ingest", f"knowledge folder not found: {source}")
    read = container.folder_documents(source).read()
    if read.unreadable:
        error = UnreadableDocuments(read.unreadable, str(source))
        return fail("ingest", error.reason, {"unreadable": [asdict(f) for f in read.unreadable]})
    if not read.documents:
        return fail("ingest", f"no readable document (Markdown, text, PDF, HTML) in {source}")
    knowledge = container.keyword_knowledge_of(read.documents)
    sections = knowledge.sections_by_source()
    listed = [
        {"name": d.name, "sha256": text_sha256(d.text), "chunks": sections[d.name]} for d in read.documents
    ]
    emit(
        {
            "status": "ok",
            "backend": "keyword",
            "documents": len(read.documents),
            "chunks": len(knowledge),
            "embedding_model": None,
            "document_list": listed,
        }
    )
    return 0


def run(args: argparse.Namespace) -> int:
    watch = Stopwatch()
    container = command_container()
    settings = container.settings()
    if settings.knowledge != "faiss":
        return _keyword(container, Path(args.source) if args.source else settings.knowledge_dir)
    from app.domain.usecases.ingest import IngestKnowledge, UnreadableDocuments

    source: DocumentSource
    if args.source:
        if not Path(args.source).is_dir():
            return fail("ingest", f"knowledge folder not found: {args.source}")
        source, where = container.folder_documents(args.source), args.source
    else:
        prefix = settings.docs_prefix if args.prefix is None else args.prefix
        source, where = container.bucket_documents(prefix), f"s3://{settings.knowledge_bucket}/{prefix}"
    progress = container.ingest_progress()
    try:
        result = IngestKnowledge(source, container.indexer(), where, progress)()
    except UnreadableDocuments as error:
        return fail("ingest", error.reason, {"unreadable": [asdict(f) for f in error.files]})
    except ConversaError as error:
        return fail("ingest", error.reason)
    except Exception as error:
        return fail("ingest", f"{type(error).__name__}: {error}")
    finally:
        progress.close()
    metrics = [
        timer("ingest.duration", watch.seconds),
        counter("ingest.documents_embedded", result.documents_embedded),
        counter("ingest.documents_reused", result.documents_reused),
        counter("ingest.chunks_embedded", result.chunks_embedded),
    ]
    emit({**result.to_dict(), "backend": "faiss"}, metrics)
    return 0
