"""Huge and hostile input is bounded (issue 8): a 5 MB text is answered in bounded time, its
whole text kept in the history; nothing huge or control-laden is echoed into an output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from app.domain.conversation import Turn
from app.domain.messages import Answer, Passage
from tests.usecases.conftest import CHAT, World, fixture_body, make_world

FIVE_MB = "Qual é a taxa de entrega de vocês? " * (5_000_000 // 35)


class Spy:
    """Records what retrieval and the answerer are given, and delegates to the real ones."""

    def __init__(self, world: World) -> None:
        self.knowledge, self.answerer = world.container.knowledge(), world.container.answerer()
        self.queries: list[str] = []
        self.questions: list[str] = []
        self.histories: list[list[Turn]] = []
        world.container.knowledge.override(providers.Object(self))
        world.container.answerer.override(providers.Object(self))

    def search(self, query: str, k: int = 4) -> list[Passage]:
        self.queries.append(query)
        result: list[Passage] = self.knowledge.search(query, k)
        return result

    def warm_up(self) -> None:
        self.knowledge.warm_up()

    def answer(self, question: str, history: list[Turn], passages: list[Passage]) -> Answer:
        self.questions.append(question)
        self.histories.append(history)
        result: Answer = self.answerer.answer(question, history, passages)
        return result


def test_a_5_mb_message_is_answered_in_bounded_time_and_kept_whole_in_the_history() -> None:
    world = make_world(quiet_ms=0)
    spy = Spy(world)
    # What bounds the time (bench/big_message.py measures it): nothing past the cap is searched
    # or sent to the model.
    assert world.say(FIVE_MB).status == "buffered"
    result = world.process()
    assert result.status == "answered" and result.parts_sent >= 1
    assert [len(q) <= 2_000 for q in spy.queries + spy.questions] == [True, True]
    assert spy.queries[0].startswith("Qual é a taxa de entrega de vocês?")
    history = world.container.conversations().load(CHAT).turns
    assert history[0].text == FIVE_MB.strip()  # the whole text, not the capped one
    # The next question's history is capped too: the model never sees the 5 MB again.
    assert world.say("E no sábado?").status == "buffered"
    world.clock.sleep_ms(1)
    world.process()
    assert all(len(turn.text) <= 2_000 for turn in spy.histories[-1])


@pytest.fixture(scope="module")
def published_index(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small index (what is measured is the query's cost, not the knowledge base's)."""
    from app.adapters.embeddings import build_embedder
    from app.adapters.faiss.documents import FolderSource
    from app.adapters.faiss.index import FaissIndexer
    from app.adapters.memory.blobs import MemoryBlobStore

    docs = tmp_path_factory.mktemp("docs")
    (docs / "entregas.md").write_text(
        "# Entrega\n\nEntregamos no bairro Centro de terça a domingo, das 8h às 18h.\n\n"
        "# Horário\n\nAbrimos de segunda a sábado, das 6h30 às 20h.\n",
        encoding="utf-8",
    )
    blobs = MemoryBlobStore()
    FaissIndexer(blobs, build_embedder("e5")).publish(FolderSource(docs).documents())
    return blobs


def test_with_faiss_a_long_message_costs_no_more_than_a_capped_one(
    published_index: Any, tmp_path: Path
) -> None:
    """e5 embeds a long query window by window: before the cap, 100 KB took 85 s to retrieve."""
    world = make_world(quiet_ms=0, knowledge="faiss", index_cache_dir=tmp_path)
    world.container.blobs.override(providers.Object(published_index))
    spy = Spy(world)  # loads the index: not part of the message's cost
    assert world.say(FIVE_MB[:100_000]).status == "buffered"
    assert world.process().status == "answered"
    assert len(spy.queries[0]) <= 2_000 and len(spy.questions[0]) <= 2_000


def test_the_cap_is_a_setting() -> None:
    world = make_world(quiet_ms=0, question_max_chars=100)
    spy = Spy(world)
    world.say("palavra " * 1_000)
    world.process()
    assert len(spy.queries[0]) <= 100


def echo_size(result: Any) -> int:
    return len(json.dumps(result.to_dict(), ensure_ascii=False))


def test_a_huge_field_is_never_echoed_into_the_result(world: World) -> None:
    huge = "x" * 5_000_000
    for where in ("EventType", "instanceName", "chatid", "messageid", "fromMe", "owner"):
        data = json.loads(fixture_body("titobahe__user-chat__from-others__text.sent.json"))
        if where in ("chatid", "messageid", "fromMe"):
            data["message"][where] = huge
        else:
            data[where] = huge
        result = world.container.receive()(json.dumps(data).encode())
        assert echo_size(result) < 1_000, where
        assert result.reason.isprintable()


def test_control_characters_cannot_forge_lines_in_the_result(world: World) -> None:
    data = json.loads(fixture_body("titobahe__user-chat__from-others__text.sent.json"))
    data["EventType"] = "presence\n2026-11-25 12:00:00 INFO conversa.receive: buffered\x1b[2J"
    result = world.container.receive()(json.dumps(data).encode())
    assert result.status == "ignored"
    assert "\n" not in result.reason and "\x1b" not in result.reason


def test_a_lone_surrogate_is_repaired_and_the_message_answered(world: World) -> None:
    body = fixture_body("titobahe__user-chat__from-others__text.sent.json")
    body = body.replace(b'"text": "Oi"', b'"text": "Oi \\ud800, qual o hor\\u00e1rio?"')
    result = world.container.receive()(body)
    assert result.status == "buffered", result.reason
    assert world.container.dead_letters().list() == []
    batch = world.container.buffer().claim(result.chat_id, world.clock.now_ms(), 10_000, 10)
    assert batch is not None
    assert batch.messages[0].text == "Oi \ufffd, qual o horário?"  # storable anywhere: UTF-8 can carry it


def test_a_non_boolean_from_me_is_malformed_not_a_takeover(world: World) -> None:
    for value in (12345, ["x"]):
        data = json.loads(fixture_body("titobahe__user-chat__from-others__text.sent.json"))
        data["message"]["fromMe"] = value
        result = world.container.receive()(json.dumps(data).encode())
        assert result.status == "rejected" and "fromMe" in result.reason and result.dead_letter_id
    assert world.container.chat_state().get("eKoB39/11565944224@s.whatsapp.net").paused_until_ms == 0


def test_the_owners_reactions_votes_stickers_and_edits_do_not_pause(world: World) -> None:
    chat = "eKoB39/11565944224@s.whatsapp.net"
    for name in (
        "titobahe__user-chat__from-me__poll.vote.me.json",
        "titobahe__user-chat__from-me__list.vote.me.json",
        "titobahe__user-chat__from-me__sticker.sent.json",
        "titobahe__user-chat__from-me__reaction.sent__MISLABELLED_actually_sticker.json",
        "titobahe__user-chat__from-me__text.edited.event.json",
    ):
        result = world.container.receive()(fixture_body(name))
        assert result.status == "ignored" and "not a takeover" in result.reason, (name, result)
        assert world.container.chat_state().get(chat).paused_until_ms == 0, name
    reaction = json.loads(fixture_body("titobahe__user-chat__from-others__reaction.sent.json"))
    reaction["message"].update(fromMe=True, messageid="OWNERREACTION1")
    assert world.container.receive()(json.dumps(reaction).encode()).status == "ignored"
    assert world.container.chat_state().get(chat).paused_until_ms == 0
    # What the owner really sends still takes over.
    for name in (
        "titobahe__user-chat__from-me__text.sent.event.json",
        "titobahe__user-chat__from-me__image.sent.json",
    ):
        assert world.container.receive()(fixture_body(name)).status == "takeover", name
    assert world.container.chat_state().get(chat).paused_until_ms > 0
