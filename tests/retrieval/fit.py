"""Fit the calibrations on the evaluation set: ``python -m tests.retrieval.fit``.

Each backend gets two (``Calibration``): ``as_written`` fitted on the tuning set without the
owner's "Perguntas:" lines, ``with_questions`` on the tuning set with them.

For each backend, every question's best passage (``evidence(question, 1)``) gives its features
(keyword: BM25 and coverage; hybrid: raw cosine, coverage and the pull of the question's unseen
words, see ``app.adapters.retrieval.confidence``).
A logistic regression (Newton's method, a little L2) fits in-scope against out-of-scope; then
the intercept is moved so that 0.5 falls at the cut that declines >= 90 % of the out-of-scope
questions with the most in-scope ones answered, and of those cuts the one that declines most
(the midpoint between the scores either side of it). Copy the printed ``Calibration`` into
``CALIBRATION`` (memory/knowledge.py for keyword, faiss/knowledge.py per embedding model).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import numpy.typing as npt

from app.adapters.retrieval.confidence import Calibration, Logistic
from tests.retrieval.evaluate import TUNING, hybrid_kb, keyword_kb

Array = npt.NDArray[np.float64]


def features(kb: Any, questions: list[str], width: int, pull: bool) -> Array:
    rows = []
    for question in questions:
        found = kb.evidence(question, 1, pull=pull) if width == 3 else kb.evidence(question, 1)
        rows.append(found[0].features if found else (0.0,) * width)
    return np.asarray(rows, dtype=np.float64)


def logistic_regression(x: Array, y: Array, l2: float = 0.1, steps: int = 50) -> tuple[Array, float]:
    """Weights and intercept on the raw features (standardised while fitting)."""
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-12
    a = np.c_[(x - mean) / std, np.ones(len(x))]
    w = np.zeros(a.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-a @ w))
        gradient = a.T @ (p - y) + l2 * w
        hessian = (a.T * (p * (1 - p))) @ a + l2 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    weights = w[:-1] / std
    return weights, float(w[-1] - weights @ mean)


def cut(scores: Array, y: Array) -> tuple[float, float, float]:
    """(cut, answered, declined): the cut declining >= 90 % of y == 0 with the most y == 1 above
    it, and of those the one declining most."""
    inside, outside = scores[y == 1], scores[y == 0]
    best: tuple[float, float, float] | None = None
    for low, high in itertools.pairwise(sorted(set(scores.tolist()))):
        answered, declined = float((inside >= high).mean()), float((outside < high).mean())
        if declined >= 0.9 and (best is None or (answered, declined) > best[1:]):
            best = ((low + high) / 2, answered, declined)
    assert best is not None, "no cut declines 90 % of the out-of-scope questions"
    return best


def fit(kb: Any, width: int, pull: bool = False) -> tuple[Logistic, float, float]:
    questions = [q for q, _ in TUNING.in_scope] + TUNING.out_of_scope
    x = features(kb, questions, width, pull)
    y = np.r_[np.ones(len(TUNING.in_scope)), np.zeros(len(TUNING.out_of_scope))]
    weights, intercept = logistic_regression(x, y)
    where, answered, declined = cut(x @ weights + intercept, y)
    rounded = tuple(round(float(w), 3) for w in weights)
    return Logistic(rounded, round(intercept - where, 3)), answered, declined


def main() -> None:
    for name, build, width, pull in [
        ("keyword", keyword_kb, 2, False),
        ("hybrid e5", lambda e: hybrid_kb("e5", e), 3, True),
        ("hybrid use", lambda e: hybrid_kb("use", e), 3, False),  # with the pull, it declined less
    ]:
        fitted: dict[str, Logistic] = {}
        for kind, evaluation in [("as_written", TUNING.as_written), ("with_questions", TUNING)]:
            fitted[kind], answered, declined = fit(build(evaluation), width, pull)
            print(f"{name:<11} {kind:<14} answered {answered:.1%}, declined {declined:.1%}")
        print(f"{name:<11} {Calibration(**fitted)}")


if __name__ == "__main__":
    main()
