"""Embedding models that ship inside a PyPI package: nothing is downloaded at run time."""

from __future__ import annotations

from app.domain.errors import ConfigurationError
from app.ports.embeddings import Embedder


def build_embedder(name: str) -> Embedder:
    """``e5`` (multilingual-e5-small, best quality) or ``use`` (Universal Sentence Encoder, fastest)."""
    if name == "e5":
        from app.adapters.embeddings.e5 import E5Embedder

        return E5Embedder()
    if name == "use":
        from app.adapters.embeddings.use import USEEmbedder

        return USEEmbedder()
    raise ConfigurationError(f"unknown embedding model {name!r} (use 'e5' or 'use')")
