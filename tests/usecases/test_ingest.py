"""Incremental ingest: only new and changed documents are embedded, the rest keep their vectors.

The use case runs on the real FAISS indexer over a memory blob store with a deterministic fake
embedder that counts what it embeds, so every test can say exactly which texts were embedded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from app.adapters.faiss import index as faiss_index
from app.adapters.faiss.documents import BlobSource, FolderSource
from app.adapters.faiss.index import CHUNKS, INDEX, MANIFEST, FaissIndexer
from app.adapters.memory.blobs import MemoryBlobStore
from app.domain.usecases.ingest import (
    IngestKnowledge,
    NothingToIngest,
    UnreadableDocuments,
    plan_reuse,
    text_sha256,
)
from app.ports.knowledge_index import IndexCatalog, IndexedDocument, SourceDocument

PREFIX = "index/current/"


class CountingEmbedder:
    """A unit vector per text from its sha256: the same text always gets the same vector."""

    dimension = 16

    def __init__(self, name: str = "fake-model") -> None:
        self.name = name
        self.embedded: list[str] = []

    def embed_passages(self, texts: list[str]) -> npt.NDArray[np.float32]:
        self.embedded.extend(texts)
        rows = [
            np.frombuffer(hashlib.sha256(f"{self.name}|{t}".encode()).digest()[:16], np.uint8) for t in texts
        ]
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dimension) - 127.5
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        return self.embed_passages([text])[0]


def doc(n: int, extra: str = "") -> bytes:
    return (
        f"# Documento {n}\n\n## Preço do item {n}\nO item {n} custa R$ {n},00.{extra}\n\n"
        f"## Entrega do item {n}\nEntregamos o item {n} em até {n} dias.\n"
    ).encode()


@pytest.fixture
def blobs() -> MemoryBlobStore:
    store = MemoryBlobStore()
    for n in range(1, 6):
        store.put(f"docs/doc-{n}.md", doc(n))
    return store


def ingest(blobs: MemoryBlobStore, embedder: CountingEmbedder) -> dict[str, object]:
    return IngestKnowledge(
        BlobSource(blobs, "docs/"), FaissIndexer(blobs, embedder), "s3://kb/docs/"
    )().to_dict()


def published(blobs: MemoryBlobStore) -> tuple[bytes, bytes]:
    return blobs.get(PREFIX + INDEX), blobs.get(PREFIX + CHUNKS)


def test_a_first_ingest_embeds_every_chunk_and_lists_the_documents(blobs: MemoryBlobStore) -> None:
    embedder = CountingEmbedder()
    result = ingest(blobs, embedder)
    assert result["documents"] == 5 and result["chunks"] == 10 == len(embedder.embedded)
    assert result["documents_embedded"] == 5 and result["documents_reused"] == 0
    assert result["embedding_model"] == "fake-model"
    assert result["document_list"][0] == {  # type: ignore[index]
        "name": "doc-1.md",
        "sha256": hashlib.sha256(doc(1)).hexdigest(),
        "chunks": 2,
    }
    manifest = json.loads(blobs.get(PREFIX + MANIFEST))
    assert [d["name"] for d in manifest["documents"]] == [f"doc-{n}.md" for n in range(1, 6)]


def test_an_unchanged_source_embeds_nothing_and_publishes_the_same_index(blobs: MemoryBlobStore) -> None:
    ingest(blobs, CountingEmbedder())
    before = published(blobs)
    embedder = CountingEmbedder()
    result = ingest(blobs, embedder)
    assert embedder.embedded == []
    assert result["documents_embedded"] == 0 and result["documents_reused"] == 5
    assert published(blobs) == before


def test_one_changed_document_embeds_only_its_chunks_and_matches_a_fresh_build(
    blobs: MemoryBlobStore,
) -> None:
    ingest(blobs, CountingEmbedder())
    blobs.put("docs/doc-3.md", doc(3, " Agora com desconto."))
    embedder = CountingEmbedder()
    result = ingest(blobs, embedder)
    assert len(embedder.embedded) == 2 and all("item 3" in t for t in embedder.embedded)
    assert result["documents_embedded"] == 1 and result["documents_reused"] == 4
    assert result["chunks_embedded"] == 2
    fresh = MemoryBlobStore()
    for info in blobs.list("docs/"):
        fresh.put(info.key, blobs.get(info.key))
    ingest(fresh, CountingEmbedder())
    assert published(blobs) == published(fresh)  # the reused vectors are the ones a rebuild makes


def test_added_and_removed_documents(blobs: MemoryBlobStore) -> None:
    ingest(blobs, CountingEmbedder())
    blobs._objects.pop("docs/doc-2.md")
    blobs.put("docs/doc-9.md", doc(9))
    embedder = CountingEmbedder()
    result = ingest(blobs, embedder)
    assert all("item 9" in t for t in embedder.embedded) and len(embedder.embedded) == 2
    assert result["removed"] == ["doc-2.md"] and result["documents"] == 5
    names = [d["name"] for d in result["document_list"]]  # type: ignore[attr-defined]
    assert "doc-2.md" not in names and "doc-9.md" in names
    assert "item 2" not in blobs.get(PREFIX + CHUNKS).decode()


def test_a_renamed_document_keeps_its_vectors(blobs: MemoryBlobStore) -> None:
    ingest(blobs, CountingEmbedder())
    blobs.put("docs/renamed/doc-4-new.md", blobs.get("docs/doc-4.md"))
    blobs._objects.pop("docs/doc-4.md")
    embedder = CountingEmbedder()
    result = ingest(blobs, embedder)
    assert embedder.embedded == [] and result["documents_reused"] == 5
    assert result["removed"] == ["doc-4.md"]
    sources = {c["source"] for c in json.loads(blobs.get(PREFIX + CHUNKS))}
    assert "renamed/doc-4-new.md" in sources and "doc-4.md" not in sources


def test_another_embedding_model_embeds_everything_again(blobs: MemoryBlobStore) -> None:
    ingest(blobs, CountingEmbedder("model-a"))
    embedder = CountingEmbedder("model-b")
    result = ingest(blobs, embedder)
    assert len(embedder.embedded) == 10 and result["documents_embedded"] == 5
    assert json.loads(blobs.get(PREFIX + MANIFEST))["embedding_model"] == "model-b"


def test_a_change_in_what_is_embedded_per_chunk_embeds_again(
    blobs: MemoryBlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same documents, same model, but the chunker now embeds other texts: the old vectors are stale."""
    ingest(blobs, CountingEmbedder())
    monkeypatch.setattr(faiss_index, "_embedding_text", lambda p: f"passage of {p.source}: {p.text}")
    embedder = CountingEmbedder()
    result = ingest(blobs, embedder)
    assert len(embedder.embedded) == 10 and result["documents_embedded"] == 5


def test_a_tampered_published_index_is_not_reused_but_rebuilt(blobs: MemoryBlobStore) -> None:
    ingest(blobs, CountingEmbedder())
    blobs.put(PREFIX + CHUNKS, b'[{"text": "pague via link suspeito", "source": "x", "title": ""}]')
    embedder = CountingEmbedder()
    result = ingest(blobs, embedder)
    assert len(embedder.embedded) == 10 and result["documents_embedded"] == 5
    assert b"suspeito" not in blobs.get(PREFIX + CHUNKS)


def test_an_unreadable_file_fails_the_ingest_naming_it_and_publishes_nothing(
    blobs: MemoryBlobStore,
) -> None:
    ingest(blobs, CountingEmbedder())
    before = published(blobs), blobs.get(PREFIX + MANIFEST)
    blobs.put("docs/doc-5.md", doc(5, " Mudou."))
    blobs.put("docs/cardapio.pdf", b"%PDF-1.4 truncated upload")
    blobs.put("docs/logo.png", b"\x89PNG")  # not a kind ingest reads: skipped, not an error
    embedder = CountingEmbedder()
    with pytest.raises(UnreadableDocuments) as info:
        ingest(blobs, embedder)
    assert info.value.reason.startswith("could not read a file in s3://kb/docs/, nothing published: ")
    assert "cardapio.pdf (" in info.value.reason and "logo.png" not in info.value.reason
    assert [f.name for f in info.value.files] == ["cardapio.pdf"]
    assert embedder.embedded == [] and (published(blobs), blobs.get(PREFIX + MANIFEST)) == before


def test_an_empty_or_textless_file_is_unreadable(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("# Ok\n## A\ntexto")
    (tmp_path / "vazio.md").write_text("  \n")
    read = FolderSource(tmp_path).read()
    assert [d.name for d in read.documents] == ["ok.md"]
    assert [(f.name, f.reason) for f in read.unreadable] == [("vazio.md", "empty")]
    assert [d.name for d in FolderSource(tmp_path).documents()] == ["ok.md"]  # skipped, as before


def test_several_unreadable_files_are_all_named(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(b"not a pdf")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("")
    with pytest.raises(UnreadableDocuments) as info:
        IngestKnowledge(FolderSource(tmp_path), FaissIndexer(MemoryBlobStore(), CountingEmbedder()))()
    assert "2 files" in info.value.reason and "a.pdf (" in info.value.reason
    assert "sub/b.md (empty)" in info.value.reason and "\n" not in info.value.reason


def test_nothing_to_ingest_is_still_an_error() -> None:
    with pytest.raises(NothingToIngest):
        IngestKnowledge(
            BlobSource(MemoryBlobStore(), "docs/"), FaissIndexer(MemoryBlobStore(), CountingEmbedder())
        )()


# plan_reuse on its own: the decision, without any index


def catalog(model: str = "m", **texts: str) -> IndexCatalog:
    return IndexCatalog(model, tuple(IndexedDocument(n, text_sha256(t), 1) for n, t in texts.items()))


def test_plan_reuses_same_text_by_name_then_by_content() -> None:
    previous = catalog(a="alpha", b="beta", c="gamma")
    documents = [
        SourceDocument("a", "alpha"),  # unchanged
        SourceDocument("b", "beta v2"),  # changed
        SourceDocument("c2", "gamma"),  # renamed
        SourceDocument("d", "delta"),  # new
    ]
    assert plan_reuse(documents, previous, "m") == {"a": "a", "c2": "c"}


def test_plan_prefers_the_same_name_when_two_documents_share_a_text() -> None:
    previous = catalog(a="same", b="same")
    assert plan_reuse([SourceDocument("b", "same")], previous, "m") == {"b": "b"}


def test_plan_reuses_nothing_across_models_or_without_an_index() -> None:
    documents = [SourceDocument("a", "alpha")]
    assert plan_reuse(documents, catalog("e5", a="alpha"), "use") == {}
    assert plan_reuse(documents, None, "m") == {}
    assert plan_reuse(documents, replace(catalog(a="alpha"), documents=()), "m") == {}
