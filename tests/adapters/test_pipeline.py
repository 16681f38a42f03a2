"""Real Uazapi webhooks through receive and process with the local media reader and the chat
model answerer (against the fake OpenAI server): what a photo or voice note says reaches the
model, and the model's handoff pauses the bot."""

from __future__ import annotations

from pathlib import Path

from dependency_injector import providers

from app.adapters.llm.openai_chat import OpenAIChatAnswerer
from app.adapters.media.reader import LocalMediaReader
from app.adapters.media.transcribers import OpenAITranscriber
from app.adapters.uazapi.parser import UazapiWebhookParser
from app.domain.messages import InboundMessage
from app.ports.messaging import DownloadedMedia
from tests.adapters import media_samples as samples
from tests.fakes.openai_server import FakeOpenAI
from tests.servers.openai import OPENAI_TEST_KEY
from tests.usecases.conftest import CHAT, World, fixture_body, make_world


def wired(fake: FakeOpenAI) -> World:
    world = make_world()
    transcriber = OpenAITranscriber(fake.url, OPENAI_TEST_KEY, timeout_seconds=5)
    reader = LocalMediaReader(world.gateway, transcriber)
    answerer = OpenAIChatAnswerer(fake.url, "modelo", OPENAI_TEST_KEY, "Padaria Grão Dourado", 5, 0)
    world.container.media.override(providers.Object(reader))
    world.container.answerer.override(providers.Object(answerer))
    return world


def receive_fixture(world: World, name: str, media: DownloadedMedia) -> str:
    body = fixture_body(name)
    event = UazapiWebhookParser().parse(body)
    assert isinstance(event, InboundMessage) and event.media is not None
    world.gateway.add_media(event.media.message_id, media)
    result = world.container.receive()(body)
    assert result.status == "buffered"
    world.clock.sleep_ms(6_000)
    assert world.container.process()(result.chat_id, 0).status == "answered"
    return str(result.chat_id)


def test_a_photo_of_a_question_is_answered_from_its_text(openai_fake: FakeOpenAI) -> None:
    world = wired(openai_fake)
    png = samples.png_with_text(["Vocês aceitam Pix?"])
    chat = receive_fixture(
        world, "titobahe__user-chat__from-others__image.sent.json", DownloadedMedia(png, "image/png")
    )
    (request,) = openai_fake.chat_requests()
    question = request["messages"][-1]["content"]
    assert question == "[texto na imagem] Vocês aceitam Pix?"
    assert "Pix" in request["messages"][0]["content"]  # the FAQ passage was retrieved from the OCR text
    replies = " ".join(world.gateway.texts(chat))
    assert replies.startswith("Segundo nossa base:") and "Pix" in replies


def test_a_voice_note_is_transcribed_and_answered(openai_fake: FakeOpenAI) -> None:
    world = wired(openai_fake)
    openai_fake.transcript = "Qual é a taxa de entrega?"
    receive_fixture(
        world, "titobahe__user-chat__from-others__audio.sent.json", DownloadedMedia(b"OggS...", "audio/ogg")
    )
    transcription, chat = openai_fake.requests
    assert transcription.path == "/v1/audio/transcriptions"
    assert chat.json["messages"][-1]["content"] == "[áudio transcrito] Qual é a taxa de entrega?"
    assert "R$ 7,00" in chat.json["messages"][0]["content"]


def test_the_model_asking_for_a_human_pauses_the_bot(openai_fake: FakeOpenAI) -> None:
    world = wired(openai_fake)
    world.say("quero falar com um atendente, por favor")
    world.clock.sleep_ms(6_000)
    result = world.process()
    assert result.status == "answered" and result.handoff
    assert world.container.chat_state().get(CHAT).is_paused(world.clock.now_ms())
    assert world.say("alô?").status == "ignored"
    assert len(openai_fake.chat_requests()) == 1


def test_the_offline_keyword_base_reads_every_document_ingest_lists(tmp_path: Path) -> None:
    from app.container import build_container
    from app.settings import Settings

    (tmp_path / "horario.md").write_text("# Loja\n\n## Horário\nAbrimos às 9h.\n", encoding="utf-8")
    (tmp_path / "cardapio.pdf").write_bytes(samples.text_pdf(["Servimos feijoada aos sábados."]))
    (tmp_path / "frete.html").write_bytes("<h2>Frete</h2><p>Frete grátis acima de R$ 50.</p>".encode())
    knowledge = build_container(Settings(knowledge_dir=tmp_path)).knowledge()
    assert knowledge.search("tem feijoada?", 1)[0].source == "cardapio.pdf"
    assert knowledge.search("quanto é o frete?", 1)[0].source == "frete.html"
    assert knowledge.search("que horas abre?", 1)[0].source == "horario.md"
