"""Retrieval quality and queries per second on the example FAQ, per backend.

For keyword (BM25), hybrid e5 and hybrid USE: the evaluation set's rates (right section first,
in-scope answered, out-of-scope declined; ``tests/retrieval/``) and the queries per second
(embed the question + dense search + BM25 + fusion + calibration, one thread).

Usage: python bench/retrieval_qps.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.retrieval.evaluate import hybrid_kb, keyword_kb, measure
from tests.retrieval.questions import IN_SCOPE, OUT_OF_SCOPE

QUESTIONS = [q for q, _ in IN_SCOPE] + OUT_OF_SCOPE


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
    print(f"evaluation set: {len(IN_SCOPE)} in-scope, {len(OUT_OF_SCOPE)} out-of-scope questions")
    for name, build in [
        ("keyword (BM25)", keyword_kb),
        ("hybrid e5", lambda: hybrid_kb("e5")),
        ("hybrid use", lambda: hybrid_kb("use")),
    ]:
        kb = build()
        rates = measure(kb)
        print(f"{name:<15}: {rates.line()}; {rate(kb, seconds):7.0f} queries/s")


if __name__ == "__main__":
    main()
