"""Incremental ingest: 1,000 generated documents from scratch, then again with one changed.

The documents are put in a memory blob store (the index is published there too), read with
``BlobSource`` and ingested with the real use case and FAISS indexer, as ``conversa ingest``
does. Prints the time of each run, what it embedded, and the re-ingest's share of the full one.

Usage: python bench/ingest_incremental.py [--documents 1000] [--embedder e5|use]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.adapters.embeddings import build_embedder
from app.adapters.faiss.documents import BlobSource
from app.adapters.faiss.index import FaissIndexer
from app.adapters.memory.blobs import MemoryBlobStore
from app.domain.usecases.ingest import IngestKnowledge, IngestResult

PRODUCTS = ["pão de queijo", "bolo de cenoura", "sonho", "croissant", "torta de limão", "baguete"]


def document(n: int, revision: int = 0) -> bytes:
    product = PRODUCTS[n % len(PRODUCTS)]
    return (
        f"# Produto {n}: {product}\n\n"
        f"## Preço do produto {n}\nO {product} número {n} custa R$ {n % 50 + 3},{revision:02d} a unidade; "
        f"para encomendas acima de {n % 20 + 10} unidades há desconto de 10%.\n\n"
        f"## Ingredientes do produto {n}\nFeito com farinha, ovos e leite da fazenda {n % 7}. "
        f"Contém glúten e lactose. Validade de {n % 5 + 2} dias fora da geladeira.\n\n"
        f"## Entrega do produto {n}\nEntregamos o produto {n} em até {n % 9 + 1} km, "
        f"de terça a domingo, das 8h às 18h.\n"
    ).encode()


def ingest(blobs: MemoryBlobStore, indexer: FaissIndexer) -> tuple[float, IngestResult]:
    start = time.perf_counter()
    result = IngestKnowledge(BlobSource(blobs, "docs/"), indexer, "docs/")()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--embedder", default="e5", choices=["e5", "use"])
    args = parser.parse_args()
    blobs, embedder = MemoryBlobStore(), build_embedder(args.embedder)
    for n in range(args.documents):
        blobs.put(f"docs/produto-{n:04d}.md", document(n))
    indexer = FaissIndexer(blobs, embedder)

    full, result = ingest(blobs, indexer)
    print(
        f"from scratch      : {full:7.2f} s  {result.documents} documents, {result.chunks} chunks "
        f"embedded with {result.embedding_model}"
    )
    changed = args.documents // 2
    blobs.put(f"docs/produto-{changed:04d}.md", document(changed, revision=1))
    again, result = ingest(blobs, indexer)
    print(
        f"one changed       : {again:7.2f} s  {result.documents_embedded} document re-embedded "
        f"({result.chunks_embedded} chunks), {result.documents_reused} reused"
    )
    unchanged, result = ingest(blobs, indexer)
    print(f"nothing changed   : {unchanged:7.2f} s  {result.documents_reused} reused")
    print(f"re-ingest / full  : {again / full:7.1%}")


if __name__ == "__main__":
    main()
