"""The chat-model answerer against the fake OpenAI-compatible server: prompt, parsing, failures."""

from __future__ import annotations

import pytest

from app.adapters.llm.openai_chat import (
    HANDOFF_TEXT,
    NO_ANSWER_TEXT,
    AnswererError,
    OpenAIChatAnswerer,
    Reply,
    parse_reply,
)
from app.container import openai_answerer
from app.domain.conversation import Role, Turn
from app.domain.messages import Outcome, Passage, Source
from app.settings import Settings
from tests.fakes.openai_server import FakeOpenAI
from tests.servers.openai import OPENAI_TEST_KEY

HOURS = Passage("Abrimos às 6h30 de segunda a sábado.", "faq.md", 3.0, "Horário")
PIX = Passage("Aceitamos Pix, cartão e dinheiro.", "pagamentos.md", 1.5, "Pagamento")
HISTORY = [
    Turn(Role.CUSTOMER, "oi, tudo bem?", 1),
    Turn(Role.ASSISTANT, "Olá! Como posso ajudar?", 2),
]


def answerer_for(fake: FakeOpenAI, **overrides: object) -> OpenAIChatAnswerer:
    options: dict[str, object] = {"timeout_seconds": 5.0, "max_retries": 0, **overrides}
    return OpenAIChatAnswerer(
        fake.url,
        "modelo-teste",
        OPENAI_TEST_KEY,
        "Padaria Grão Dourado",
        **options,  # type: ignore[arg-type]
    )


def test_the_prompt_carries_the_passages_the_history_and_the_question(openai_fake: FakeOpenAI) -> None:
    answer = answerer_for(openai_fake).answer("que horas vocês abrem?", HISTORY, [HOURS, PIX])
    (request,) = openai_fake.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {OPENAI_TEST_KEY}"
    body = request.json
    assert body["model"] == "modelo-teste"
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    system = body["messages"][0]["content"]
    assert "Padaria Grão Dourado" in system and "português" in system
    assert '<trecho n="1" titulo="Horário" fonte="faq.md">\nAbrimos às 6h30' in system
    assert '<trecho n="2" titulo="Pagamento" fonte="pagamentos.md">\nAceitamos Pix' in system
    assert [m["content"] for m in body["messages"][1:]] == [
        "oi, tudo bem?",
        "Olá! Como posso ajudar?",
        "que horas vocês abrem?",
    ]
    assert "6h30" in answer.text and not answer.handoff
    assert answer.outcome is Outcome.ANSWERED
    assert answer.sources == (Source("faq.md", "Horário", 3.0),)  # the passage it cited, with its title


def test_history_is_bounded_to_the_latest_turns(openai_fake: FakeOpenAI) -> None:
    turns = [Turn(Role.CUSTOMER if n % 2 else Role.ASSISTANT, f"turno {n}", n) for n in range(1, 8)]
    answerer_for(openai_fake, max_history_turns=2).answer("e agora?", turns, [HOURS])
    contents = [m["content"] for m in openai_fake.chat_requests()[0]["messages"][1:]]
    assert contents == ["turno 6", "turno 7", "e agora?"]


def test_no_passage_is_said_in_the_prompt_and_the_model_says_it_did_not_find_it(
    openai_fake: FakeOpenAI,
) -> None:
    answer = answerer_for(openai_fake).answer("vocês vendem passagens aéreas?", [], [])
    system = openai_fake.chat_requests()[0]["messages"][0]["content"]
    assert "<trecho" not in system and "nenhum trecho encontrado" in system
    assert "SOMENTE" in system and '"tipo": "nao_encontrado"' in system  # the marker it must emit
    assert answer.outcome is Outcome.NOT_FOUND and answer.sources == ()


def test_the_model_s_decision_marker_and_citations_are_read(openai_fake: FakeOpenAI) -> None:
    openai_fake.reply_next('{"tipo": "resposta", "resposta": "Aceitamos Pix.", "trechos": [2, 2, 9]}')
    answer = answerer_for(openai_fake).answer("aceitam pix?", [], [HOURS, PIX])
    assert answer.outcome is Outcome.ANSWERED and answer.sources == (Source.of(PIX),)  # 9: no such passage
    openai_fake.reply_next('{"tipo": "nao_encontrado", "resposta": "Não sei.", "trechos": []}')
    answer = answerer_for(openai_fake).answer("qual a capital da França?", [], [HOURS])
    assert answer.outcome is Outcome.NOT_FOUND and not answer.answered and not answer.handoff
    openai_fake.reply_next('{"tipo": "conversa", "resposta": "Olá!", "trechos": []}')
    assert answerer_for(openai_fake).answer("oi", [], []).outcome is Outcome.SMALL_TALK


def test_asking_for_a_human_hands_over(openai_fake: FakeOpenAI) -> None:
    answer = answerer_for(openai_fake).answer("quero falar com um atendente", HISTORY, [HOURS])
    assert answer.handoff and "equipe" in answer.text and answer.outcome is Outcome.HANDOFF


def test_a_handoff_in_a_code_fence_with_chatter_is_parsed(openai_fake: FakeOpenAI) -> None:
    openai_fake.reply_next(
        'Claro:\n```json\n{"resposta": "Vou chamar a equipe.", "chamar_atendente": true, "trechos": []}\n```'
    )
    answer = answerer_for(openai_fake).answer("reclamação sobre meu pedido", [], [HOURS])
    assert answer.text == "Vou chamar a equipe." and answer.handoff


def test_a_handoff_without_text_gets_the_standard_message(openai_fake: FakeOpenAI) -> None:
    openai_fake.reply_next('{"chamar_atendente": "sim"}')
    answer = answerer_for(openai_fake).answer("quero um humano", [], [])
    assert answer.text == HANDOFF_TEXT and answer.handoff


def test_a_model_ignoring_the_format_still_answers(openai_fake: FakeOpenAI) -> None:
    openai_fake.reply_next("Abrimos às 6h30, até já!")
    answer = answerer_for(openai_fake).answer("que horas abre?", [], [HOURS])
    assert answer.text == "Abrimos às 6h30, até já!" and not answer.handoff


def test_an_empty_reply_offers_a_human_instead_of_silence(openai_fake: FakeOpenAI) -> None:
    openai_fake.reply_next("")
    answer = answerer_for(openai_fake).answer("que horas abre?", [], [HOURS])
    assert answer.text == NO_ANSWER_TEXT and not answer.handoff and answer.outcome is Outcome.NOT_FOUND


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '{"resposta": "Sim!", "chamar_atendente": false, "trechos": [2, "1", "x"]}',
            Reply("Sim!", False, (2, 1)),
        ),
        ('{"resposta": "Abrimos às 6h30 de seg', Reply("Abrimos às 6h30 de seg", False)),  # cut off
        (
            '{"resposta": "Vou chamar \\"alguém\\"", "chamar_atendente": true',
            Reply('Vou chamar "alguém"', True, outcome=Outcome.HANDOFF),
        ),
        ('{"chamar_atendente": tru', Reply("", False)),
        ("[1, 2]", Reply("[1, 2]", formatted=False)),
        ("  Só texto.  ", Reply("Só texto.", formatted=False)),
        ('{"answer": "in English", "handoff": "true"}', Reply("in English", True, outcome=Outcome.HANDOFF)),
        ('{"tipo": "nao_encontrado", "resposta": "Não sei"}', Reply("Não sei", outcome=Outcome.NOT_FOUND)),
        ('{"tipo": "atendente", "resposta": "Já chamo"}', Reply("Já chamo", True, outcome=Outcome.HANDOFF)),
        ('{"tipo": "Não encontrado", "resposta": "x"}', Reply("x", outcome=Outcome.NOT_FOUND)),
        ('{"tipo": "nao_encontrado", "resposta": "Não enc', Reply("Não enc", outcome=Outcome.NOT_FOUND)),
    ],
)
def test_parse_reply_is_forgiving(content: str, expected: Reply) -> None:
    assert parse_reply(content) == expected


def test_server_failure_is_a_clear_one_line_error(openai_fake: FakeOpenAI) -> None:
    openai_fake.fail_next(500)
    with pytest.raises(AnswererError) as caught:
        answerer_for(openai_fake).answer("que horas abre?", [], [HOURS])
    reason = caught.value.reason
    assert "\n" not in reason
    assert reason.startswith(f"chat model modelo-teste at {openai_fake.url} failed: ")
    assert "500" in reason and "scripted failure" in reason


def test_a_single_failure_is_retried_when_retries_are_allowed(openai_fake: FakeOpenAI) -> None:
    openai_fake.fail_next(500)
    answer = answerer_for(openai_fake, max_retries=1).answer("que horas abre?", [], [HOURS])
    assert "6h30" in answer.text and len(openai_fake.requests) == 2


def test_a_wrong_key_is_reported(openai_fake: FakeOpenAI) -> None:
    answerer = OpenAIChatAnswerer(openai_fake.url, "m", "sk-wrong", timeout_seconds=5, max_retries=0)
    with pytest.raises(AnswererError, match="AuthenticationError"):
        answerer.answer("oi", [], [])


def test_a_slow_server_times_out(openai_fake: FakeOpenAI) -> None:
    openai_fake.delay_next(5)
    with pytest.raises(AnswererError, match="Timeout"):
        answerer_for(openai_fake, timeout_seconds=0.3).answer("oi", [], [])


def test_the_container_builds_it_from_the_settings() -> None:
    settings = Settings(
        openai_base_url="http://127.0.0.1:9/v1/",
        openai_model="llama3.1",
        openai_api_key="sk-x",  # type: ignore[arg-type]
        business_name="Café Azul",
        openai_timeout_seconds=7,
        openai_temperature=None,
    )
    answerer = openai_answerer(settings)
    assert (answerer.base_url, answerer.model, answerer.api_key) == (
        "http://127.0.0.1:9/v1",
        "llama3.1",
        "sk-x",
    )
    assert answerer.business_name == "Café Azul" and answerer.timeout_seconds == 7.0
    assert answerer.temperature is None and answerer.max_retries == 1


def test_through_process_the_model_answers_citing_its_source_or_hands_off_when_nothing_answers(
    openai_fake: FakeOpenAI,
) -> None:
    from dependency_injector import providers

    from tests.usecases.conftest import CHAT, make_world

    world = make_world()
    world.container.answerer.override(providers.Object(answerer_for(openai_fake)))
    world.say("Vocês aceitam pix?")
    world.clock.sleep_ms(6_000)
    answered = world.process()
    assert answered.status == "answered" and not answered.fallback and not answered.handoff
    assert answered.sources[0]["title"] == "Formas de pagamento"  # the passage the model cited
    assert world.gateway.texts()[-1].endswith("_Fonte: Formas de pagamento (perguntas-frequentes.md)_")
    world.say("asdfgh qwerty")
    world.clock.sleep_ms(6_000)
    declined = world.process()
    system = openai_fake.chat_requests()[-1]["messages"][0]["content"]
    assert "<trecho" not in system  # nothing under the threshold is shown to the model
    assert declined.status == "answered" and declined.fallback and declined.handoff and declined.sources == []
    assert "Não encontrei" in world.gateway.texts()[-1] and "equipe" in world.gateway.texts()[-1]
    # A fallback hands off but does not silence the bot: nobody took the chat yet (issue 15).
    assert not world.container.chat_state().get(CHAT).is_paused(world.clock.now_ms())
