"""Turning text into vectors for the knowledge index (a model shipped in a package, or an API)."""

from typing import Any, Protocol

# Vectors are numpy float32 arrays; the port is typed loosely to stay free of numpy.
Vectors = Any


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Recorded in the index manifest: an index is only searched with the model that built it."""
        ...

    @property
    def dimension(self) -> int: ...

    def embed_passages(self, texts: list[str]) -> Vectors:
        """Unit-length vectors, one row per text (shape: len(texts) × dimension)."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """A unit-length vector for a question."""
        ...
