"""The KnowledgeBase port on the published FAISS index: hybrid (dense + BM25), calibrated.

Passages are ranked by the fused evidence

    S = z(cosine) + LEXICAL_COVERAGE_WEIGHT * coverage + LEXICAL_BM25_WEIGHT * bm25 / max(bm25)

where ``z(cosine)`` is the passage's cosine standardised over the index's passages for this
question (raw e5 cosines sit near 0.8 for anything: what ranks is how far a passage stands out
from the others), ``coverage`` the idf-weighted share of the question's Portuguese terms the
passage holds, and ``bm25`` its BM25 score (both from :mod:`app.adapters.bm25`, built from
the published chunks at load time: no index format change).

Whether a passage answers is decided on evidence that does not depend on the index: its raw
cosine and its coverage, through the embedding model's :data:`CALIBRATION`
(:mod:`app.adapters.confidence`), so ``Passage.score`` means the same for every backend.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.adapters.bm25 import BM25
from app.adapters.confidence import Evidence, Logistic, calibrated
from app.adapters.faiss.index import FaissIndexer, LoadedIndex, load_index
from app.adapters.lexical import analyze, topic_words, without_notes
from app.adapters.memory.blobs import MemoryBlobStore
from app.adapters.memory.knowledge import lexical_text
from app.adapters.synonyms import Synonyms
from app.domain.messages import Passage
from app.ports.blobs import BlobStore
from app.ports.embeddings import Embedder
from app.ports.knowledge_index import SourceDocument

log = logging.getLogger("conversa.knowledge")

LEXICAL_COVERAGE_WEIGHT = 2.0
LEXICAL_BM25_WEIGHT = 1.0
# confidence = sigmoid(intercept + w1 * cosine + w2 * coverage) of a passage, per embedding model,
# fitted on the evaluation set (`python -m tests.retrieval.fit`; see app.adapters.confidence).
CALIBRATION: dict[str, Logistic] = {
    "multilingual-e5-small-q4-enpt": Logistic((61.383, 8.09), -54.814),
    "universal-sentence-encoder-multilingual-3": Logistic((12.285, 7.744), -4.842),
}
DEFAULT_CALIBRATION = CALIBRATION["multilingual-e5-small-q4-enpt"]  # another model: e5's, a guess
TOPIC_WEIGHT = 0.5  # of the topic words' embedding in the query vector (see _query_vector)
MAX_DENSE = 4096  # the cosine statistics are taken over at most this many nearest passages


class FaissKnowledgeBase:
    """Loads the index on first search (a ``receive`` never pays for it)."""

    def __init__(
        self,
        blobs: BlobStore,
        embedder: Embedder,
        cache_dir: str | Path,
        prefix: str = "index/current/",
        synonyms: Synonyms | None = None,
    ):
        self._blobs, self._embedder, self._cache, self._prefix = blobs, embedder, Path(cache_dir), prefix
        self._synonyms = synonyms or Synonyms.bundled()
        self._loaded: LoadedIndex | None = None
        self._bm25: BM25 | None = None
        self._calibration = CALIBRATION.get(embedder.name, DEFAULT_CALIBRATION)
        if embedder.name not in CALIBRATION:
            log.warning("no retrieval calibration for %s: using e5's", embedder.name)

    @classmethod
    def from_documents(
        cls,
        documents: Sequence[SourceDocument],
        embedder: Embedder,
        cache_dir: str | Path,
        synonyms: Synonyms | None = None,
    ) -> FaissKnowledgeBase:
        """Index ``documents`` in memory (no S3): ``conversa ask --source DIR``."""
        blobs = MemoryBlobStore()
        FaissIndexer(blobs, embedder).publish(list(documents))
        return cls(blobs, embedder, cache_dir, synonyms=synonyms)

    def _index(self) -> tuple[LoadedIndex, BM25]:
        if self._loaded is None or self._bm25 is None:
            self._loaded = load_index(self._blobs, self._prefix, self._embedder, self._cache)
            passages = self._loaded.passages
            self._bm25 = BM25([analyze(lexical_text(p)) for p in passages], synonyms=self._synonyms)
        return self._loaded, self._bm25

    def _query_vector(self, query: str) -> np.ndarray:
        """The question's embedding, pulled toward its topic words embedded on their own.

        In a short question the framing outweighs the topic: e5 puts "aceita pet?" nearer the
        payment section ("aceitamos Pix") than the pets one. Adding the embedding of "pet"
        alone, at TOPIC_WEIGHT, tips it back; a question that is all topic is embedded once.
        """
        vector = np.asarray(self._embedder.embed_query(query), dtype=np.float32)
        topic = topic_words(query)
        if topic and topic != " ".join(query.lower().split()):
            vector = vector + TOPIC_WEIGHT * np.asarray(self._embedder.embed_query(topic), dtype=np.float32)
            vector /= max(float(np.linalg.norm(vector)), 1e-12)
        return vector.reshape(1, -1)

    def evidence(self, query: str, k: int = 4) -> list[Evidence]:
        """The ``k`` best passages by S, with (cosine, coverage) to calibrate (or to fit on)."""
        loaded, bm25 = self._index()
        n, query = len(loaded.passages), without_notes(query)
        if n == 0 or k <= 0 or not query.strip():
            return []
        found_cosines, found_ids = loaded.index.search(self._query_vector(query), min(n, MAX_DENSE))
        kept = found_ids[0] >= 0
        cosines = dict(zip(found_ids[0][kept].tolist(), found_cosines[0][kept].tolist(), strict=True))
        values = np.fromiter(cosines.values(), dtype=np.float64)
        mean, std = float(values.mean()), float(values.std()) or 1.0
        lowest = float(values.min())  # a passage beyond MAX_DENSE: at most the last one's cosine
        terms = analyze(query)
        lexical = bm25.scores(terms)
        top = max(lexical.values(), default=0.0) or 1.0

        def found(i: int) -> Evidence:
            cosine = cosines.get(i, lowest)
            coverage = bm25.coverage(terms, i) if i in lexical else 0.0
            fused = (
                (cosine - mean) / std
                + LEXICAL_COVERAGE_WEIGHT * coverage
                + LEXICAL_BM25_WEIGHT * lexical.get(i, 0.0) / top
            )
            return Evidence(loaded.passages[i], fused, (cosine, coverage))

        ranked = sorted((found(i) for i in sorted(cosines.keys() | lexical.keys())), key=lambda e: -e.rank)
        return [e for e in ranked if math.isfinite(e.rank)][:k]

    def search(self, query: str, k: int = 4) -> list[Passage]:
        return calibrated(self.evidence(query, k), self._calibration)
