"""Retrieval quality and queries per second, per backend, on both evaluation sets.

For keyword (BM25), hybrid e5 and hybrid USE: the rates of the tuning set (the bundled bakery
FAQ, every constant fitted on it) and of the held-out set (a vet clinic's 8 documents, never
fitted on): right passage first, in-scope answered, out-of-scope declined (``tests/retrieval/``);
then the queries per second on the tuning set's questions (embed the question and its topic
words + dense search + BM25 + fusion + calibration, one thread).

Usage: python bench/retrieval_qps.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.retrieval.evaluate import HELD_OUT, TUNING, hybrid_kb, keyword_kb, measure

QUESTIONS = [q for q, _ in TUNING.in_scope] + TUNING.out_of_scope


def rate(kb: Any, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for question in QUESTIONS:
            kb.search(question, 4)
            done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    seconds = parser.parse_args().seconds
    backends = [
        ("keyword (BM25)", keyword_kb),
        ("hybrid e5", lambda evaluation: hybrid_kb("e5", evaluation)),
        ("hybrid use", lambda evaluation: hybrid_kb("use", evaluation)),
    ]
    for name, build in backends:
        for evaluation in (TUNING, HELD_OUT):
            print(f"{name:<15} {evaluation.name:<35}: {measure(build(evaluation), evaluation).line()}")
        print(f"{name:<15} {rate(build(TUNING), seconds):7.0f} queries/s")


if __name__ == "__main__":
    main()
