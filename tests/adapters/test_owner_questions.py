"""The owner's "Perguntas:" lines: the questions customers send about a section, in their words.

Retrieval searches them with the section (both backends, published and cached indexes alike);
the customer is never shown them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.adapters.embeddings import build_embedder
from app.adapters.faiss.index import FaissIndexer
from app.adapters.faiss.knowledge import FaissKnowledgeBase
from app.adapters.llm.extractive import ExtractiveAnswerer
from app.adapters.memory.blobs import MemoryBlobStore
from app.adapters.memory.knowledge import KeywordKnowledgeBase
from app.adapters.retrieval.passages import PassageTable, document_passages, passages_json, split_asked
from app.domain.retrieval import answers
from app.ports.knowledge_index import SourceDocument

PET_SHOP = """# Pet shop Bicho Bom

## Leva e traz

Buscamos e levamos o seu animal em casa por R$ 20,00, em bairros a até 5 km.

Perguntas: tem táxi dog? vcs pegam o bichinho em casa?

## Banho

O banho custa R$ 50,00 para cães pequenos e R$ 90,00 para gatos.

**Perguntas:** qnto é o banho?
> perguntas: dão banho em felino?
"""


def test_perguntas_lines_are_taken_out_of_the_text_in_every_spelling() -> None:
    text, asked = split_asked(
        "Abrimos às 8h.\nPerguntas: q horas abre?\n- **Perguntas**: abre cedo?\n> PERGUNTAS: tá aberto?\nFim."
    )
    assert text == "Abrimos às 8h.\n\n\n\nFim."
    assert asked == "q horas abre? abre cedo? tá aberto?"
    assert split_asked("Perguntas frequentes sobre entrega.") == ("Perguntas frequentes sobre entrega.", "")


def test_each_section_keeps_its_own_questions_and_a_document_without_headings_too() -> None:
    leva, banho = document_passages(PET_SHOP, "pet.md")
    assert (leva.title, leva.asked) == ("Leva e traz", "tem táxi dog? vcs pegam o bichinho em casa?")
    assert "Perguntas" not in leva.text and leva.text.endswith("até 5 km.")
    assert banho.asked == "qnto é o banho? dão banho em felino?"
    (whole,) = document_passages("Aceitamos Pix.\nPerguntas: aceita pix?", "pagamento.txt")
    assert (whole.text, whole.asked) == ("Aceitamos Pix.", "aceita pix?")


def test_the_questions_survive_the_published_passage_table() -> None:
    data, ranges = passages_json(document_passages(PET_SHOP, "pet.md"))
    for table in (PassageTable(data, ranges), PassageTable(data)):
        assert [p.asked for p in table] == [p.asked for p in document_passages(PET_SHOP, "pet.md")]


def test_a_word_only_the_owners_questions_hold_finds_the_section_with_the_keyword_backend() -> None:
    documents = [SourceDocument("pet.md", PET_SHOP)]
    without = [SourceDocument("pet.md", split_asked(PET_SHOP)[0])]
    assert not answers(KeywordKnowledgeBase.from_documents(without).search("tem taxi dog?", 3))

    found = KeywordKnowledgeBase.from_documents(documents).search("tem taxi dog?", 3)
    assert found[0].title == "Leva e traz" and answers(found)
    reply = ExtractiveAnswerer().answer("tem taxi dog?", [], found).text
    assert "Buscamos e levamos" in reply and "Perguntas" not in reply and "táxi" not in reply


@pytest.fixture(scope="module")
def e5() -> Any:
    return build_embedder("e5")


def test_the_faiss_backend_searches_them_and_its_passages_keep_them(e5: Any, tmp_path: Path) -> None:
    blobs = MemoryBlobStore()
    FaissIndexer(blobs, e5).publish([SourceDocument("pet.md", PET_SHOP)])
    found = FaissKnowledgeBase(blobs, e5, tmp_path).search("tem taxi dog?", 3)
    assert found[0].title == "Leva e traz" and answers(found)
    assert "Perguntas" not in found[0].text and found[0].asked.startswith("tem táxi dog?")
