"""Building, publishing and loading the FAISS index (inner product over unit vectors)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from app.adapters.memory.knowledge import markdown_sections
from app.domain.errors import ConversaError
from app.domain.messages import Passage
from app.ports.blobs import BlobStore
from app.ports.embeddings import Embedder
from app.ports.knowledge_index import PublishedIndex, SourceDocument

log = logging.getLogger("conversa.index")
INDEX, CHUNKS, MANIFEST = "index.faiss", "chunks.json", "manifest.json"
FORMAT = "conversa-faiss-1"


class IndexError_(ConversaError):
    """The published index is missing, incomplete, tampered with, or built by another model."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def split_documents(
    documents: list[SourceDocument], chunk_chars: int = 1_000, overlap: int = 150
) -> list[Passage]:
    """Sections at Markdown headings (a FAQ answer stays whole), long ones split by the text splitter."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_chars, chunk_overlap=overlap)
    chunks: list[Passage] = []
    for document in documents:
        sections = markdown_sections(document.text, document.name) or [Passage(document.text, document.name)]
        for section in sections:
            for piece in splitter.split_text(section.text):
                chunks.append(Passage(piece, document.name, 0.0, section.title))
    return chunks


def _embedding_text(passage: Passage) -> str:
    return f"{passage.title}\n{passage.text}" if passage.title else passage.text


@dataclass
class FaissIndexer:
    """Implements :class:`app.ports.knowledge_index.KnowledgeIndexer` on a blob store."""

    blobs: BlobStore
    embedder: Embedder
    prefix: str = "index/current/"

    def build(self, chunks: list[Passage]) -> tuple[bytes, bytes, dict[str, Any]]:
        vectors = np.asarray(
            self.embedder.embed_passages([_embedding_text(c) for c in chunks]), dtype=np.float32
        )
        index = faiss.IndexFlatIP(self.embedder.dimension)
        index.add(vectors)
        index_bytes = faiss.serialize_index(index).tobytes()
        chunk_bytes = json.dumps(
            [{"text": c.text, "source": c.source, "title": c.title} for c in chunks], ensure_ascii=False
        ).encode("utf-8")
        manifest = {
            "format": FORMAT,
            "embedding_model": self.embedder.name,
            "dimension": self.embedder.dimension,
            "chunks": len(chunks),
            "index_sha256": sha256(index_bytes),
            "chunks_sha256": sha256(chunk_bytes),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        return index_bytes, chunk_bytes, manifest

    def publish(self, documents: list[SourceDocument]) -> PublishedIndex:
        chunks = split_documents(documents)
        index_bytes, chunk_bytes, manifest = self.build(chunks)
        self.blobs.ensure_bucket()
        self.blobs.put(self.prefix + INDEX, index_bytes)
        self.blobs.put(self.prefix + CHUNKS, chunk_bytes, "application/json")
        self.blobs.put(self.prefix + MANIFEST, json.dumps(manifest).encode(), "application/json")  # last
        checksum = sha256((manifest["index_sha256"] + manifest["chunks_sha256"]).encode())
        return PublishedIndex(self.prefix, len(chunks), self.embedder.name, checksum)


@dataclass
class LoadedIndex:
    index: Any
    passages: list[Passage]


def _verify(manifest: dict[str, Any], index_bytes: bytes, chunk_bytes: bytes, embedder: Embedder) -> None:
    if manifest.get("format") != FORMAT:
        raise IndexError_(f"unknown index format {manifest.get('format')!r}")
    if sha256(index_bytes) != manifest.get("index_sha256") or sha256(chunk_bytes) != manifest.get(
        "chunks_sha256"
    ):
        raise IndexError_("index files do not match their manifest checksums: refusing to load them")
    if manifest.get("embedding_model") != embedder.name or manifest.get("dimension") != embedder.dimension:
        raise IndexError_(
            f"index was built with {manifest.get('embedding_model')}, but this worker embeds with "
            f"{embedder.name}: run ingest again"
        )


def _write_atomically(folder: Path, files: dict[str, bytes]) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=folder.parent))
    for name, data in files.items():
        (staging / name).write_bytes(data)
    try:
        os.replace(staging, folder)
    except OSError:  # another process cached the same ETag first
        for name in files:
            (staging / name).unlink(missing_ok=True)
        staging.rmdir()


def load_index(blobs: BlobStore, prefix: str, embedder: Embedder, cache_dir: Path) -> LoadedIndex:
    """The published index, from the local cache when the manifest's ETag is already there."""
    info = blobs.stat(prefix + MANIFEST)
    if info is None:
        raise IndexError_(f"no knowledge index published at {prefix}: run `conversa ingest` first")
    folder = cache_dir / info.etag
    if (folder / MANIFEST).exists():
        files = {name: (folder / name).read_bytes() for name in (MANIFEST, INDEX, CHUNKS)}
    else:
        log.info("downloading the knowledge index (ETag %s)", info.etag)
        files = {name: blobs.get(prefix + name) for name in (MANIFEST, INDEX, CHUNKS)}
    manifest = json.loads(files[MANIFEST])
    _verify(manifest, files[INDEX], files[CHUNKS], embedder)
    if not (folder / MANIFEST).exists():
        _write_atomically(folder, files)
    index = faiss.deserialize_index(np.frombuffer(files[INDEX], dtype=np.uint8))
    passages = [Passage(c["text"], c["source"], 0.0, c["title"]) for c in json.loads(files[CHUNKS])]
    return LoadedIndex(index, passages)
