"""Turning a backend's evidence for a passage into a calibrated confidence that it answers.

A knowledge base ranks passages by whatever orders them best, but the decision to answer needs
evidence that means the same in any knowledge base. These do:

- the question's **lexical coverage** by the passage
  (:meth:`app.adapters.retrieval.lexical_index.LexicalIndex.match`: the idf-weighted share of
  the question's terms the passage holds, in [0, 1]);
- for a dense backend, the passage's **raw cosine** with the question: an absolute figure of
  the embedding model (e5 puts anything near 0.80 and a real match near 0.88), where a cosine
  standardised over the index would change with the size and the subject of the index;
- for e5, the **pull of the question's unseen words** (words no passage holds, nor a variant or
  a synonym of): how much lower the question's best cosine is with them than without them
  (:meth:`app.adapters.faiss.knowledge.FaissKnowledgeBase._unseen_words_pull`), a difference of
  two cosines of the same model that does not depend on the index's level either.

A :class:`Logistic` per backend and embedding model maps them to a probability, fitted on the
evaluation set by ``python -m tests.retrieval.fit`` with its intercept placed so that 0.5 (the
domain's :data:`~app.domain.retrieval.ANSWER_THRESHOLD`) is the cut that declines >= 90 % of
the out-of-scope questions with the most in-scope ones answered (and, among those, the most
declined). Each backend has two (:class:`Calibration`): one for passages as written, one for
passages that carry the owner's "Perguntas:" lines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

from app.domain.messages import Passage


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 50.0), -50.0)))


@dataclass(frozen=True)
class Logistic:
    """confidence = sigmoid(intercept + Σ weight · feature)."""

    weights: tuple[float, ...]
    intercept: float

    def __call__(self, *features: float) -> float:
        if len(features) != len(self.weights):
            raise ValueError(f"expected {len(self.weights)} features, got {len(features)}")
        return sigmoid(self.intercept + sum(w * f for w, f in zip(self.weights, features, strict=True)))


@dataclass(frozen=True)
class Calibration:
    """A backend's two logistics. A passage that carries the owner's questions ("Perguntas:")
    holds the customers' own words, so its evidence runs higher for in-scope questions and for
    out-of-scope ones sharing a word with them alike: it is calibrated apart, fitted on the
    tuning set with its questions, as a passage as written is on the set without them."""

    as_written: Logistic
    with_questions: Logistic

    def of(self, passage: Passage) -> Logistic:
        return self.with_questions if passage.asked else self.as_written

    def weighs(self, feature: int) -> bool:
        """Does either logistic weigh this feature (one costly to compute may then be skipped)?"""
        return any(logistic.weights[feature] != 0.0 for logistic in (self.as_written, self.with_questions))


def best_first(confidences: Iterable[float]) -> list[float]:
    """The confidences of passages in rank order, each capped by the one ranked above it.

    Passages are ranked by the backend's fused score and each one's confidence comes from its own
    evidence, so a lower-ranked passage could read as more confident than the best one. The cap
    keeps the port's promise (best first, scores not increasing) without reordering the ranking.
    """
    capped: list[float] = []
    for confidence in confidences:
        capped.append(round(min(confidence, capped[-1]) if capped else confidence, 4))
    return capped


@dataclass(frozen=True)
class Evidence:
    """What a backend found for one passage: the score it ranks by, and the features it calibrates."""

    passage: Passage
    rank: float
    features: tuple[float, ...]


def calibrated(found: Iterable[Evidence], calibration: Calibration) -> list[Passage]:
    """The passages in rank order, each with its calibrated confidence as ``score``."""
    found = list(found)
    scores = best_first(calibration.of(e.passage)(*e.features) for e in found)
    return [replace(e.passage, score=score) for e, score in zip(found, scores, strict=True)]
