"""The synonym list and how the lexical search uses it (app/adapters/retrieval/synonyms.py)."""

from __future__ import annotations

from collections import Counter

from app.adapters.retrieval.analyzer import analyze
from app.adapters.retrieval.lexical_index import SYNONYM_WEIGHT, LexicalIndex
from app.adapters.retrieval.synonyms import BUNDLED, Synonyms

SAMPLE = """# a comment
pet, animal de estimação  # trailing comment
estacionamento, parar o carro
solitário,
"""


def test_the_list_is_read_one_group_per_line_and_comments_are_skipped() -> None:
    synonyms = Synonyms.from_text(SAMPLE)
    assert len(synonyms) == 2  # "solitário," has one expression: not a group
    assert synonyms(analyze("aceita pet?")) == {"pet": (("animal", "estim"),)}


def test_an_expression_of_several_words_matches_only_in_order() -> None:
    synonyms = Synonyms.from_text(SAMPLE)
    found = synonyms(analyze("onde eu paro o carro?"))
    assert found == {"par": (("estacion",),), "carr": (("estacion",),)}
    assert synonyms(analyze("o carro parou")) == {}


def test_a_synonym_finds_the_document_that_words_it_otherwise_at_a_lower_weight() -> None:
    documents = [analyze("Seu animal de estimação é bem-vindo"), analyze("Aceitamos Pix e cartão")]
    plain, expanded = (
        LexicalIndex.build(documents),
        LexicalIndex.build(documents, synonyms=Synonyms.from_text(SAMPLE)),
    )
    question = analyze("aceita pet?")
    assert plain.scores(question) == {} and plain.coverage(question, 0) == 0.0
    assert set(expanded.scores(question)) == {0}
    assert expanded.coverage(question, 0) == SYNONYM_WEIGHT  # all of "animal estim" is there
    assert expanded.coverage(question, 1) == 0.0
    # A synonym never outweighs the word itself.
    both = analyze("pet animal de estimação")
    assert (
        expanded.scores(analyze("pet"))[0] < LexicalIndex.build([*documents, both]).scores(analyze("pet"))[2]
    )


def test_the_bundled_list_loads_and_no_expression_is_in_two_groups() -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    groups = [
        [e.strip() for e in line.split("#", 1)[0].split(",") if e.strip()]
        for line in text.splitlines()
        if line.split("#", 1)[0].strip()
    ]
    analysed = [{tuple(analyze(e)) for e in group} - {()} for group in groups]
    # A group whose words the stemmer already joins ("depilação, depilar") adds nothing: dropped.
    assert len(Synonyms.bundled()) == sum(len(g) > 1 for g in analysed) >= 100
    repeated = {e for e, n in Counter(e for g in analysed for e in g).items() if n > 1}
    assert not repeated, repeated
