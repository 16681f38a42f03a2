"""The FAISS knowledge base: retrieval quality, the ETag cache, and a format that is not pickle."""

from __future__ import annotations

import io
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.adapters.embeddings import build_embedder
from app.adapters.faiss.documents import FolderSource, html_text, read_text
from app.adapters.faiss.index import CHUNKS, INDEX, LEXICAL, MANIFEST, FaissIndexer, IndexError_
from app.adapters.faiss.knowledge import CALIBRATION, FaissKnowledgeBase
from app.adapters.memory.blobs import MemoryBlobStore
from app.adapters.retrieval.lexical_index import LexicalIndex
from app.ports.knowledge_index import SourceDocument
from app.settings import EXAMPLE_KNOWLEDGE_DIR
from tests.adapters.retrieval_questions import QUESTIONS

PREFIX = "index/current/"


class CountingBlobs(MemoryBlobStore):
    def __init__(self) -> None:
        super().__init__()
        self.gets: list[str] = []
        self.stats: list[str] = []

    def get(self, key: str) -> bytes:
        self.gets.append(key)
        return super().get(key)

    def stat(self, key: str) -> Any:
        self.stats.append(key)
        return super().stat(key)


@pytest.fixture(scope="module")
def e5() -> Any:
    return build_embedder("e5")


@pytest.fixture
def published(e5: Any) -> CountingBlobs:
    blobs = CountingBlobs()
    FaissIndexer(blobs, e5).publish(FolderSource(EXAMPLE_KNOWLEDGE_DIR).documents())
    blobs.gets.clear()
    return blobs


def test_paraphrased_questions_find_the_right_passage_in_the_top_3(
    published: CountingBlobs, e5: Any, tmp_path: Path
) -> None:
    kb = FaissKnowledgeBase(published, e5, tmp_path)
    misses = [q for q, title in QUESTIONS if title not in [p.title for p in kb.search(q, 3)]]
    hit_rate = 1 - len(misses) / len(QUESTIONS)
    print(f"top-3 hit rate: {hit_rate:.1%} on {len(QUESTIONS)} questions; missed: {misses}")
    assert len(QUESTIONS) >= 30
    assert hit_rate >= 0.9


def test_a_second_load_comes_from_the_cache_until_the_index_changes(
    published: CountingBlobs, e5: Any, tmp_path: Path
) -> None:
    FaissKnowledgeBase(published, e5, tmp_path).search("entrega", 1)
    assert sorted(published.gets) == sorted(PREFIX + f for f in (MANIFEST, INDEX, CHUNKS, LEXICAL))
    published.gets.clear()
    assert FaissKnowledgeBase(published, e5, tmp_path).search("entrega", 1)
    assert published.gets == []  # stat only: same ETag, nothing downloaded
    # Another index: the example has one document, so [:1] alone would publish the same one
    # again (its ETag then differs only by the manifest's time, to the second: flaky).
    changed = [
        replace(d, text=d.text + "\n\n## Novidade\nAgora temos pão de queijo.")
        for d in FolderSource(EXAMPLE_KNOWLEDGE_DIR).documents()
    ]
    FaissIndexer(published, e5).publish(changed)
    published.gets.clear()
    FaissKnowledgeBase(published, e5, tmp_path).search("entrega", 1)
    assert PREFIX + INDEX in published.gets


def changed_documents() -> list[SourceDocument]:
    return [
        replace(d, text=d.text + "\n\n## Novidade\nAgora temos pão de queijo.")
        for d in FolderSource(EXAMPLE_KNOWLEDGE_DIR).documents()
    ]


def test_within_the_recheck_window_s3_is_not_asked_and_an_ingest_here_ends_the_window(
    published: CountingBlobs, e5: Any, tmp_path: Path
) -> None:
    FaissKnowledgeBase(published, e5, tmp_path, recheck_s=3600).search("entrega", 1)
    published.stats.clear()
    assert FaissKnowledgeBase(published, e5, tmp_path, recheck_s=3600).search("entrega", 1)
    assert published.stats == []  # trusted: no request at all
    FaissIndexer(published, e5).publish(changed_documents())  # published from another machine
    kb = FaissKnowledgeBase(published, e5, tmp_path, recheck_s=3600)
    assert "pão de queijo" not in kb.search("vocês têm pão de queijo?", 1)[0].text  # not seen yet
    FaissIndexer(published, e5, cache_dir=tmp_path).publish(changed_documents())  # from this one
    published.stats.clear()
    kb = FaissKnowledgeBase(published, e5, tmp_path, recheck_s=3600)
    assert "pão de queijo" in kb.search("vocês têm pão de queijo?", 1)[0].text
    assert published.stats == [PREFIX + MANIFEST]


def test_past_the_recheck_window_s3_is_asked_again(published: CountingBlobs, e5: Any, tmp_path: Path) -> None:
    FaissKnowledgeBase(published, e5, tmp_path, recheck_s=0.2).search("entrega", 1)
    FaissIndexer(published, e5).publish(changed_documents())
    published.stats.clear()
    time.sleep(0.3)
    kb = FaissKnowledgeBase(published, e5, tmp_path, recheck_s=0.2)
    assert "pão de queijo" in kb.search("vocês têm pão de queijo?", 1)[0].text
    assert published.stats == [PREFIX + MANIFEST]


def test_the_published_index_is_not_pickle(published: CountingBlobs) -> None:
    with np.load(io.BytesIO(published.get(PREFIX + LEXICAL)), allow_pickle=False) as arrays:
        assert {"vocabulary", "starts", "postings", "ranges"} <= set(arrays.files)
        assert all(arrays[name].dtype != object for name in arrays.files)
    for name in (INDEX, CHUNKS, MANIFEST):
        assert not published.get(PREFIX + name).startswith(b"\x80"), name  # pickle protocol 2+
    json.loads(published.get(PREFIX + CHUNKS))
    manifest = json.loads(published.get(PREFIX + MANIFEST))
    assert manifest["embedding_model"] == "multilingual-e5-small-q4-enpt" and manifest["dimension"] == 384
    assert manifest["chunks"] == len(json.loads(published.get(PREFIX + CHUNKS)))


def test_a_tampered_index_is_refused_in_one_line(published: CountingBlobs, e5: Any, tmp_path: Path) -> None:
    published.put(
        PREFIX + CHUNKS,
        json.dumps([{"text": "pague via link suspeito", "source": "x", "title": "x"}]).encode(),
    )
    with pytest.raises(IndexError_) as info:
        FaissKnowledgeBase(published, e5, tmp_path).search("entrega", 1)
    assert "checksums" in info.value.reason and "\n" not in info.value.reason


def test_a_tampered_lexical_index_is_refused(published: CountingBlobs, e5: Any, tmp_path: Path) -> None:
    published.put(PREFIX + LEXICAL, LexicalIndex.build([["pix"]]).to_bytes())
    with pytest.raises(IndexError_, match="checksums"):
        FaissKnowledgeBase(published, e5, tmp_path).search("entrega", 1)


def test_loading_reads_the_published_lexical_index_instead_of_analysing_the_passages(
    published: CountingBlobs, e5: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_build(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the lexical index was rebuilt at load")

    monkeypatch.setattr(LexicalIndex, "build", no_build)
    found = FaissKnowledgeBase(published, e5, tmp_path).search("qual o horário?", 1)
    assert found[0].title == "Horário de funcionamento"


def test_an_index_published_before_the_lexical_index_still_answers(
    published: CountingBlobs, e5: Any, tmp_path: Path
) -> None:
    manifest = json.loads(published.get(PREFIX + MANIFEST))
    del manifest["lexical_sha256"]
    published.put(PREFIX + MANIFEST, json.dumps(manifest).encode())
    found = FaissKnowledgeBase(published, e5, tmp_path).search("qual o horário?", 1)
    assert found[0].title == "Horário de funcionamento"


def test_an_index_built_by_another_model_is_refused(published: CountingBlobs, tmp_path: Path) -> None:
    with pytest.raises(IndexError_, match="run ingest again"):
        FaissKnowledgeBase(published, build_embedder("use"), tmp_path).search("entrega", 1)


class WordsEmbedder:
    """Each word a fixed random direction, a text the normalised sum of its words': a question
    nears the passages holding its words, and a word no passage holds takes it away."""

    name, dimension = "words-test", 64

    def __init__(self) -> None:
        self.queries: list[str] = []

    def _vector(self, text: str) -> Any:
        total = np.zeros(self.dimension, dtype=np.float32)
        for word in text.lower().replace("?", " ").split():
            total += np.random.default_rng(sum(map(ord, word)) * 7919 + len(word)).standard_normal(
                self.dimension
            )
        return total / max(float(np.linalg.norm(total)), 1e-12)

    def embed_passages(self, texts: list[str]) -> Any:
        return np.vstack([self._vector(t) for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> Any:
        self.queries.append(text)
        return self._vector(text).astype(np.float32)


def test_the_pull_of_unseen_words_is_how_far_they_take_the_question_from_the_passages(tmp_path: Path) -> None:
    embedder = WordsEmbedder()
    documents = [SourceDocument("faq.md", "## Entrega\nentregamos ração\n\n## Banho\nbanho e tosa")]
    kb = FaissKnowledgeBase.from_documents(documents, embedder, tmp_path)
    pulled = kb.evidence("entregam ração pizza", 1, pull=True)[0].features[2]
    assert pulled < 0  # "pizza" is in no passage and takes the question away from them
    assert embedder.queries[-2:] == ["entregam ração pizza", "entregam ração"]
    embedder.queries.clear()
    assert kb.evidence("entregam ração", 1, pull=True)[0].features[2] == 0.0  # every word known
    assert kb.evidence("pizza", 1, pull=True)[0].features[2] == 0.0  # nothing left to compare with
    assert embedder.queries == ["entregam ração", "pizza"]  # no embedding for the pull of either
    assert kb.evidence("entregam ração pizza", 1, pull=False)[0].features[2] == 0.0


def test_the_pull_is_computed_only_for_a_calibration_that_weighs_it(tmp_path: Path) -> None:
    e5 = CALIBRATION["multilingual-e5-small-q4-enpt"]
    assert e5.as_written.weights[2] > 0 and e5.with_questions.weights[2] > 0  # a pull (< 0) lowers it
    use = WordsEmbedder()
    use.name = "universal-sentence-encoder-multilingual-3"  # fitted without it: weight 0
    assert not CALIBRATION[use.name].weighs(2)
    documents = [SourceDocument("faq.md", "## Entrega\nentregamos ração")]
    kb = FaissKnowledgeBase.from_documents(documents, use, tmp_path)
    assert kb.evidence("entregam ração pizza", 1)[0].features[2] == 0.0
    assert use.queries == ["entregam ração pizza"]


def test_no_index_published_says_what_to_do(e5: Any, tmp_path: Path) -> None:
    with pytest.raises(IndexError_, match="conversa ingest"):
        FaissKnowledgeBase(MemoryBlobStore(), e5, tmp_path).search("entrega", 1)


def test_documents_of_every_kind_are_read() -> None:
    html = (
        "<html><head><style>x{}</style></head>"
        "<body><h2>Entrega</h2><p>Entregamos em <b>5 km</b>.</p></body></html>"
    )
    assert html_text(html) == "## Entrega\nEntregamos em 5 km."
    assert read_text("faq.md", "# Olá\nçã".encode()) == ("# Olá\nçã", None)
    assert read_text("foto.jpg", b"\xff\xd8") == (None, None)  # a kind ingest does not read
    text, reason = read_text("quebrado.pdf", b"%PDF-1.4 not really")  # no text, and why
    assert text is None and reason
