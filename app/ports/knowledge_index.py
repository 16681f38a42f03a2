"""Ingest's two sides: where the business's documents come from, and where the index goes."""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SourceDocument:
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class PublishedIndex:
    key: str
    chunks: int
    embedding_model: str
    checksum: str


class DocumentSource(Protocol):
    def documents(self) -> list[SourceDocument]:
        """Every readable document, as text; unreadable files are skipped with a log line."""
        ...


class KnowledgeIndexer(Protocol):
    def publish(self, documents: list[SourceDocument]) -> PublishedIndex:
        """Split, embed, build and publish the index; readers switch to it atomically."""
        ...
