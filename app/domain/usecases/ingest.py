"""Ingest: build the knowledge index from the business's documents and publish it.

Incremental: a document whose text has the sha256 of a published document, embedded by the
same model, keeps that document's vectors (found by content, so a renamed file is reused too);
only new and changed documents are embedded. Documents no longer in the source disappear.

All or nothing: when a file of a kind ingest reads cannot be read, nothing is published and
the error names the file. A broken upload must never silently shrink what the bot knows.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from app.domain.errors import ConversaError
from app.domain.validation import clip

if TYPE_CHECKING:
    from app.ports.knowledge_index import (
        DocumentSource,
        IndexCatalog,
        IndexedDocument,
        IngestProgress,
        KnowledgeIndexer,
        SourceDocument,
        UnreadableFile,
    )


class NothingToIngest(ConversaError):
    """The source holds no readable document: publishing an empty index would silence the bot."""


class UnreadableDocuments(ConversaError):
    """Some files could not be read: nothing is published, and the reason names them."""

    def __init__(self, files: list[UnreadableFile], where: str) -> None:
        self.files = files
        named = "; ".join(f"{clip(f.name)} ({clip(f.reason)})" for f in files[:20])
        if len(files) > 20:
            named += f"; and {len(files) - 20} more"
        what = "a file" if len(files) == 1 else f"{len(files)} files"
        super().__init__(f"could not read {what} in {where}, nothing published: {named}")


def text_sha256(text: str) -> str:
    """What the index records of a document's text, and what reuse compares (one definition)."""
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def plan_reuse(
    documents: list[SourceDocument], previous: IndexCatalog | None, embedding_model: str
) -> dict[str, str]:
    """Which documents keep the vectors of a published one: {name now: name in the index}.

    Same name and same text first; otherwise any published document with the same text (a
    renamed or copied file). Nothing is reused when the index was embedded by another model.
    """
    if previous is None or previous.embedding_model != embedding_model:
        return {}
    by_name = {d.name: d.sha256 for d in previous.documents}
    by_sha: dict[str, str] = {}
    for indexed in previous.documents:
        by_sha.setdefault(indexed.sha256, indexed.name)
    reuse = {}
    for document in documents:
        sha = text_sha256(document.text)
        if by_name.get(document.name) == sha:
            reuse[document.name] = document.name
        elif sha in by_sha:
            reuse[document.name] = by_sha[sha]
    return reuse


@dataclass(frozen=True, slots=True)
class IngestResult:
    status: str
    documents: int
    chunks: int
    embedding_model: str
    checksum: str
    index_key: str
    documents_embedded: int = 0
    documents_reused: int = 0
    chunks_embedded: int = 0
    removed: list[str] = field(default_factory=list)
    document_list: list[IndexedDocument] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestKnowledge:
    source: DocumentSource
    indexer: KnowledgeIndexer
    where: str = "the source"
    progress: IngestProgress | None = None

    def __call__(self) -> IngestResult:
        read = self.source.read(self.progress)
        if read.unreadable:
            raise UnreadableDocuments(read.unreadable, self.where)
        documents = [d for d in read.documents if d.text.strip()]
        if not documents:
            raise NothingToIngest(f"no readable document (Markdown, text, PDF, HTML) in {self.where}")
        previous = self.indexer.catalog()
        reuse = plan_reuse(documents, previous, self.indexer.embedding_model)
        published = self.indexer.publish(documents, reuse, self.progress)
        names = {d.name for d in documents}
        removed = sorted(d.name for d in previous.documents if d.name not in names) if previous else []
        return IngestResult(
            "ok",
            len(documents),
            published.chunks,
            published.embedding_model,
            published.checksum,
            published.key,
            documents_embedded=len(published.embedded),
            documents_reused=len(documents) - len(published.embedded),
            chunks_embedded=published.embedded_chunks,
            removed=removed,
            document_list=list(published.documents),
        )
