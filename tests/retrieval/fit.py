"""Fit the calibration constants on the evaluation set: ``python -m tests.retrieval.fit``.

For each backend, the best passage's raw evidence (``evidence(question, 1)``) of every question;
the cut is chosen to decline >= 90 % of the out-of-scope questions with the most in-scope ones
answered, and CENTER is the midpoint between the two scores on either side of it. Copy the
printed CENTERs into ``CALIBRATION`` (memory/knowledge.py, faiss/knowledge.py).
"""

from __future__ import annotations

import itertools
from typing import Any

from tests.retrieval.evaluate import hybrid_kb, keyword_kb
from tests.retrieval.questions import IN_SCOPE, OUT_OF_SCOPE


def best(kb: Any, question: str) -> float:
    found = kb.evidence(question, 1)
    return float(found[0][0]) if found else float("-inf")


def center(inside: list[float], outside: list[float]) -> tuple[float, float, float]:
    scores = sorted(set(inside) | set(outside))
    choice: tuple[tuple[bool, float], float, float, float] | None = None
    for low, cut in itertools.pairwise(scores):
        answered = sum(s >= cut for s in inside) / len(inside)
        declined = sum(s < cut for s in outside) / len(outside)
        key = (declined >= 0.9, answered + declined)
        if choice is None or key > choice[0]:
            choice = (key, (low + cut) / 2 if low != float("-inf") else cut - 1, answered, declined)
    assert choice is not None
    return choice[1], choice[2], choice[3]


def main() -> None:
    for name, kb in [
        ("keyword", keyword_kb()),
        ("hybrid e5", hybrid_kb("e5")),
        ("hybrid use", hybrid_kb("use")),
    ]:
        inside = [best(kb, q) for q, _ in IN_SCOPE]
        outside = [best(kb, q) for q in OUT_OF_SCOPE]
        mid, answered, declined = center(inside, outside)
        print(f"{name:<11} CENTER = {mid:.2f}  (answered {answered:.1%}, declined {declined:.1%})")


if __name__ == "__main__":
    main()
