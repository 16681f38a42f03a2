"""Retrieval quality per backend, on the tuning set and on the held-out set.

Targets (issue 9, on the tuning set): the right section first for >= 95 % of the in-scope
questions with FAISS (hybrid) and >= 85 % with the keyword backend; >= 90 % of the out-of-scope
questions declined with >= 95 % of the in-scope ones still answered.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.adapters.retrieval.analyzer import analyze, topic_words, without_notes
from app.adapters.retrieval.passages import document_passages
from app.domain.retrieval import ANSWER_THRESHOLD, answers
from tests.retrieval.evaluate import (
    HELD_OUT,
    HELD_OUT_DENTAL,
    TUNING,
    EvaluationSet,
    Rates,
    hybrid_kb,
    keyword_kb,
    measure,
)
from tests.retrieval.questions import IN_SCOPE, OUT_OF_SCOPE


def report(name: str, rates: Rates) -> None:
    print(f"\n{name}: {rates.line()}")
    print(f"  misranked: {rates.misranked}\n  unanswered: {rates.unanswered}")
    print(f"  wrongly answered: {rates.wrongly_answered}")


def test_the_evaluation_set_is_big_enough() -> None:
    assert len(IN_SCOPE) >= 40 and len(OUT_OF_SCOPE) >= 25
    assert len({q for q, _ in IN_SCOPE} | set(OUT_OF_SCOPE)) == len(IN_SCOPE) + len(OUT_OF_SCOPE)


def test_the_portuguese_analyzer_folds_stems_and_drops_stop_words() -> None:
    assert analyze("Qual o HORÁRIO de vocês?") == analyze("horario") == ["horari"]
    assert analyze("entregas") == analyze("entregam") == analyze("Entrega")
    assert analyze("tem wifi?") == ["wif"] and "wif" in analyze("Wi-Fi")
    assert analyze("pãozinho") == analyze("pão") and analyze("cozinha") != analyze("coz")
    assert analyze("salgadinhos") == analyze("salgados") and analyze("cafezinho") == analyze("café")
    assert analyze("vcs tão aí?") == [] and analyze("qnto é hj?") == []


def test_a_word_typed_without_accents_meets_the_accented_one() -> None:
    # Snowball knows "-ção"/"-ções" only with their accents: both spellings must reach one stem.
    for typed, written in [
        ("reclamacao", "reclamações"),
        ("informacao", "Informações"),
        ("frequencia", "frequência"),
        ("alergenos", "alérgenos"),
        ("pao", "pães"),
        ("cartao", "cartões"),
    ]:
        assert analyze(typed) == analyze(written), (typed, written)
    assert analyze("reclamação") == ["reclam"]


def test_the_forms_of_a_short_verb_meet() -> None:
    # Snowball leaves short verbs their endings ("abrem", "abrimos"): the analyzer takes them off.
    assert analyze("abrem") == analyze("abrimos") == analyze("abrir") == ["abr"]
    assert analyze("item") == ["item"] and analyze("lugares") == analyze("lugar")


def test_framing_verbs_leave_the_topic() -> None:
    assert analyze("aceita pet?") == analyze("pet")
    assert analyze("onde fica a padaria?") == analyze("padaria")
    assert analyze("vocês vendem pizza?") == analyze("pizza")
    assert topic_words("Aceita PET?") == "pet" and topic_words("Qual o horário?") == "horário"
    assert topic_words("vcs tão aí?") == ""
    assert analyze("vcs dao banho em gato?") == analyze("banho gato")  # "dão", typed without its accent


def test_the_media_readers_notes_are_not_part_of_the_question() -> None:
    assert without_notes("[texto na imagem] Vocês aceitam Pix?").split() == ["Vocês", "aceitam", "Pix?"]
    assert keyword_kb().search("[texto na imagem] Vocês aceitam Pix?", 1)[0].score >= ANSWER_THRESHOLD


# Floors: what each backend reaches today (printed by `bench/retrieval_qps.py`), so a regression
# fails; on the tuning set every backend also meets the targets. Each set is measured with
# the owner's "Perguntas:" lines (its documents as committed) and as written (without them).
Floors = dict[str, tuple[float, float, float]]  # backend → (right first, answered, declined)
TUNING_FLOORS: Floors = {"keyword": (0.98, 1.0, 0.96), "e5": (0.98, 1.0, 1.0), "use": (0.98, 1.0, 0.96)}
TUNING_AS_WRITTEN_FLOORS: Floors = {
    "keyword": (0.90, 0.98, 0.93),
    "e5": (0.98, 0.98, 0.90),
    "use": (0.98, 0.98, 0.96),
}
# The held-out sets were never fitted on: these are what the constants fitted on the tuning set give
# on knowledge bases they have never seen (their out-of-scope questions share words with them on
# purpose). Their "Perguntas:" lines were written by someone who saw the documents only, not the
# questions. Issue 14's targets (e5: >= 95 % answered and >= 90 % declined; keyword: >= 85 % right
# first) hold with the owner's questions except e5's answered at the vet clinic (30 of 32).
HELD_OUT_FLOORS: Floors = {"keyword": (1.0, 0.93, 0.80), "e5": (1.0, 0.93, 0.90), "use": (1.0, 0.93, 0.90)}
HELD_OUT_AS_WRITTEN_FLOORS: Floors = {
    "keyword": (0.81, 0.90, 0.65),
    "e5": (0.90, 0.87, 0.85),
    "use": (0.87, 0.93, 0.85),
}
HELD_OUT_DENTAL_FLOORS: Floors = {
    "keyword": (1.0, 0.96, 0.95),
    "e5": (1.0, 0.96, 0.95),
    "use": (1.0, 0.96, 0.80),
}
HELD_OUT_DENTAL_AS_WRITTEN_FLOORS: Floors = {
    "keyword": (0.93, 0.93, 0.70),
    "e5": (0.87, 1.0, 0.90),
    "use": (0.93, 1.0, 0.80),
}


def kb_for(backend: str, evaluation: EvaluationSet) -> Any:
    return keyword_kb(evaluation) if backend == "keyword" else hybrid_kb(backend, evaluation)


def measured(backend: str, evaluation: EvaluationSet, floors: Floors) -> Rates:
    """The backend's rates on ``evaluation``, printed, and checked against its floors."""
    rates = measure(kb_for(backend, evaluation), evaluation)
    report(f"{backend} on the {evaluation.name} set", rates)
    right_first, answered, declined = floors[backend]
    assert rates.right_first >= right_first and rates.answered >= answered and rates.declined >= declined
    return rates


BACKENDS = ["keyword", pytest.param("e5", marks=pytest.mark.slow), "use"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("as_written", [False, True], ids=["with-questions", "as-written"])
def test_tuning_set(backend: str, as_written: bool) -> None:
    if as_written:
        rates = measured(backend, TUNING.as_written, TUNING_AS_WRITTEN_FLOORS)
    else:
        rates = measured(backend, TUNING, TUNING_FLOORS)
    # The targets: right first >= 95 % with FAISS, >= 85 % with keyword; >= 90 % declined
    # with >= 95 % answered.
    assert rates.right_first >= (0.85 if backend == "keyword" else 0.95)
    assert rates.answered >= 0.95 and rates.declined >= 0.90


@pytest.mark.parametrize("backend", BACKENDS)
def test_held_out_set(backend: str) -> None:
    measured(backend, HELD_OUT, HELD_OUT_FLOORS)
    measured(backend, HELD_OUT.as_written, HELD_OUT_AS_WRITTEN_FLOORS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_second_held_out_set(backend: str) -> None:
    rates = measured(backend, HELD_OUT_DENTAL, HELD_OUT_DENTAL_FLOORS)
    measured(backend, HELD_OUT_DENTAL.as_written, HELD_OUT_DENTAL_AS_WRITTEN_FLOORS)
    if backend == "e5":  # issue 14's targets, met on this set
        assert rates.answered >= 0.95 and rates.declined >= 0.90
    if backend == "keyword":
        assert rates.right_first >= 0.85


@pytest.mark.parametrize("evaluation", [HELD_OUT, HELD_OUT_DENTAL], ids=["vet", "dental"])
def test_each_held_out_set_labels_its_own_documents(evaluation: EvaluationSet) -> None:
    documents = {p.name for p in evaluation.folder.glob("*.md")}
    assert len(documents) == 8 and {label for _, label in evaluation.in_scope} <= documents
    files = evaluation.folder.glob("*.md")
    sections = [p for f in files for p in document_passages(f.read_text("utf-8"), f.name)]
    assert all(p.asked for p in sections)  # the owner's questions, under every section
    assert len(evaluation.in_scope) >= 30 and len(evaluation.out_of_scope) >= 20
    assert not {q for q, _ in evaluation.in_scope} & set(evaluation.out_of_scope)


def test_the_keyword_backend_declines_the_capital_of_france_on_the_bakery() -> None:
    # Snowball gives "França" the stem of "pão francês": the first off-topic question a newcomer types.
    assert analyze("qual a capital da França?") == ["capital"]
    assert not answers(keyword_kb().search("qual a capital da França?", 4))
    assert keyword_kb().search("quanto ta o quilo do pao frances?", 1)[0].title == "Preço do pão francês"


@pytest.mark.slow
def test_scores_are_calibrated_confidences_comparable_across_backends() -> None:
    nonsense = ["vocês vendem pizza?", "asdfgh qwerty", "qual a capital da França?"]
    for kb in (keyword_kb(), hybrid_kb("e5")):
        found = kb.search("qual o horário?", 4)
        assert found[0].title == "Horário de funcionamento"
        assert all(0.0 <= p.score <= 1.0 for p in found)
        assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
        assert found[0].score >= 0.9 > ANSWER_THRESHOLD
        for question in nonsense:
            found = kb.search(question, 4)
            assert not answers(found) and (not found or found[0].score < ANSWER_THRESHOLD), question
