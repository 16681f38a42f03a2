"""Knowledge base and answerer contracts, on the example bakery FAQ."""

from __future__ import annotations

from app.domain.conversation import Role, Turn
from app.domain.messages import Outcome, Passage, Source
from app.ports.answerer import Answerer
from app.ports.knowledge import KnowledgeBase


def test_search_returns_at_most_k_passages_best_first(knowledge: KnowledgeBase) -> None:
    found = knowledge.search("Qual é a taxa de entrega do delivery?", k=3)
    assert 1 <= len(found) <= 3
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    assert "R$ 7,00" in found[0].text
    assert found[0].source


def test_search_finds_the_right_section_for_plain_questions(knowledge: KnowledgeBase) -> None:
    cases = {
        "vocês aceitam pix?": "Pix",
        "qual o horário de funcionamento no domingo": "domingos",
        "tem pão sem glúten": "sem glúten",
        "quanto custa o quilo do pão francês": "R$ 18,90",
    }
    for question, expected in cases.items():
        top = knowledge.search(question, k=3)
        assert any(expected in p.text for p in top), question


def test_search_with_k_zero_returns_nothing(knowledge: KnowledgeBase) -> None:
    assert knowledge.search("entrega", k=0) == []


def test_warming_up_changes_no_answer(knowledge: KnowledgeBase) -> None:
    knowledge.warm_up()
    knowledge.warm_up()  # twice is harmless: a processor may wait more than once
    first = knowledge.search("Qual é a taxa de entrega do delivery?", k=3)
    assert "R$ 7,00" in first[0].text
    assert knowledge.search("Qual é a taxa de entrega do delivery?", k=3) == first


def test_answer_quotes_the_passage_it_was_given_and_names_its_source(answerer: Answerer) -> None:
    passage = Passage("Abrimos às 6h30.", "faq.md", 0.9, "Horário")
    answer = answerer.answer("que horas abre?", [], [passage])
    assert "6h30" in answer.text and not answer.handoff
    assert answer.outcome is Outcome.ANSWERED and answer.sources == (Source("faq.md", "Horário", 0.9),)


def test_answer_without_knowledge_says_it_did_not_find_it_and_invents_nothing(answerer: Answerer) -> None:
    """The answerer reports NOT_FOUND; the domain turns it into the business's fallback and handoff."""
    answer = answerer.answer("vocês vendem passagens aéreas?", [], [])
    assert answer.outcome is Outcome.NOT_FOUND and not answer.answered
    assert answer.sources == () and not answer.handoff


def test_asking_for_a_human_requests_a_handoff(answerer: Answerer) -> None:
    history = [Turn(Role.CUSTOMER, "oi", 1)]
    answer = answerer.answer("quero falar com um atendente", history, [])
    assert answer.handoff and answer.text
