"""Okapi BM25 over analysed passages, with prefix variants and synonyms.

Besides a ranking score, :meth:`BM25.coverage` says how much of a question a passage covers
(the idf-weighted share of the question's terms it holds, or a variant or a synonym of): the
lexical evidence the calibrations use (:mod:`app.adapters.confidence`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

MIN_PREFIX = 3  # shortest stem matched by prefix
PREFIX_WEIGHT = 0.7  # a prefix match counts this much of an exact one
# A question's terms → for each term, other expressions (each a tuple of terms) that mean the same
# (see app.adapters.synonyms). An expression matches a document holding all of its terms.
Expansion = Callable[[Sequence[str]], Mapping[str, tuple[tuple[str, ...], ...]]]
SYNONYM_WEIGHT = 0.7  # a synonym's match counts this much of the word's own


class BM25:
    """Okapi BM25 over analysed documents (each a list of terms), with synonyms if given."""

    def __init__(
        self,
        documents: Sequence[Sequence[str]],
        k1: float = 1.2,
        b: float = 0.75,
        synonyms: Expansion | None = None,
    ) -> None:
        self._docs = [Counter(d) for d in documents]
        self._lengths = [sum(d.values()) or 1 for d in self._docs]
        n = len(self._docs)
        self._avg = sum(self._lengths) / max(n, 1)
        df = Counter(t for d in self._docs for t in d)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._unknown_idf = math.log(1 + (n + 0.5) / 0.5)  # a term no document has: the rarest
        self._postings: dict[str, list[int]] = {}
        for i, d in enumerate(self._docs):
            for t in d:
                self._postings.setdefault(t, []).append(i)
        self._k1, self._b = k1, b
        self._synonyms = synonyms

    def __len__(self) -> int:
        return len(self._docs)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._unknown_idf)

    @lru_cache(maxsize=4096)  # noqa: B019 - one index per process, a handful of terms per question
    def variants(self, term: str) -> tuple[tuple[str, float], ...]:
        """The index's terms that ``term`` matches, with a weight: itself (1) and stems one is a
        prefix of (``PREFIX_WEIGHT``), which the stemmer leaves apart: "hor"(as) and
        "horari"(o), "abrem" and "abr"(imos)."""
        found = [(term, 1.0)] if term in self._idf else []
        if len(term) >= MIN_PREFIX:
            found += [
                (t, PREFIX_WEIGHT)
                for t in self._idf
                if t != term and len(t) >= MIN_PREFIX and (t.startswith(term) or term.startswith(t))
            ]
        return tuple(found)

    @lru_cache(maxsize=256)  # noqa: B019 - scores() and each passage's coverage() of one question
    def _alternatives(self, query: tuple[str, ...]) -> Mapping[str, tuple[tuple[str, ...], ...]]:
        return self._synonyms(query) if self._synonyms else {}

    @lru_cache(maxsize=4096)  # noqa: B019 - as variants
    def _term_scores(self, term: str) -> dict[int, float]:
        best: dict[int, float] = {}
        for t, weight in self.variants(term):
            for i in self._postings.get(t, ()):
                tf = self._docs[i][t]
                norm = tf + self._k1 * (1 - self._b + self._b * self._lengths[i] / self._avg)
                best[i] = max(best.get(i, 0.0), weight * self._idf[t] * tf * (self._k1 + 1) / norm)
        return best

    def _expression_scores(self, expression: tuple[str, ...]) -> dict[int, float]:
        """A synonym's score in each document holding all its terms: the mean of theirs."""
        parts = [self._term_scores(t) for t in expression]
        common = set(parts[0]).intersection(*parts[1:]) if parts else set()
        return {i: SYNONYM_WEIGHT * sum(p[i] for p in parts) / len(parts) for i in common}

    def _matches(self, term: str, index: int) -> float:
        return max((w for t, w in self.variants(term) if t in self._docs[index]), default=0.0)

    def _expression_matches(self, expression: tuple[str, ...], index: int) -> float:
        return SYNONYM_WEIGHT * min((self._matches(t, index) for t in expression), default=0.0)

    def scores(self, query: Sequence[str]) -> dict[int, float]:
        """BM25 score of every document holding at least one of the query's terms (or a variant,
        or a synonym): per term, the best of its own score and its synonyms'."""
        alternatives = self._alternatives(tuple(query))
        scored: dict[int, float] = {}
        for q in set(query):
            best = dict(self._term_scores(q))
            for expression in alternatives.get(q, ()):
                for i, score in self._expression_scores(expression).items():
                    best[i] = max(best.get(i, 0.0), score)
            for i, score in best.items():
                scored[i] = scored.get(i, 0.0) + score
        return scored

    def coverage(self, query: Sequence[str], index: int) -> float:
        """The idf-weighted share of the query's terms that document ``index`` contains (or a
        synonym of), in [0, 1]."""
        terms = set(query)
        total = sum(self.idf(t) for t in terms)
        if total <= 0:
            return 0.0
        alternatives = self._alternatives(tuple(query))
        matched = 0.0
        for t in terms:
            own = self._matches(t, index)
            synonym = max((self._expression_matches(e, index) for e in alternatives.get(t, ())), default=0.0)
            matched += self.idf(t) * max(own, synonym)
        return matched / total
