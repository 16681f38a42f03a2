"""Retrieval queries per second on the example FAQ: embed the question + search the index.

Usage: python bench/retrieval_qps.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.adapters.embeddings import build_embedder
from app.adapters.faiss.documents import FolderSource
from app.adapters.faiss.index import FaissIndexer
from app.adapters.faiss.knowledge import FaissKnowledgeBase
from app.adapters.memory.blobs import MemoryBlobStore
from app.adapters.memory.knowledge import KeywordKnowledgeBase
from app.settings import EXAMPLE_KNOWLEDGE_DIR
from tests.adapters.retrieval_questions import QUESTIONS


def rate(search: object, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for question, _ in QUESTIONS:
            search(question, 4)  # type: ignore[operator]
            done += 1
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    seconds = parser.parse_args().seconds
    print(
        f"keyword (BM25)     : {rate(KeywordKnowledgeBase.from_folder(EXAMPLE_KNOWLEDGE_DIR).search, seconds):8.0f} queries/s"
    )
    for name in ("e5", "use"):
        blobs, embedder = MemoryBlobStore(), build_embedder(name)
        FaissIndexer(blobs, embedder).publish(FolderSource(EXAMPLE_KNOWLEDGE_DIR).documents())
        kb = FaissKnowledgeBase(blobs, embedder, tempfile.mkdtemp())
        print(f"faiss + {name:<11}: {rate(kb.search, seconds):8.0f} queries/s (1 thread)")


if __name__ == "__main__":
    main()
