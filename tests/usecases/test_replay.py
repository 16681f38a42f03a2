"""Replaying dead letters through receive: what is selected, what is removed, what stays."""

from __future__ import annotations

import base64
from pathlib import Path

from app.adapters.memory.dead_letters import FileDeadLetterStore, MemoryDeadLetterStore
from app.domain.usecases.replay import LetterReplay, ReplayDeadLetters, Selection, body_bytes
from app.domain.usecases.results import ReceiveResult
from app.ports.dead_letters import DeadLetter, DeadLetterStore
from tests.usecases.conftest import CHAT, World


class Unreachable:
    """A store whose server is down."""

    def __getattr__(self, name: str) -> object:
        def fail(*args: object) -> object:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return fail


def replay_of(world: World, *stores: tuple[str, DeadLetterStore]) -> ReplayDeadLetters:
    return world.container.replay(stores=list(stores))


def test_a_letter_taken_in_is_removed_and_one_failing_again_stays(world: World) -> None:
    store = MemoryDeadLetterStore()
    good = store.put("receive", "ConnectionError: redis down", world.webhooks.message("Oi", 1).decode(), 1)
    bad = store.put("receive", "webhook body is not JSON", "{oops", 2)
    result = replay_of(world, ("memory", store))(Selection())
    assert [(x.id, x.outcome, x.status) for x in result.letters] == [
        (good, "replayed", "buffered"),
        (bad, "failed", "rejected"),
    ]
    assert store.get(good) is None
    kept = store.get(bad)
    assert kept is not None and kept.reason == "webhook body is not JSON"  # untouched
    assert not result.ok and result.to_dict()["buffered_chats"] == [CHAT]
    assert world.container.buffer().activity(CHAT).count == 1  # type: ignore[union-attr]
    assert world.container.dead_letters().list() == []  # the failed replay filed no new letter


def test_selection_by_id_reason_and_source(world: World) -> None:
    store = MemoryDeadLetterStore()
    first = store.put("auth", "instance 'main': wrong token", world.webhooks.message("a", 1).decode(), 1)
    second = store.put("receive", "TimeoutError: redis", world.webhooks.message("b", 1).decode(), 2)
    third = store.put("auth", "unknown instance 'x'", world.webhooks.message("c", 1).decode(), 3)
    replay = replay_of(world, ("memory", store))
    assert [x.id for x in replay(Selection(source="auth"), dry_run=True).letters] == [first, third]
    assert [x.id for x in replay(Selection(reason="WRONG TOKEN"), dry_run=True).letters] == [first]
    assert [x.id for x in replay(Selection(ids=(third, "nope")), dry_run=True).letters] == [third]
    assert replay(Selection(ids=("nope",)), dry_run=True).missing == ["nope"]
    assert len(store.list()) == 3  # dry runs change nothing
    result = replay(Selection(source="receive"))
    assert [(x.id, x.outcome) for x in result.letters] == [(second, "replayed")] and result.ok
    assert {d.id for d in store.list()} == {first, third}


def test_duplicates_and_ignored_events_count_as_taken_in(world: World) -> None:
    store = MemoryDeadLetterStore()
    message = world.webhooks.message("Oi", 1)
    assert world.container.receive()(message).status == "buffered"
    duplicate = store.put("receive", "TimeoutError", message.decode(), 1)
    bot_echo = store.put("receive", "TimeoutError", world.webhooks.message("eco", 1, True, True).decode(), 2)
    result = replay_of(world, ("memory", store))(Selection())
    assert [(x.id, x.outcome, x.status) for x in result.letters] == [
        (duplicate, "replayed", "duplicate"),
        (bot_echo, "replayed", "ignored"),
    ]
    assert store.list() == [] and result.ok


def test_a_letter_in_both_stores_is_replayed_once_and_removed_from_both(world: World, tmp_path: Path) -> None:
    primary, fallback = MemoryDeadLetterStore(), FileDeadLetterStore(tmp_path / "dl")
    raw = world.webhooks.message("Oi", 1).decode()
    letter = primary.put("receive", "TimeoutError", raw, 1)
    assert fallback.put("receive", "ConnectionError", raw, 2) == letter
    seen: list[LetterReplay] = []
    replay = world.container.replay(stores=[("redis", primary), ("file", fallback)], on_letter=seen.append)
    result = replay(Selection())
    assert [(x.id, x.stores, x.reason) for x in seen] == [(letter, ("redis", "file"), "new customer message")]
    assert result.count("replayed") == 1 and primary.list() == fallback.list() == []


def test_an_unreachable_store_is_reported_and_the_others_replayed(world: World) -> None:
    store = MemoryDeadLetterStore()
    store.put("receive", "TimeoutError", world.webhooks.message("Oi", 1).decode(), 1)
    result = replay_of(world, ("redis", Unreachable()), ("file", store))(Selection())  # type: ignore[arg-type]
    assert result.count("replayed") == 1 and store.list() == []
    assert list(result.unreachable) == ["redis"] and "Connection refused" in result.unreachable["redis"]
    assert not result.ok and result.to_dict()["status"] == "error"


def test_a_receive_that_fails_keeps_the_letter(world: World) -> None:
    store = MemoryDeadLetterStore()
    letter = store.put("receive", "TimeoutError", world.webhooks.message("Oi", 1).decode(), 1)

    def broken(body: bytes) -> ReceiveResult:
        raise ConnectionError("redis is still down")

    result = ReplayDeadLetters([("memory", store)], broken)(Selection())
    (outcome,) = result.letters
    assert (outcome.outcome, outcome.reason) == ("failed", "ConnectionError: redis is still down")
    assert store.get(letter) is not None


def test_batches_given_up_by_the_processor_are_skipped(world: World) -> None:
    store = MemoryDeadLetterStore()
    store.put("process", "batch failed 3 times", '{"chat_id": "x", "messages": []}', 1)
    result = replay_of(world, ("memory", store))(Selection())
    assert [x.outcome for x in result.letters] == ["skipped"] and len(store.list()) == 1


def test_bodies_come_back_byte_for_byte() -> None:
    raw = b"\xff\xfe garbage"
    assert body_bytes("base64:" + base64.b64encode(raw).decode()) == raw
    assert body_bytes('{"text": "açaí"}') == '{"text": "açaí"}'.encode()
    letter = DeadLetter("x", "receive", "r", "base64:not base64!", 1)
    assert body_bytes(letter.body) == b"base64:not base64!"
