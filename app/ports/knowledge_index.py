"""Ingest's two sides: where the business's documents come from, and where the index goes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SourceDocument:
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class UnreadableFile:
    """A file of a kind ingest reads (Markdown, text, PDF, HTML) whose text could not be had."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class SourceRead:
    documents: list[SourceDocument]
    unreadable: list[UnreadableFile] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """One document of a published index: its file name, the sha256 of its text, its chunk count."""

    name: str
    sha256: str
    chunks: int


@dataclass(frozen=True, slots=True)
class IndexCatalog:
    """What the published index holds: the model that embedded it and its documents."""

    embedding_model: str
    documents: tuple[IndexedDocument, ...] = ()


@dataclass(frozen=True, slots=True)
class PublishedIndex:
    key: str
    chunks: int
    embedding_model: str
    checksum: str
    documents: tuple[IndexedDocument, ...] = ()
    embedded: tuple[str, ...] = ()
    """Names of the documents whose chunks were embedded this time (the others reused vectors)."""
    embedded_chunks: int = 0


class IngestProgress(Protocol):
    """Where ingest says how far it got: a bar on a terminal, log lines elsewhere."""

    def stage(self, name: str, total: int | None = None) -> None:
        """A new stage begins (``reading documents``, ``embedding chunks``, ``publishing``)."""
        ...

    def advance(self, done: int = 1) -> None:
        """``done`` more items of the current stage's ``total`` are finished."""
        ...

    def close(self) -> None:
        """The last stage ended."""
        ...


class DocumentSource(Protocol):
    def documents(self) -> list[SourceDocument]:
        """Every readable document, as text; unreadable files are skipped with a log line."""
        ...

    def read(self, progress: IngestProgress | None = None) -> SourceRead:
        """Every document of a kind ingest reads, and, by name, those whose text could not be had."""
        ...


class KnowledgeIndexer(Protocol):
    @property
    def embedding_model(self) -> str: ...

    def catalog(self) -> IndexCatalog | None:
        """What the published index holds, or None when nothing (usable) is published."""
        ...

    def publish(
        self,
        documents: list[SourceDocument],
        reuse: Mapping[str, str] | None = None,
        progress: IngestProgress | None = None,
    ) -> PublishedIndex:
        """Split, embed, build and publish the index; readers switch to it atomically.

        ``reuse`` maps a document's name to the name of a published document with the same text
        and model: its chunks' vectors are taken from the published index instead of being
        embedded again (when its chunks are still the same text to embed).
        """
        ...
