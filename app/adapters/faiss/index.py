"""Building, publishing and loading the FAISS index (inner product over unit vectors).

Beside the vectors, ingest builds the lexical index of the same passages
(:mod:`app.adapters.retrieval.lexical_index`: BM25 postings as numpy arrays, ``lexical.npz``,
no pickle) and publishes it under the same manifest, checksummed like the other files, so
``process`` loads it at the cost of reading its bytes instead of analysing every passage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from app.adapters.retrieval.analyzer import ANALYZER_VERSION, analyze
from app.adapters.retrieval.files import mapped_arrays, mapped_bytes, npy_files, sha256, write_atomically
from app.adapters.retrieval.lexical_index import Expansion, LexicalIndex
from app.adapters.retrieval.passages import PassageTable, document_passages, lexical_text, passages_json
from app.domain.errors import ConversaError
from app.domain.messages import Passage
from app.domain.usecases.ingest import text_sha256
from app.ports.blobs import BlobStore
from app.ports.embeddings import Embedder
from app.ports.knowledge_index import (
    IndexCatalog,
    IndexedDocument,
    IngestProgress,
    PublishedIndex,
    SourceDocument,
)

log = logging.getLogger("conversa.index")
INDEX, CHUNKS, LEXICAL, MANIFEST = "index.faiss", "chunks.json", "lexical.npz", "manifest.json"
FORMAT = "conversa-faiss-1"


class IndexError_(ConversaError):
    """The published index is missing, incomplete, tampered with, or built by another model."""


def split_documents(
    documents: list[SourceDocument], chunk_chars: int = 1_000, overlap: int = 150
) -> list[Passage]:
    """Sections at Markdown headings (a FAQ answer stays whole), long ones split by the text splitter."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_chars, chunk_overlap=overlap)
    chunks: list[Passage] = []
    for document in documents:
        for section in document_passages(document.text, document.name):
            for piece in splitter.split_text(section.text):
                chunks.append(Passage(piece, document.name, 0.0, section.title, section.asked))
    return chunks


def _embedding_text(passage: Passage) -> str:
    """The title, the text, then the questions the owner wrote for it."""
    return "\n".join(part for part in (passage.title, passage.text, passage.asked) if part)


def _embedded_sha256(passages: list[Passage]) -> str:
    """What a document's vectors depend on besides the model: the exact texts that were embedded."""
    return sha256(json.dumps([_embedding_text(p) for p in passages], ensure_ascii=False).encode("utf-8"))


@dataclass(frozen=True)
class _Embedded:
    """A published document's vectors, and the sha256 of the texts they were embedded from."""

    embedded_sha256: str
    vectors: Any


@dataclass
class FaissIndexer:
    """Implements :class:`app.ports.knowledge_index.KnowledgeIndexer` on a blob store.

    The manifest lists every document (name, sha256 of its text, chunk count, and the sha256
    of the texts its chunks were embedded from); chunks are stored document after document, so
    a document's vectors are a slice of the index. ``publish`` takes the vectors of the
    documents it is told to reuse from the published index (checksums verified) when their
    chunks are still the same texts, and embeds only the others.
    """

    blobs: BlobStore
    embedder: Embedder
    prefix: str = "index/current/"
    batch_size: int = 32
    cache_dir: Path | None = None  # this machine's index cache: told to ask S3 again after a publish

    @property
    def embedding_model(self) -> str:
        return self.embedder.name

    def _manifest(self) -> dict[str, Any] | None:
        if self.blobs.stat(self.prefix + MANIFEST) is None:
            return None
        try:
            manifest = json.loads(self.blobs.get(self.prefix + MANIFEST))
        except (KeyError, ValueError):
            return None
        return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None

    def catalog(self) -> IndexCatalog | None:
        manifest = self._manifest()
        if manifest is None:
            return None
        try:
            documents = tuple(
                IndexedDocument(str(d["name"]), str(d["sha256"]), int(d["chunks"]))
                for d in manifest.get("documents", [])
            )
        except (KeyError, TypeError, ValueError):
            documents = ()
        return IndexCatalog(str(manifest.get("embedding_model", "")), documents)

    def _published_vectors(self, wanted: set[str]) -> dict[str, _Embedded]:
        """The vectors of the ``wanted`` published documents; none when the index cannot be trusted."""
        manifest = self._manifest()
        if manifest is None or not wanted:
            return {}
        try:
            index_bytes, chunk_bytes = (
                self.blobs.get(self.prefix + INDEX),
                self.blobs.get(self.prefix + CHUNKS),
            )
            _verify(manifest, index_bytes, chunk_bytes, self.embedder)
            index = faiss.deserialize_index(np.frombuffer(index_bytes, dtype=np.uint8))
            documents = manifest.get("documents", [])
            if sum(int(d["chunks"]) for d in documents) != index.ntotal:
                raise IndexError_("the manifest's documents do not add up to the index")
            vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, 0), np.float32)
        except (IndexError_, KeyError, TypeError, ValueError, RuntimeError) as error:
            reason = error.reason if isinstance(error, IndexError_) else f"{type(error).__name__}: {error}"
            log.warning("not reusing the published index's vectors (%s): embedding everything", reason)
            return {}
        found, start = {}, 0
        for document in documents:
            count = int(document["chunks"])
            if document["name"] in wanted and "embedded_sha256" in document:
                found[str(document["name"])] = _Embedded(
                    str(document["embedded_sha256"]), vectors[start : start + count]
                )
            start += count
        return found

    def _embed(self, texts: list[str], progress: IngestProgress | None) -> Any:
        if progress:
            progress.stage("embedding chunks", len(texts))
        parts = []
        for at in range(0, len(texts), self.batch_size):
            batch = texts[at : at + self.batch_size]
            parts.append(np.asarray(self.embedder.embed_passages(batch), dtype=np.float32))
            if progress:
                progress.advance(len(batch))
        return np.concatenate(parts) if parts else np.zeros((0, self.embedder.dimension), np.float32)

    def build(
        self,
        chunks: list[Passage],
        vectors: Any = None,
        documents: list[dict[str, Any]] | None = None,
    ) -> tuple[bytes, bytes, bytes, dict[str, Any]]:
        """The index's files: vectors, passages, lexical index, and the manifest that names them."""
        if vectors is None:
            vectors = self._embed([_embedding_text(c) for c in chunks], None)
        index = faiss.IndexFlatIP(self.embedder.dimension)
        if len(chunks):
            index.add(np.asarray(vectors, dtype=np.float32).reshape(len(chunks), self.embedder.dimension))
        index_bytes = faiss.serialize_index(index).tobytes()
        chunk_bytes, ranges = passages_json(chunks)
        lexical = LexicalIndex.build([analyze(lexical_text(c)) for c in chunks])
        lexical_bytes = lexical.to_bytes(ranges=ranges)
        manifest = {
            "format": FORMAT,
            "embedding_model": self.embedder.name,
            "dimension": self.embedder.dimension,
            "chunks": len(chunks),
            "index_sha256": sha256(index_bytes),
            "chunks_sha256": sha256(chunk_bytes),
            "lexical_sha256": sha256(lexical_bytes),
            "lexical_analyzer": ANALYZER_VERSION,
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "documents": documents or [],
        }
        return index_bytes, chunk_bytes, lexical_bytes, manifest

    def publish(
        self,
        documents: list[SourceDocument],
        reuse: Mapping[str, str] | None = None,
        progress: IngestProgress | None = None,
    ) -> PublishedIndex:
        reuse = reuse or {}
        published = self._published_vectors(set(reuse.values()))
        by_document: dict[str, list[Passage]] = {d.name: [] for d in documents}
        for chunk in split_documents(documents):
            by_document[chunk.source].append(chunk)
        indexed: list[IndexedDocument] = []
        entries: list[dict[str, Any]] = []
        kept: dict[str, Any] = {}
        to_embed: list[str] = []
        embedded: list[str] = []
        for document in documents:
            chunks, digest = by_document[document.name], _embedded_sha256(by_document[document.name])
            previous = published.get(reuse.get(document.name, ""))
            if previous is not None and previous.embedded_sha256 == digest:
                kept[document.name] = previous.vectors
            else:
                embedded.append(document.name)
                to_embed.extend(_embedding_text(c) for c in chunks)
            indexed.append(IndexedDocument(document.name, text_sha256(document.text), len(chunks)))
            entries.append({**asdict(indexed[-1]), "embedded_sha256": digest})
        fresh = self._embed(to_embed, progress)
        parts, at = [], 0
        for document in documents:
            if document.name in kept:
                parts.append(kept[document.name])
            else:
                count = len(by_document[document.name])
                parts.append(fresh[at : at + count])
                at += count
        chunks = [c for d in documents for c in by_document[d.name]]
        vectors = np.concatenate(parts) if chunks else np.zeros((0, self.embedder.dimension), np.float32)
        if progress:
            progress.stage("publishing")
        index_bytes, chunk_bytes, lexical_bytes, manifest = self.build(chunks, vectors, entries)
        self.blobs.ensure_bucket()
        self.blobs.put(self.prefix + INDEX, index_bytes)
        self.blobs.put(self.prefix + CHUNKS, chunk_bytes, "application/json")
        self.blobs.put(self.prefix + LEXICAL, lexical_bytes)
        self.blobs.put(self.prefix + MANIFEST, json.dumps(manifest).encode(), "application/json")  # last
        if self.cache_dir is not None:
            forget_checked(self.cache_dir, self.prefix)
        checksum = sha256((manifest["index_sha256"] + manifest["chunks_sha256"]).encode())
        return PublishedIndex(
            self.prefix,
            len(chunks),
            self.embedder.name,
            checksum,
            tuple(indexed),
            tuple(embedded),
            len(to_embed),
        )


@dataclass
class LoadedIndex:
    index: Any
    passages: Sequence[Passage]
    lexical: LexicalIndex | None  # None: published before the lexical index, or by another analyzer


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


def _files(manifest: dict[str, Any]) -> tuple[str, ...]:
    """The files a manifest names besides itself (older ones have no lexical index)."""
    return (INDEX, CHUNKS, LEXICAL) if "lexical_sha256" in manifest else (INDEX, CHUNKS)


def _cache_folder(cache_dir: Path, etag: str) -> Path:
    # ".2": the layout with the lexical arrays (a folder of the previous layout is not reused).
    return cache_dir / f"{etag}.2"


def _from_cache(folder: Path, embedder: Embedder, synonyms: Expansion | None) -> LoadedIndex:
    """The cached index, memory-mapped: opening reads the manifest, a search the pages it needs.

    The cache holds only files whose checksums were verified when they were downloaded (and is
    written atomically), so they are not hashed again on every load."""
    manifest = json.loads((folder / MANIFEST).read_bytes())
    if manifest.get("embedding_model") != embedder.name or manifest.get("dimension") != embedder.dimension:
        _verify(manifest, b"", b"", embedder)  # says which model built it
    index = faiss.read_index(str(folder / INDEX), faiss.IO_FLAG_MMAP_IFC)
    arrays = mapped_arrays(folder, "lexical")
    if arrays and manifest.get("lexical_analyzer") == ANALYZER_VERSION:
        lexical, extra = LexicalIndex.from_arrays(arrays, synonyms)
        return LoadedIndex(index, PassageTable(mapped_bytes(folder / CHUNKS), extra.get("ranges")), lexical)
    return LoadedIndex(index, PassageTable(mapped_bytes(folder / CHUNKS)), None)


def _checked_note(cache_dir: Path, prefix: str) -> Path:
    """The file naming the cached folder that held ``prefix``'s index when S3 was last asked;
    its modification time says when."""
    return cache_dir / f"checked-{hashlib.sha1(prefix.encode()).hexdigest()[:16]}"


def _recently_checked(cache_dir: Path, prefix: str, recheck_s: float) -> Path | None:
    """The cached folder S3 named less than ``recheck_s`` seconds ago, if it is still there."""
    note = _checked_note(cache_dir, prefix)
    try:
        if time.time() - note.stat().st_mtime >= recheck_s:
            return None
        name = note.read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    folder = cache_dir / name
    return folder if name and "/" not in name and (folder / MANIFEST).exists() else None


def _note_checked(cache_dir: Path, prefix: str, folder: Path) -> None:
    """Best effort: a cache that cannot be written only means asking S3 every time."""
    note = _checked_note(cache_dir, prefix)
    staged = note.with_name(f".{note.name}.{os.getpid()}")
    with suppress(OSError):
        staged.write_text(folder.name, encoding="utf-8")
        os.replace(staged, note)


def forget_checked(cache_dir: Path, prefix: str) -> None:
    """Ask S3 on the next load: this machine has just published a new index there."""
    with suppress(OSError):
        _checked_note(cache_dir, prefix).unlink(missing_ok=True)


def load_index(
    blobs: BlobStore,
    prefix: str,
    embedder: Embedder,
    cache_dir: Path,
    synonyms: Expansion | None = None,
    recheck_s: float = 0.0,
) -> LoadedIndex:
    """The published index, from the local cache when the manifest's ETag is already there.

    S3 is asked for the manifest's ETag at most every ``recheck_s`` seconds: in between, the
    folder it named last is used without a request (most ``process`` runs then never load the
    S3 client). An ingest run on this machine makes the next load ask at once.

    Downloaded files are checked against the manifest's sha256 before anything uses or caches
    them; from the cache, the vectors, the lexical arrays and the passages are memory-mapped, so
    loading costs the same at 1,000 or 100,000 passages."""
    recent = _recently_checked(cache_dir, prefix, recheck_s) if recheck_s > 0 else None
    if recent is not None:
        return _from_cache(recent, embedder, synonyms)
    info = blobs.stat(prefix + MANIFEST)
    if info is None:
        raise IndexError_(f"no knowledge index published at {prefix}: run `conversa ingest` first")
    folder = _cache_folder(cache_dir, info.etag)
    if (folder / MANIFEST).exists():
        _note_checked(cache_dir, prefix, folder)
        return _from_cache(folder, embedder, synonyms)
    log.info("downloading the knowledge index (ETag %s)", info.etag)
    files = {MANIFEST: blobs.get(prefix + MANIFEST)}
    manifest = json.loads(files[MANIFEST])
    files.update({name: blobs.get(prefix + name) for name in _files(manifest)})
    _verify(manifest, files[INDEX], files[CHUNKS], embedder)
    if LEXICAL in files and sha256(files[LEXICAL]) != manifest.get("lexical_sha256"):
        raise IndexError_("index files do not match their manifest checksums: refusing to load them")
    index = faiss.deserialize_index(np.frombuffer(files[INDEX], dtype=np.uint8))
    lexical: LexicalIndex | None = None
    ranges = None
    if LEXICAL in files and manifest.get("lexical_analyzer") == ANALYZER_VERSION:
        lexical, extra = LexicalIndex.from_bytes(files[LEXICAL], synonyms)
        ranges = extra.get("ranges")
    cached = {name: data for name, data in files.items() if name != LEXICAL}
    if lexical is not None:
        saved = lexical.arrays() if ranges is None else {**lexical.arrays(), "ranges": ranges}
        cached.update(npy_files("lexical", saved))
    write_atomically(folder, cached)
    _note_checked(cache_dir, prefix, folder)
    return LoadedIndex(index, PassageTable(files[CHUNKS], ranges), lexical)
