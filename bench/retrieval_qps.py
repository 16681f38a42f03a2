"""Retrieval quality, load time and queries per second, per backend, side by side in one run.

For keyword (BM25), hybrid e5 and hybrid USE:
  - the rates of the tuning set (the bundled bakery FAQ, every constant fitted on it) and of the
    two held-out sets (a vet clinic and a dental clinic, 8 documents each, never fitted on):
    right passage first, in-scope answered, out-of-scope declined (``tests/retrieval/``), each
    with the owner's "Perguntas:" lines and as written without them;
  - the load time of the tuning set's knowledge base: built from scratch (keyword: analyse the
    folder; FAISS: the published index downloaded from a blob store, verified and cached) and
    from the local cache (what every ``conversa process`` after the first pays), median of 5;
  - the queries per second on the tuning set's questions (keyword: analyse + BM25 + calibration;
    FAISS: embed the question and its topic words + dense search + BM25 + fusion + calibration),
    one thread.

Usage: python bench/retrieval_qps.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.retrieval.evaluate import HELD_OUT_SETS, TUNING, measure

QUESTIONS = [q for q, _ in TUNING.in_scope] + TUNING.out_of_scope


def rate(kb: Any, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for question in QUESTIONS:
            kb.search(question, 4)
            done += 1
    return done / (time.perf_counter() - start)


def timed(load: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    times, kb = [], None
    for _ in range(runs):
        start = time.perf_counter()
        kb = load()
        times.append(time.perf_counter() - start)
    return statistics.median(times), kb


def keyword(folder: Path) -> tuple[Any, float, float]:
    from app.adapters.memory.knowledge import KeywordKnowledgeBase

    cache = Path(tempfile.mkdtemp())
    start = time.perf_counter()
    KeywordKnowledgeBase.from_folder(folder, cache_dir=cache)
    scratch = time.perf_counter() - start
    cached, kb = timed(lambda: KeywordKnowledgeBase.from_folder(folder, cache_dir=cache))
    return kb, scratch, cached


def hybrid(model: str) -> Callable[[Path], tuple[Any, float, float]]:
    def build(folder: Path) -> tuple[Any, float, float]:
        from app.adapters.embeddings import build_embedder
        from app.adapters.faiss.documents import FolderSource
        from app.adapters.faiss.index import FaissIndexer
        from app.adapters.faiss.knowledge import FaissKnowledgeBase
        from app.adapters.memory.blobs import MemoryBlobStore

        embedder, blobs, cache = build_embedder(model), MemoryBlobStore(), Path(tempfile.mkdtemp())
        FaissIndexer(blobs, embedder).publish(FolderSource(folder).documents())

        def load() -> Any:
            kb = FaissKnowledgeBase(blobs, embedder, cache)
            kb._index()  # what the first search of a process pays before embedding the question
            return kb

        start = time.perf_counter()
        load()
        scratch = time.perf_counter() - start
        cached, kb = timed(load)
        return kb, scratch, cached

    return build


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    seconds = parser.parse_args().seconds
    backends: list[tuple[str, Callable[[Path], tuple[Any, float, float]]]] = [
        ("keyword (BM25)", keyword),
        ("hybrid e5", hybrid("e5")),
        ("hybrid use", hybrid("use")),
    ]
    for name, build in backends:
        for evaluation in (TUNING, *HELD_OUT_SETS):
            for variant in (evaluation, evaluation.as_written):
                kb = build(variant.folder)[0]
                print(f"{name:<15} {variant.name:<70}: {measure(kb, variant).line()}")
        kb, scratch, cached = build(TUNING.folder)
        print(
            f"{name:<15} load {scratch * 1000:7.1f} ms from scratch, {cached * 1000:6.1f} ms from the cache; "
            f"{rate(kb, seconds):7.0f} queries/s"
        )


if __name__ == "__main__":
    main()
