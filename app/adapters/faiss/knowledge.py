"""The KnowledgeBase port on the published FAISS index: hybrid (dense + BM25), calibrated.

For a question, every passage gets the fused evidence

    S = z(cosine) + LEXICAL_COVERAGE_WEIGHT * coverage + LEXICAL_BM25_WEIGHT * bm25 / max(bm25)

where ``z(cosine)`` is the passage's cosine standardised over the index's passages for this
question (raw e5 cosines sit near 0.8 for anything; what tells is how far a passage stands out
from the others), ``coverage`` the idf-weighted share of the question's Portuguese terms the
passage holds, and ``bm25`` its BM25 score (both from :mod:`app.adapters.lexical`, built from
the published chunks at load time: no index format change). Passages are ranked by S and S
is turned into a calibrated confidence ``sigmoid(slope * (S - center))`` with the embedding
model's constants (:data:`CALIBRATION`), so ``Passage.score`` means the same for every backend.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.adapters.faiss.index import FaissIndexer, LoadedIndex, load_index
from app.adapters.lexical import BM25, analyze
from app.adapters.memory.blobs import MemoryBlobStore
from app.adapters.memory.knowledge import lexical_text, sigmoid
from app.domain.messages import Passage
from app.ports.blobs import BlobStore
from app.ports.embeddings import Embedder
from app.ports.knowledge_index import SourceDocument

log = logging.getLogger("conversa.knowledge")

LEXICAL_COVERAGE_WEIGHT = 2.0
LEXICAL_BM25_WEIGHT = 1.0
# Fitted on tests/retrieval/questions.py (`python -m tests.retrieval.fit`), per embedding model:
# CENTER is the midpoint between the closest in-scope and out-of-scope best S around the cut that
# declines >= 90 % of the out-of-scope questions with the most in-scope ones answered; SLOPE = 2
# maps the in-scope median S (~5.5) to ~0.95 and the out-of-scope median (~2.2) to ~0.04.
CALIBRATION: dict[str, tuple[float, float]] = {  # embedder name → (SLOPE, CENTER)
    "multilingual-e5-small-q4-enpt": (2.0, 3.84),
    "universal-sentence-encoder-multilingual-3": (2.0, 3.66),
}
DEFAULT_CALIBRATION = (2.0, 3.84)  # another model: e5's, a guess (a warning says so)
MAX_DENSE = 4096  # the cosine statistics are taken over at most this many nearest passages


class FaissKnowledgeBase:
    """Loads the index on first search (a ``receive`` never pays for it)."""

    def __init__(
        self, blobs: BlobStore, embedder: Embedder, cache_dir: str | Path, prefix: str = "index/current/"
    ):
        self._blobs, self._embedder, self._cache, self._prefix = blobs, embedder, Path(cache_dir), prefix
        self._loaded: LoadedIndex | None = None
        self._bm25: BM25 | None = None
        self._slope, self._center = CALIBRATION.get(embedder.name, DEFAULT_CALIBRATION)
        if embedder.name not in CALIBRATION:
            log.warning("no retrieval calibration for %s: using e5's", embedder.name)

    @classmethod
    def from_documents(
        cls, documents: Sequence[SourceDocument], embedder: Embedder, cache_dir: str | Path
    ) -> FaissKnowledgeBase:
        """Index ``documents`` in memory (no S3): ``conversa ask --source DIR``."""
        blobs = MemoryBlobStore()
        FaissIndexer(blobs, embedder).publish(list(documents))
        return cls(blobs, embedder, cache_dir)

    def _index(self) -> tuple[LoadedIndex, BM25]:
        if self._loaded is None or self._bm25 is None:
            self._loaded = load_index(self._blobs, self._prefix, self._embedder, self._cache)
            self._bm25 = BM25([analyze(lexical_text(p)) for p in self._loaded.passages])
        return self._loaded, self._bm25

    def evidence(self, query: str, k: int = 4) -> list[tuple[float, Passage]]:
        """The fused evidence S of the ``k`` best passages (uncalibrated: for fitting)."""
        loaded, bm25 = self._index()
        n = len(loaded.passages)
        if n == 0 or k <= 0 or not query.strip():
            return []
        vector = np.asarray(self._embedder.embed_query(query), dtype=np.float32).reshape(1, -1)
        cosines, ids = loaded.index.search(vector, min(n, MAX_DENSE))
        found = ids[0] >= 0
        cosines, ids = cosines[0][found], ids[0][found]
        mean, std = float(cosines.mean()), float(cosines.std()) or 1.0
        dense = dict(zip(ids.tolist(), ((cosines - mean) / std).tolist(), strict=True))
        floor = (float(cosines.min()) - mean) / std  # a passage beyond MAX_DENSE: at most the last one
        terms = analyze(query)
        lexical = bm25.scores(terms)
        top = max(lexical.values(), default=0.0) or 1.0
        fused = {
            i: z
            + LEXICAL_COVERAGE_WEIGHT * (bm25.coverage(terms, i) if i in lexical else 0.0)
            + LEXICAL_BM25_WEIGHT * lexical.get(i, 0.0) / top
            for i, z in dense.items()
        }
        for i, score in lexical.items():
            if i not in fused:
                fused[i] = floor + LEXICAL_COVERAGE_WEIGHT * bm25.coverage(terms, i) + score / top
        best = sorted(fused.items(), key=lambda item: (-item[1], item[0]))[:k]
        return [(s, loaded.passages[i]) for i, s in best]

    def search(self, query: str, k: int = 4) -> list[Passage]:
        return [
            Passage(p.text, p.source, round(sigmoid(self._slope * (s - self._center)), 4), p.title)
            for s, p in self.evidence(query, k)
            if math.isfinite(s)
        ]
