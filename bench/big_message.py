"""Time to answer one huge text message: ``receive`` + ``process`` in this process.

Each size is one customer message of that many characters (a question repeated), taken in
and answered through the real container on the offline adapters (memory state, recording
gateway, no typing delay), with the keyword knowledge base and with FAISS (e5 embeddings,
the example knowledge indexed into an in-memory bucket first).

Usage: python bench/big_message.py [--sizes 10000,100000,5000000] [--knowledge keyword,faiss]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dependency_injector import providers

from app.adapters.memory.clock import VirtualClock
from app.adapters.memory.gateway import RecordingGateway
from app.container import build_container
from app.entrypoints.simulator.webhooks import WebhookFactory
from app.settings import EXAMPLE_KNOWLEDGE_DIR, Settings

QUESTION = "Vocês entregam no bairro Centro e qual o horário de funcionamento? "
JID = "5541988887777@s.whatsapp.net"


def faiss_blobs() -> Any:
    from app.adapters.embeddings import build_embedder
    from app.adapters.faiss.documents import FolderSource
    from app.adapters.faiss.index import FaissIndexer
    from app.adapters.memory.blobs import MemoryBlobStore

    blobs = MemoryBlobStore()
    FaissIndexer(blobs, build_embedder("e5")).publish(FolderSource(EXAMPLE_KNOWLEDGE_DIR).documents())
    return blobs


def answer_once(size: int, knowledge: str, blobs: Any, cache: str) -> tuple[float, float, str]:
    settings = Settings(
        state="memory",
        dead_letters="memory",
        knowledge=knowledge,  # type: ignore[arg-type]
        index_cache_dir=Path(cache),
        quiet_ms=0,
        typing_min_ms=0,
        typing_max_ms=0,
        typing_ms_per_char=0,
    )
    container = build_container(settings)
    clock = VirtualClock()
    container.clock.override(providers.Object(clock))
    container.gateway.override(providers.Object(RecordingGateway()))
    if blobs is not None:
        container.blobs.override(providers.Object(blobs))
    container.knowledge()  # the index is loaded once per process: not part of one message's cost
    text = (QUESTION * (size // len(QUESTION) + 1))[:size]
    body = WebhookFactory(JID).message(text, clock.now_ms())
    start = time.perf_counter()
    received = container.receive()(body)
    took_in = time.perf_counter() - start
    result = container.process()(received.chat_id, 0)
    return took_in, time.perf_counter() - start, f"{received.status}/{result.status}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,5000000")
    parser.add_argument("--knowledge", default="keyword,faiss")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as cache:
        for knowledge in args.knowledge.split(","):
            blobs = faiss_blobs() if knowledge == "faiss" else None
            for size in sizes:
                receive_s, total_s, outcome = answer_once(size, knowledge, blobs, cache)
                print(
                    f"{knowledge:8} {size:>9,} chars: receive {receive_s:6.2f} s, "
                    f"receive + process {total_s:6.2f} s ({outcome})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
