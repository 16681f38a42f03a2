"""Incremental ingest on a real S3 server (nanio) with the real e5 model.

A re-ingest with one changed document embeds only that document's chunks; `conversa ingest`
says what it reused, lists the index's documents, refuses to publish when a file cannot be
read, and shows a progress bar on a terminal and log lines elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.adapters.embeddings import build_embedder
from app.adapters.faiss.documents import BlobSource
from app.adapters.faiss.index import MANIFEST, FaissIndexer
from app.adapters.faiss.knowledge import FaissKnowledgeBase
from app.domain.usecases.ingest import IngestKnowledge
from tests.e2e.test_commands import ROOT, TEST_DEAD_LETTERS, conversa, kestra_outputs, last_json
from tests.integration.test_knowledge_pipeline import FAQ, s3_env
from tests.names import unique_name
from tests.servers.s3 import S3Server

DOCS = {
    "docs/entrega.md": "# Entrega\n\n## Área de entrega\nEntregamos em até 5 km da loja, de bicicleta.\n",
    "docs/pagamento.md": "# Pagamento\n\n## Formas de pagamento\nAceitamos Pix, cartão e dinheiro.\n",
    "docs/horario.md": "# Horário\n\n## Horário de funcionamento\nAbrimos das 7h às 19h, terça a domingo.\n",
    "docs/encomendas.md": "# Encomendas\n\n## Bolos sob encomenda\nBolos com 48 horas de antecedência.\n",
}


class CountingEmbedder:
    """Wraps a real embedder and records every text it is asked to embed."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.embedded = inner, []  # type: ignore[var-annotated]
        self.name, self.dimension = inner.name, inner.dimension

    def embed_passages(self, texts: list[str]) -> Any:
        self.embedded.extend(texts)
        return self.inner.embed_passages(texts)

    def embed_query(self, text: str) -> Any:
        return self.inner.embed_query(text)


@pytest.fixture(scope="module")
def e5() -> Any:
    return build_embedder("e5")


def test_a_reingest_with_one_changed_document_embeds_only_its_chunks(
    s3_server: S3Server, make_minio_store: Any, e5: Any, tmp_path: Path
) -> None:
    store = make_minio_store()
    store.ensure_bucket()
    for key, text in DOCS.items():
        store.put(key, text.encode())
    first = CountingEmbedder(e5)
    result = IngestKnowledge(BlobSource(store, "docs/"), FaissIndexer(store, first))()
    assert result.documents_embedded == 4 and len(first.embedded) == result.chunks
    etag = store.stat("index/current/" + MANIFEST).etag

    store.put("docs/pagamento.md", DOCS["docs/pagamento.md"].replace("Pix", "Pix, vale-refeição").encode())
    again = CountingEmbedder(e5)
    result = IngestKnowledge(BlobSource(store, "docs/"), FaissIndexer(store, again))()
    changed = next(d for d in result.document_list if d.name == "pagamento.md")
    assert result.documents_embedded == 1 and result.documents_reused == 3
    assert len(again.embedded) == changed.chunks == result.chunks_embedded
    assert all("vale-refeição" in t for t in again.embedded)
    assert store.stat("index/current/" + MANIFEST).etag != etag

    kb = FaissKnowledgeBase(store, e5, tmp_path / "cache")
    assert "vale-refeição" in kb.search("aceitam vale refeição?", 1)[0].text
    assert "bicicleta" in kb.search("até onde vocês entregam?", 1)[0].text  # a reused vector


def bucket_with_docs(
    s3_server: S3Server, make_minio_store: Any, tmp_path: Path
) -> tuple[str, Any, dict[str, str]]:
    """A fresh bucket holding DOCS: its name, its store, and the environment that points
    `conversa ingest` at it."""
    bucket = unique_name("kb")
    store = make_minio_store(bucket)
    store.ensure_bucket()
    for key, text in DOCS.items():
        store.put(key, text.encode())
    return bucket, store, s3_env(s3_server, bucket, tmp_path)


def test_the_command_reports_what_it_reused_and_lists_the_documents(
    s3_server: S3Server, make_minio_store: Any, tmp_path: Path
) -> None:
    _, store, env = bucket_with_docs(s3_server, make_minio_store, tmp_path)
    first = conversa("ingest", env=env)
    assert first.returncode == 0, first.stderr.decode()
    assert last_json(first)["documents_embedded"] == 4

    store.put("docs/horario.md", DOCS["docs/horario.md"].replace("19h", "20h").encode())
    run = conversa("ingest", env=env)
    assert run.returncode == 0, run.stderr.decode()
    result, outputs = last_json(run), kestra_outputs(run)
    assert outputs == result
    assert result["documents_embedded"] == 1 and result["documents_reused"] == 3
    assert result["embedding_model"] == "multilingual-e5-small-q4-enpt"
    listed = {d["name"]: d for d in result["document_list"]}
    assert sorted(listed) == ["encomendas.md", "entrega.md", "horario.md", "pagamento.md"]
    assert listed["horario.md"]["sha256"] == hashlib.sha256(store.get("docs/horario.md")).hexdigest()
    assert result["chunks"] == sum(d["chunks"] for d in listed.values())  # the flow's `chunks` output
    embedded = result["chunks_embedded"]
    assert embedded == listed["horario.md"]["chunks"]
    assert f"embedding chunks: {embedded}/{embedded}" in run.stderr.decode()
    assert "\r" not in run.stderr.decode() and "\x1b" not in run.stderr.decode()  # plain lines for Kestra


def test_an_unreadable_file_fails_the_command_naming_it_and_keeps_the_published_index(
    s3_server: S3Server, make_minio_store: Any, tmp_path: Path
) -> None:
    bucket, store, env = bucket_with_docs(s3_server, make_minio_store, tmp_path)
    assert conversa("ingest", env=env).returncode == 0
    manifest = store.get("index/current/" + MANIFEST)

    store.put("docs/cardapio.pdf", b"%PDF-1.4 an upload cut in the middle")
    run = conversa("ingest", env=env)
    assert run.returncode == 1
    last = run.stderr.decode().strip().splitlines()[-1]
    assert last.startswith(
        f"conversa ingest: could not read a file in s3://{bucket}/docs/, nothing published: cardapio.pdf ("
    )
    result = last_json(run)
    assert result["status"] == "error" and [f["name"] for f in result["unreadable"]] == ["cardapio.pdf"]
    assert store.get("index/current/" + MANIFEST) == manifest


def test_a_terminal_gets_a_progress_bar(s3_server: S3Server, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVERSA_")}
    env.update(s3_env(s3_server, unique_name("kb"), tmp_path))
    env["CONVERSA_DEAD_LETTER_DIR"] = TEST_DEAD_LETTERS
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.entrypoints.cli", "ingest", "--source", str(FAQ.parent)],
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        cwd=ROOT,
    )
    os.close(slave)
    seen = b""
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        seen += data
    os.close(master)
    stdout, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, seen.decode(errors="replace")
    screen = seen.decode()
    total = last_json(subprocess.CompletedProcess([], 0, stdout, b""))["chunks"]
    assert re.search(rf"\rembedding chunks +\[#+\] {total}/{total} 100%", screen), screen
    assert re.search(r"\rreading documents +\[#+\] 1/1 100%", screen)
    assert "\rpublishing…" in screen
