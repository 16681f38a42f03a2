"""Ingest into a real S3 server, then answer from it: the production knowledge path.

`conversa ingest` builds the index from documents (a folder, or a bucket prefix holding
Markdown, PDF and HTML) and publishes it to the S3 server; `conversa simulate --real`
answers from that index through Redis, as the workers do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.test_commands import SCENARIOS, conversa, last_json
from tests.names import unique_name
from tests.servers.s3 import S3Server

FAQ = Path(__file__).parents[2] / "app" / "examples" / "knowledge" / "perguntas-frequentes.md"


def s3_env(s3: S3Server, bucket: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "CONVERSA_KNOWLEDGE": "faiss",
        "CONVERSA_S3_ENDPOINT": s3.endpoint,
        "CONVERSA_S3_ACCESS_KEY": s3.access_key,
        "CONVERSA_S3_SECRET_KEY": s3.secret_key,
        "CONVERSA_KNOWLEDGE_BUCKET": bucket,
        "CONVERSA_INDEX_CACHE_DIR": str(tmp_path / "cache"),
        **extra,
    }


def pdf_bytes(title: str, body: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 8, f"{title}\n\n{body}")
    return bytes(pdf.output())


def test_ingest_a_folder_then_answer_a_burst_from_the_s3_index(
    s3_server: S3Server, redis_url: str, tmp_path: Path
) -> None:
    env = s3_env(s3_server, unique_name("kb"), tmp_path)
    ingest = conversa("ingest", "--source", str(FAQ.parent), env=env)
    assert ingest.returncode == 0, ingest.stderr.decode()
    result = last_json(ingest)
    assert result["status"] == "ok" and result["documents"] == 1 and result["chunks"] >= 20
    assert result["embedding_model"].startswith("multilingual-e5")
    real = {
        **env,
        "CONVERSA_STATE": "redis",
        "CONVERSA_REDIS_URL": redis_url,
        "CONVERSA_REDIS_NAMESPACE": unique_name("sim"),
        "CONVERSA_DEAD_LETTERS": "redis",
    }
    run = conversa("simulate", "--real", "--script", str(SCENARIOS / "burst.yaml"), env=real)
    assert run.returncode == 0, run.stderr.decode()
    answer: dict[str, Any] = last_json(run)
    assert answer["answers"] == 1 and any("R$ 7,00" in m for m in answer["bot_messages"])


def test_ingest_markdown_pdf_and_html_from_a_bucket_prefix(
    s3_server: S3Server, make_minio_store: Any, tmp_path: Path
) -> None:
    bucket = unique_name("kb")
    store = make_minio_store(bucket)
    store.ensure_bucket()
    store.put("docs/faq.md", b"## Wi-Fi\nA senha do Wi-Fi fica no cupom fiscal.")
    store.put(
        "docs/cardapio.pdf",
        pdf_bytes("Cardapio de sopas", "Sopa de cebola gratinada custa R$ 24 no inverno."),
    )
    store.put("docs/vagas.html", b"<h2>Vagas</h2><p>Procuramos um padeiro para o turno da madrugada.</p>")
    store.put("docs/logo.png", b"\x89PNG not a document")
    env = s3_env(s3_server, bucket, tmp_path)
    result = last_json(conversa("ingest", env=env))
    assert result["status"] == "ok" and result["documents"] == 3
    from app.adapters.embeddings import build_embedder
    from app.adapters.faiss.knowledge import FaissKnowledgeBase

    kb = FaissKnowledgeBase(store, build_embedder("e5"), tmp_path / "kb-cache")
    assert "cebola" in kb.search("vocês vendem sopa?", 1)[0].text
    assert "padeiro" in kb.search("estão contratando alguém?", 1)[0].text


def test_ingest_of_an_empty_prefix_fails_in_one_line(
    s3_server: S3Server, make_minio_store: Any, tmp_path: Path
) -> None:
    bucket = unique_name("kb")
    make_minio_store(bucket).ensure_bucket()
    run = conversa("ingest", "--prefix", "nada/", env=s3_env(s3_server, bucket, tmp_path))
    assert run.returncode == 1
    assert run.stderr.decode().strip().splitlines()[-1] == (
        f"conversa ingest: no readable document (Markdown, text, PDF, HTML) in s3://{bucket}/nada/"
    )


def test_a_wrong_secret_key_is_refused(s3_server: S3Server, make_minio_store: Any) -> None:
    from app.adapters.minio.blobs import BlobStoreError

    store = make_minio_store(secret_key="not-the-secret")
    try:
        store.ensure_bucket()
    except BlobStoreError as error:
        assert "SignatureDoesNotMatch" in error.reason or "AccessDenied" in error.reason
        assert "not-the-secret" not in error.reason
    else:
        raise AssertionError("a wrong secret key was accepted")
