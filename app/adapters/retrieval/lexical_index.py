"""Okapi BM25 over analysed passages as postings in numpy arrays, built once and saved as bytes.

The index is built at ingest (or once per folder for the keyword backend) and saved with
:func:`numpy.savez` (no pickle: loading reads arrays, ``allow_pickle=False``). A question costs
work in proportion to its own terms and their postings: a term is found by binary search in the
sorted vocabulary, its prefix variants are a contiguous range of it, and its postings are a
slice of one array. Nothing is rebuilt or scanned per passage at load or per question.

Besides the BM25 score, :meth:`LexicalIndex.match` gives each passage's **coverage** of the
question (the idf-weighted share of the question's terms it holds, or a variant or a synonym
of): the lexical evidence the calibrations use (:mod:`app.adapters.retrieval.confidence`).

Own postings rather than a library: ``bm25s`` (sparse-matrix BM25) ranks well, but the
calibrated "I don't know" needs what it does not give: per-term prefix variants ("hor"(as) and
"horari"(o)), multi-word synonyms matched only when all their words are there, and the coverage.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

MIN_PREFIX = 3  # shortest stem matched by prefix
PREFIX_WEIGHT = 0.7  # a prefix match counts this much of an exact one
# Sub-word evidence: a question's term of SUBWORD_MIN letters or more also matches the terms
# that hold it inside ("venen"(o) in "envenen"(amento)), at SUBWORD_WEIGHT; found through the
# character trigrams of the vocabulary, so the cost is that of the term's trigrams' lists.
SUBWORD_MIN = 5
SUBWORD_WEIGHT = 0.5
GRAM = 3
MAX_TERM = 32  # longer terms are cut: no Portuguese word is that long, and the vocabulary stays compact
# A question's terms → for each term, other expressions (each a tuple of terms) that mean the same
# (see app.adapters.retrieval.synonyms). An expression matches a document holding all of its terms.
Expansion = Callable[[Sequence[str]], Mapping[str, tuple[tuple[str, ...], ...]]]
SYNONYM_WEIGHT = 0.7  # a synonym's match counts this much of the word's own
K1, B = 1.2, 0.75
_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY = np.zeros(0, dtype=np.float64)

Ids = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Found:
    """Passages (sorted ids) with, for each, a score and the weight it matched with."""

    ids: Ids
    scores: Floats
    weights: Floats


_NONE = Found(_EMPTY_IDS, _EMPTY, _EMPTY)


@dataclass(frozen=True)
class Match:
    """What a question found: the passages holding at least one of its terms (sorted ids), with
    their BM25 score and their coverage of the question."""

    ids: Ids
    bm25: Floats
    coverage: Floats


def _best_per_id(ids: npt.NDArray[Any], scores: Floats, weights: Floats) -> Found:
    """One row per id: the best score and the best weight it was found with."""
    if len(ids) == 0:
        return _NONE
    unique, at = np.unique(ids, return_inverse=True)
    best_scores, best_weights = np.zeros(len(unique)), np.zeros(len(unique))
    np.maximum.at(best_scores, at, scores)
    np.maximum.at(best_weights, at, weights)
    return Found(unique.astype(np.int64), best_scores, best_weights)


def _gram_index(vocabulary: list[str]) -> tuple[npt.NDArray[np.str_], Ids, npt.NDArray[np.int32]]:
    """For each character trigram of the vocabulary (sorted), the ids of the terms holding it."""
    by_gram: dict[str, list[int]] = {}
    for number, term in enumerate(vocabulary):
        for gram in {term[i : i + GRAM] for i in range(len(term) - GRAM + 1)}:
            by_gram.setdefault(gram, []).append(number)
    grams = sorted(by_gram)
    starts = np.zeros(len(grams) + 1, dtype=np.int64)
    np.cumsum([len(by_gram[g]) for g in grams], out=starts[1:])
    terms = np.fromiter((i for g in grams for i in by_gram[g]), dtype=np.int32, count=int(starts[-1]))
    return np.array(grams, dtype=f"<U{GRAM}") if grams else np.zeros(0, dtype="<U1"), starts, terms


def _term(term: str) -> str:
    return term[:MAX_TERM]


class LexicalIndex:
    """BM25 (k1 = 1.2, b = 0.75) with prefix variants, synonyms and coverage, over postings."""

    def __init__(
        self,
        vocabulary: npt.NDArray[np.str_],
        starts: Ids,
        postings: npt.NDArray[np.int32],
        frequencies: npt.NDArray[np.float32],
        lengths: npt.NDArray[np.float32],
        synonyms: Expansion | None = None,
        grams: tuple[npt.NDArray[np.str_], Ids, npt.NDArray[np.int32]] | None = None,
    ) -> None:
        self._vocabulary, self._starts = vocabulary, starts
        self._grams = grams or _gram_index(vocabulary.tolist())
        self._postings, self._frequencies, self._lengths = postings, frequencies, lengths
        self._n = len(lengths)
        self._average = float(lengths.mean()) if self._n else 1.0
        self._unknown_idf = math.log(1 + (self._n + 0.5) / 0.5)  # a term no document has: the rarest
        self._synonyms = synonyms
        # Per index: a handful of terms per question, asked again by the next questions.
        self._term_found = lru_cache(maxsize=4096)(self._find_term)

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], synonyms: Expansion | None = None) -> LexicalIndex:
        """The index of analysed documents (each a list of terms), document ``i`` as id ``i``."""
        counts = [Counter(_term(t) for t in d) for d in documents]
        vocabulary = sorted({t for c in counts for t in c})
        number = {t: i for i, t in enumerate(vocabulary)}
        by_term: list[list[tuple[int, int]]] = [[] for _ in vocabulary]
        for i, c in enumerate(counts):
            for t, tf in c.items():
                by_term[number[t]].append((i, tf))
        sizes = np.fromiter((len(p) for p in by_term), dtype=np.int64, count=len(by_term))
        starts = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        flat = [x for p in by_term for x in p]
        postings = np.fromiter((i for i, _ in flat), dtype=np.int32, count=len(flat))
        frequencies = np.fromiter((tf for _, tf in flat), dtype=np.float32, count=len(flat))
        lengths = np.fromiter((max(sum(c.values()), 1) for c in counts), dtype=np.float32, count=len(counts))
        words = np.array(vocabulary, dtype=f"<U{MAX_TERM}") if vocabulary else np.zeros(0, dtype="<U1")
        return cls(words, starts, postings, frequencies, lengths, synonyms, _gram_index(vocabulary))

    def arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {
            "vocabulary": self._vocabulary,
            "starts": self._starts,
            "postings": self._postings,
            "frequencies": self._frequencies,
            "lengths": self._lengths,
            "grams": self._grams[0],
            "gram_starts": self._grams[1],
            "gram_terms": self._grams[2],
        }

    def to_bytes(self, **extra: npt.NDArray[Any]) -> bytes:
        """The arrays as one ``.npz`` file (no pickle), with ``extra`` arrays stored beside them."""
        out = io.BytesIO()
        np.savez(out, allow_pickle=False, **self.arrays(), **extra)
        return out.getvalue()

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, npt.NDArray[Any]], synonyms: Expansion | None = None
    ) -> tuple[LexicalIndex, dict[str, npt.NDArray[Any]]]:
        """The index of :meth:`arrays` (or of memory-mapped copies), and the other arrays given."""
        names = {"vocabulary", "starts", "postings", "frequencies", "lengths"}
        names |= {"grams", "gram_starts", "gram_terms"}
        index = cls(
            arrays["vocabulary"],
            arrays["starts"],
            arrays["postings"],
            arrays["frequencies"],
            arrays["lengths"],
            synonyms,
            (arrays["grams"], arrays["gram_starts"], arrays["gram_terms"]),
        )
        return index, {name: array for name, array in arrays.items() if name not in names}

    @classmethod
    def from_bytes(
        cls, data: bytes, synonyms: Expansion | None = None
    ) -> tuple[LexicalIndex, dict[str, npt.NDArray[Any]]]:
        """The index saved by :meth:`to_bytes`, and the extra arrays saved with it."""
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            return cls.from_arrays({name: arrays[name] for name in arrays.files}, synonyms)

    def __len__(self) -> int:
        return self._n

    def _id(self, term: str) -> int | None:
        at = int(np.searchsorted(self._vocabulary, term))
        return at if at < len(self._vocabulary) and self._vocabulary[at] == term else None

    def _idf_of(self, term_id: int) -> float:
        df = int(self._starts[term_id + 1] - self._starts[term_id])
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))

    def idf(self, term: str) -> float:
        found = self._id(_term(term))
        return self._unknown_idf if found is None else self._idf_of(found)

    def variants(self, term: str) -> list[tuple[int, float]]:
        """The index's terms (ids) that ``term`` matches, with a weight: itself (1) and stems one
        is a prefix of (``PREFIX_WEIGHT``), which the stemmer leaves apart: "hor"(as) and
        "horari"(o), "abrem" and "abr"(imos). Longer terms are one range of the sorted vocabulary,
        shorter ones a lookup per prefix."""
        term = _term(term)
        own = self._id(term)
        found = [] if own is None else [(own, 1.0)]
        if len(term) >= MIN_PREFIX:
            low = int(np.searchsorted(self._vocabulary, term))
            high = int(np.searchsorted(self._vocabulary, term + "\U0010ffff"))
            found += [(i, PREFIX_WEIGHT) for i in range(low, high) if i != own]
            for cut in range(MIN_PREFIX, len(term)):
                shorter = self._id(term[:cut])
                if shorter is not None:
                    found.append((shorter, PREFIX_WEIGHT))
        if own is None and len(term) >= SUBWORD_MIN:  # a word the passages hold only inside others
            seen = {i for i, _ in found}
            found += [(i, SUBWORD_WEIGHT) for i in self._holding(term) if i not in seen]
        return found

    def knows(self, term: str) -> bool:
        """Whether any passage holds ``term``, a variant of it (prefix, sub-word) or a one-word
        synonym: a term it does not know is one the knowledge base has never seen."""
        key = _term(term)
        if len(self._term_found(key).ids):
            return True
        alternatives = self._synonyms((key,)) if self._synonyms else {}
        return any(len(self._find_expression(e).ids) for e in alternatives.get(key, ()))

    def _holding(self, term: str) -> list[int]:
        """The vocabulary's terms that hold ``term`` after their first letter: the terms holding
        its rarest trigrams, checked one by one once they are few."""
        grams, starts, terms = self._grams
        lists = []
        for gram in {term[i : i + GRAM] for i in range(len(term) - GRAM + 1)}:
            at = int(np.searchsorted(grams, gram))
            if at == len(grams) or grams[at] != gram:
                return []
            lists.append(terms[int(starts[at]) : int(starts[at + 1])])
        lists.sort(key=len)
        candidates = lists[0]
        for having in lists[1:]:
            if len(candidates) <= 64:
                break
            candidates = np.intersect1d(candidates, having, assume_unique=True)
        return [int(i) for i in candidates if term in str(self._vocabulary[int(i)])[1:]]

    def _find_term(self, term: str) -> Found:
        """Every passage holding ``term`` or a variant: its best BM25 score and match weight."""
        ids, scores, weights = [], [], []
        for term_id, weight in self.variants(term):
            start, end = int(self._starts[term_id]), int(self._starts[term_id + 1])
            posted, tf = self._postings[start:end], self._frequencies[start:end].astype(np.float64)
            norm = tf + K1 * (1 - B + B * self._lengths[posted] / self._average)
            ids.append(posted)
            scores.append(weight * self._idf_of(term_id) * tf * (K1 + 1) / norm)
            weights.append(np.full(len(posted), weight))
        if not ids:
            return _NONE
        return _best_per_id(np.concatenate(ids), np.concatenate(scores), np.concatenate(weights))

    def _find_expression(self, expression: tuple[str, ...]) -> Found:
        """A synonym in each passage holding all its terms: the mean of their scores and the
        weakest of their matches, at ``SYNONYM_WEIGHT``."""
        parts = [self._term_found(t) for t in expression]
        if not parts:
            return _NONE
        common = parts[0].ids
        for part in parts[1:]:
            common = np.intersect1d(common, part.ids, assume_unique=True)
        if len(common) == 0:
            return _NONE
        at = [np.searchsorted(p.ids, common) for p in parts]
        scores = sum((p.scores[i] for p, i in zip(parts, at, strict=True)), start=np.zeros(len(common)))
        weights = np.minimum.reduce([p.weights[i] for p, i in zip(parts, at, strict=True)])
        return Found(common, SYNONYM_WEIGHT * scores / len(parts), SYNONYM_WEIGHT * weights)

    def match(self, query: Sequence[str]) -> Match:
        """Every passage holding at least one of the query's terms (or a variant, or a synonym):
        its BM25 score (per term, the best of its own score and its synonyms') and its coverage."""
        query = [_term(t) for t in query]
        terms = list(dict.fromkeys(query))
        total = sum(self.idf(t) for t in terms)
        alternatives = self._synonyms(tuple(query)) if self._synonyms else {}
        ids, scores, covered = [], [], []
        for term in terms:
            found = [self._term_found(term)]
            found += [self._find_expression(e) for e in alternatives.get(term, ())]
            best = _best_per_id(
                np.concatenate([f.ids for f in found]),
                np.concatenate([f.scores for f in found]),
                np.concatenate([f.weights for f in found]),
            )
            ids.append(best.ids)
            scores.append(best.scores)
            covered.append(self.idf(term) * best.weights)
        if not ids or total <= 0:
            return Match(_EMPTY_IDS, _EMPTY, _EMPTY)
        every = np.concatenate(ids)
        if len(every) == 0:
            return Match(_EMPTY_IDS, _EMPTY, _EMPTY)
        unique, at = np.unique(every, return_inverse=True)
        bm25, coverage = np.zeros(len(unique)), np.zeros(len(unique))
        np.add.at(bm25, at, np.concatenate(scores))
        np.add.at(coverage, at, np.concatenate(covered))
        return Match(unique.astype(np.int64), bm25, coverage / total)

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """BM25 score of every passage holding at least one of the query's terms."""
        found = self.match(query)
        return dict(zip(found.ids.tolist(), found.bm25.tolist(), strict=True))

    def coverage(self, query: Sequence[str], index: int) -> float:
        """The idf-weighted share of the query's terms that passage ``index`` holds (or a variant
        or a synonym of), in [0, 1]."""
        found = self.match(query)
        at = int(np.searchsorted(found.ids, index))
        return float(found.coverage[at]) if at < len(found.ids) and found.ids[at] == index else 0.0
