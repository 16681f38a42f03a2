"""The KnowledgeBase port on the published FAISS index."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from app.adapters.faiss.index import LoadedIndex, load_index
from app.domain.messages import Passage
from app.ports.blobs import BlobStore
from app.ports.embeddings import Embedder


class FaissKnowledgeBase:
    """Loads the index on first search (a ``receive`` never pays for it)."""

    def __init__(
        self, blobs: BlobStore, embedder: Embedder, cache_dir: str | Path, prefix: str = "index/current/"
    ):
        self._blobs, self._embedder, self._cache, self._prefix = blobs, embedder, Path(cache_dir), prefix
        self._loaded: LoadedIndex | None = None

    def _index(self) -> LoadedIndex:
        if self._loaded is None:
            self._loaded = load_index(self._blobs, self._prefix, self._embedder, self._cache)
        return self._loaded

    def search(self, query: str, k: int = 4) -> list[Passage]:
        loaded = self._index()
        k = min(k, len(loaded.passages))
        if k <= 0 or not query.strip():
            return []
        vector = np.asarray(self._embedder.embed_query(query), dtype=np.float32).reshape(1, -1)
        scores, ids = loaded.index.search(vector, k)
        return [
            Passage(p.text, p.source, round(float(s), 4), p.title)
            for s, i in zip(scores[0], ids[0], strict=True)
            if i >= 0
            for p in [loaded.passages[i]]
        ]
