"""Ingest: build the knowledge index from the business's documents and publish it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from app.domain.errors import ConversaError

if TYPE_CHECKING:
    from app.ports.knowledge_index import DocumentSource, KnowledgeIndexer


class NothingToIngest(ConversaError):
    """The source holds no readable document: publishing an empty index would silence the bot."""


@dataclass(frozen=True, slots=True)
class IngestResult:
    status: str
    documents: int
    chunks: int
    embedding_model: str
    checksum: str
    index_key: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class IngestKnowledge:
    source: DocumentSource
    indexer: KnowledgeIndexer
    where: str = "the source"

    def __call__(self) -> IngestResult:
        documents = [d for d in self.source.documents() if d.text.strip()]
        if not documents:
            raise NothingToIngest(f"no readable document (Markdown, text, PDF, HTML) in {self.where}")
        published = self.indexer.publish(documents)
        return IngestResult(
            "ok",
            len(documents),
            published.chunks,
            published.embedding_model,
            published.checksum,
            published.key,
        )
