"""The KnowledgeBase port on the published FAISS index: hybrid (dense + BM25), calibrated.

Passages are ranked by the fused evidence

    S = z(cosine) + LEXICAL_COVERAGE_WEIGHT * coverage + LEXICAL_BM25_WEIGHT * bm25 / max(bm25)

where ``z(cosine)`` is the passage's cosine standardised over the index's passages for this
question (raw e5 cosines sit near 0.8 for anything: what ranks is how far a passage stands out
from the others), ``coverage`` the idf-weighted share of the question's Portuguese terms the
passage holds, and ``bm25`` its BM25 score (both from the lexical index published with the
vectors, :mod:`app.adapters.retrieval.lexical_index`). The fusion is done in numpy over the
passages the dense search returned and those holding a question's term: nothing per passage of
the index is done in Python.

Whether a passage answers is decided on evidence that does not depend on the index: its raw
cosine, its coverage and, for e5, how much the question's words that the knowledge base has never
seen pull the question away from it (:meth:`FaissKnowledgeBase._unseen_words_pull`), through the
embedding model's :data:`CALIBRATION` (:mod:`app.adapters.retrieval.confidence`), so
``Passage.score`` means the same for every backend.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.adapters.faiss.index import FaissIndexer, LoadedIndex, load_index
from app.adapters.memory.blobs import MemoryBlobStore
from app.adapters.retrieval.analyzer import analyze, spoken_words, topic_words, without_notes
from app.adapters.retrieval.confidence import Calibration, Evidence, Logistic, calibrated
from app.adapters.retrieval.lexical_index import LexicalIndex
from app.adapters.retrieval.passages import lexical_text
from app.adapters.retrieval.synonyms import Synonyms
from app.domain.messages import Passage
from app.ports.blobs import BlobStore
from app.ports.embeddings import Embedder
from app.ports.knowledge_index import SourceDocument

log = logging.getLogger("conversa.knowledge")

LEXICAL_COVERAGE_WEIGHT = 2.0
LEXICAL_BM25_WEIGHT = 1.0
# confidence = sigmoid(intercept + w1 * cosine + w2 * coverage + w3 * unseen words' pull) of a passage,
# per embedding model, fitted on the tuning set (`python -m tests.retrieval.fit`; see
# app.adapters.retrieval.confidence).
CALIBRATION: dict[str, Calibration] = {
    "multilingual-e5-small-q4-enpt": Calibration(
        as_written=Logistic((50.165, 7.757, 194.648), -44.914),
        with_questions=Logistic((58.362, 9.881, 117.059), -54.863),
    ),
    # USE without the unseen words' pull (weight 0: not computed): fitted with it, it declined less.
    "universal-sentence-encoder-multilingual-3": Calibration(
        as_written=Logistic((13.138, 7.829, 0.0), -5.412),
        with_questions=Logistic((7.887, 10.228, 0.0), -6.946),
    ),
}
DEFAULT_CALIBRATION = CALIBRATION["multilingual-e5-small-q4-enpt"]  # another model: e5's, a guess
TOPIC_WEIGHT = 0.5  # of the topic words' embedding in the query vector (see _query_vector)
PULL = 2  # the unseen words' pull: the third feature
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
        recheck_s: float = 0.0,
    ):
        self._blobs, self._embedder, self._cache, self._prefix = blobs, embedder, Path(cache_dir), prefix
        self._recheck_s = recheck_s  # how long S3's answer on the current index is trusted
        self._synonyms = synonyms or Synonyms.bundled()
        self._loaded: LoadedIndex | None = None
        self._lexical: LexicalIndex | None = None
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

    def _index(self) -> tuple[LoadedIndex, LexicalIndex]:
        if self._loaded is None or self._lexical is None:
            self._loaded = load_index(
                self._blobs, self._prefix, self._embedder, self._cache, self._synonyms, self._recheck_s
            )
            self._lexical = self._loaded.lexical
            if self._lexical is None:  # published before the lexical index: build it (slow, once)
                log.warning("the published index has no lexical index of this version: run ingest again")
                terms = [analyze(lexical_text(p)) for p in self._loaded.passages]
                self._lexical = LexicalIndex.build(terms, synonyms=self._synonyms)
        return self._loaded, self._lexical

    def _embedding(self, text: str) -> np.ndarray:
        """``text``'s embedding as a query, one row."""
        return np.asarray(self._embedder.embed_query(text), dtype=np.float32).reshape(1, -1)

    def _query_vector(self, query: str, embedding: np.ndarray) -> np.ndarray:
        """The question's embedding, pulled toward its topic words embedded on their own.

        In a short question the framing outweighs the topic: e5 puts "aceita pet?" nearer the
        payment section ("aceitamos Pix") than the pets one. Adding the embedding of "pet"
        alone, at TOPIC_WEIGHT, tips it back; a question that is all topic is embedded once.
        """
        topic = topic_words(query)
        if not topic or topic == " ".join(query.lower().split()):
            return embedding
        vector = embedding + TOPIC_WEIGHT * self._embedding(topic)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)

    def _unseen_words_pull(self, loaded: LoadedIndex, lexical: LexicalIndex, query: str) -> float:
        """How much the question's words that the knowledge base has never seen pull it away
        from the knowledge base: the best cosine of the question's words minus that of its words
        without the unseen ones, when negative; 0 when every word is known, or none is.

        "vcs entregam pizza?" at a vet clinic and "vcs atendem passarinho?" look alike to the
        lexical index (one word found, one never seen) and to the raw cosine. The embedding can
        tell them apart: "pizza" takes the question away from the documents, "passarinho" (the
        documents say "aves") does not. Both texts are the question's words, lower-cased and
        without punctuation, so the difference is that of the unseen words alone. Its weight is
        fitted on the tuning set like the other features'.
        """
        words = spoken_words(query)
        unseen = {w for w in set(words) if (terms := analyze(w)) and not any(lexical.knows(t) for t in terms)}
        rest = [w for w in words if w not in unseen]
        if not unseen or not rest:
            return 0.0
        texts = [" ".join(words), " ".join(rest)]
        best, _ = loaded.index.search(np.vstack([self._embedding(t) for t in texts]), 1)
        return min(0.0, float(best[0][0] - best[1][0]))

    def evidence(self, query: str, k: int = 4, pull: bool | None = None) -> list[Evidence]:
        """The ``k`` best passages by S, with (cosine, coverage, unseen words' pull) to calibrate
        (or to fit on). The pull costs two more embeddings: it is computed when the calibration
        weighs it, or when ``pull`` says so (the fit)."""
        if pull is None:
            pull = self._calibration.weighs(PULL)
        loaded, lexical = self._index()
        n, query = len(loaded.passages), without_notes(query)
        if n == 0 or k <= 0 or not query.strip():
            return []
        embedding = self._embedding(query)
        found_cosines, found_ids = loaded.index.search(
            self._query_vector(query, embedding), min(n, MAX_DENSE)
        )
        kept = found_ids[0] >= 0
        dense_ids = found_ids[0][kept].astype(np.int64)
        dense = found_cosines[0][kept].astype(np.float64)
        mean, std = float(dense.mean()), float(dense.std()) or 1.0
        lowest = float(dense.min())  # a passage beyond MAX_DENSE: at most the last one's cosine
        match = lexical.match(analyze(query))
        top = float(match.bm25.max()) if len(match.bm25) else 1.0
        ids = np.union1d(dense_ids, match.ids)
        cosines, coverage, bm25 = np.full(len(ids), lowest), np.zeros(len(ids)), np.zeros(len(ids))
        cosines[np.searchsorted(ids, dense_ids)] = dense
        at = np.searchsorted(ids, match.ids)
        coverage[at], bm25[at] = match.coverage, match.bm25
        fused = (
            (cosines - mean) / std
            + LEXICAL_COVERAGE_WEIGHT * coverage
            + LEXICAL_BM25_WEIGHT * bm25 / (top or 1.0)
        )
        finite = np.flatnonzero(np.isfinite(fused))
        order = finite[np.lexsort((ids[finite], -fused[finite]))][:k].tolist()
        unseen = self._unseen_words_pull(loaded, lexical, query) if order and pull else 0.0
        return [
            Evidence(
                loaded.passages[int(ids[j])], float(fused[j]), (float(cosines[j]), float(coverage[j]), unseen)
            )
            for j in order
        ]

    def search(self, query: str, k: int = 4) -> list[Passage]:
        return calibrated(self.evidence(query, k), self._calibration)

    def warm_up(self) -> None:
        """The index (from the cache, or downloaded) and the embedding model, loaded."""
        self._index()
        self._embedding("olá")
