"""The FAISS knowledge base under the knowledge contract, built from the example FAQ with e5."""

from __future__ import annotations

import functools
from typing import Any

import pytest


@functools.cache
def _published() -> tuple[Any, Any]:
    from app.adapters.embeddings import build_embedder
    from app.adapters.faiss.documents import FolderSource
    from app.adapters.faiss.index import FaissIndexer
    from app.adapters.memory.blobs import MemoryBlobStore
    from app.settings import EXAMPLE_KNOWLEDGE_DIR

    blobs, embedder = MemoryBlobStore(), build_embedder("e5")
    FaissIndexer(blobs, embedder).publish(FolderSource(EXAMPLE_KNOWLEDGE_DIR).documents())
    return blobs, embedder


def _faiss(request: pytest.FixtureRequest) -> Any:
    from app.adapters.faiss.knowledge import FaissKnowledgeBase

    blobs, embedder = _published()
    return FaissKnowledgeBase(blobs, embedder, request.getfixturevalue("tmp_path") / "cache")


FACTORIES = {"knowledge": {"faiss": _faiss}}
