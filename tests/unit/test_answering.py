"""The decision to answer (app/domain/answering.py): only what the knowledge base says answers."""

from __future__ import annotations

from app.domain.answering import AnsweringRules, answer_question, answering_passages, settle, sources_line
from app.domain.conversation import Conversation, Role, Turn
from app.domain.messages import Answer, Outcome, Passage, Source

HOURS = Passage("Abrimos às 6h30.", "faq.md", 0.92, "Horário")
PIX = Passage("Aceitamos Pix.", "pagamentos.md", 0.71, "Pagamento")
CLOSE = Passage("Entregamos no Centro.", "entregas.md", 0.49, "Entrega")  # just under the threshold
RULES = AnsweringRules(business_name="Café Azul")


class FixedKnowledge:
    def __init__(self, *passages: Passage) -> None:
        self.passages = list(passages)

    def search(self, query: str, k: int = 4) -> list[Passage]:
        return self.passages[:k]

    def warm_up(self) -> None:
        pass


class Recorder:
    """An answerer that says what it is told to and records the passages it was shown."""

    def __init__(self, answer: Answer) -> None:
        self.reply, self.shown = answer, list[list[Passage]]()

    def answer(self, question: str, history: list[Turn], passages: list[Passage]) -> Answer:
        self.shown.append(passages)
        return self.reply


def test_only_passages_that_answer_are_shown_to_the_answerer() -> None:
    assert answering_passages([HOURS, PIX, CLOSE]) == [HOURS, PIX]
    assert answering_passages([CLOSE, PIX]) == [PIX]  # ranked by the backend; each is judged on its score
    assert answering_passages([CLOSE]) == []
    assert answering_passages([HOURS], threshold=0.95) == []


def test_an_off_topic_question_gets_the_fallback_and_a_handoff_and_the_answerer_sees_nothing() -> None:
    quoter = Recorder(Answer("Entregamos no Centro.", sources=(Source.of(CLOSE),)))
    answer = answer_question("qual a capital da França?", [], FixedKnowledge(CLOSE), quoter, RULES)
    assert quoter.shown == [[]]  # the passage under the threshold never reached the answerer
    assert answer.outcome is Outcome.NOT_FOUND and answer.handoff and not answer.answered
    assert answer.text == RULES.fallback_text and "Café Azul" in answer.text
    assert "Não encontrei" in answer.text and "equipe" in answer.text
    assert answer.sources == ()


def test_an_answer_names_what_it_used_and_ends_with_a_fonte_line() -> None:
    cited = Answer("Abrimos às 6h30.", sources=(Source.of(HOURS),))
    answer = answer_question("que horas abre?", [], FixedKnowledge(HOURS, PIX), Recorder(cited), RULES)
    assert answer.answered and not answer.handoff
    assert answer.sources == (Source("faq.md", "Horário", 0.92),)
    assert answer.text == "Abrimos às 6h30.\n_Fonte: Horário (faq.md)_"  # same bubble: one newline


def test_the_fonte_line_can_be_turned_off_but_the_sources_stay() -> None:
    quiet = AnsweringRules(show_sources=False)
    answer = settle(Answer("Abrimos às 6h30.", sources=(Source.of(HOURS),)), [HOURS], quiet)
    assert answer.text == "Abrimos às 6h30." and answer.sources == (Source.of(HOURS),)


def test_sources_are_the_cited_ones_best_first_once_each_and_only_among_those_shown() -> None:
    stranger = Source("inventado.md", "Nada")
    cited = Answer("Sim.", sources=(Source.of(PIX), stranger, Source.of(HOURS), Source.of(PIX)))
    answer = settle(cited, [HOURS, PIX], RULES)
    assert answer.sources == (Source.of(HOURS), Source.of(PIX))
    assert answer.text.endswith("\n_Fontes: Horário (faq.md); Pagamento (pagamentos.md)_")


def test_an_answer_that_cites_nothing_is_credited_to_the_best_passage_shown() -> None:
    answer = settle(Answer("Abrimos às 6h30."), [HOURS, PIX], RULES)
    assert answer.sources == (Source.of(HOURS),)


def test_a_model_answering_with_no_passage_that_answers_gets_the_fallback() -> None:
    """It can only be answering from what it knows outside the knowledge base ("Paris")."""
    answer = settle(Answer("A capital da França é Paris."), [], RULES)
    assert answer.outcome is Outcome.NOT_FOUND and answer.handoff and "Paris" not in answer.text


def test_not_found_or_an_empty_answer_gets_the_fallback_even_with_passages() -> None:
    for said in (Answer("Não sei.", outcome=Outcome.NOT_FOUND), Answer("  ")):
        answer = settle(said, [HOURS], RULES)
        assert answer.outcome is Outcome.NOT_FOUND and answer.handoff and answer.sources == ()


def test_small_talk_and_handoff_requests_keep_their_text() -> None:
    hello = settle(Answer("Olá!", outcome=Outcome.SMALL_TALK, sources=(Source.of(HOURS),)), [], RULES)
    assert hello.text == "Olá!" and hello.answered and not hello.handoff and hello.sources == ()
    person = settle(Answer("Já chamo alguém.", handoff=True), [HOURS], RULES)
    assert person.text == "Já chamo alguém." and person.handoff and not person.answered
    assert person.sources == ()  # it cited nothing: not credited to the best passage


def test_sources_line_without_a_title_names_the_file() -> None:
    assert sources_line([Source("faq.md")]) == "_Fonte: faq.md_"


def test_history_turns_keep_their_sources_and_old_histories_stay_readable() -> None:
    turn = Turn(Role.ASSISTANT, "Abrimos às 6h30.", 5, (Source.of(HOURS),))
    restored = Conversation.from_dict(Conversation((turn,)).to_dict())
    assert restored.turns == (turn,)
    old = {
        "turns": [
            {"role": "customer", "text": "oi", "at_ms": 1},
            {"role": "assistant", "text": "Olá", "at_ms": 2},
        ]
    }
    assert Conversation.from_dict(old).turns[1] == Turn(Role.ASSISTANT, "Olá", 2)
    assert "sources" not in Turn(Role.CUSTOMER, "oi", 1).to_dict()  # stored as before when there are none
