"""The receive use case: what gets buffered, what is dropped, and that nothing is lost."""

from __future__ import annotations

import pytest

from app.domain.messages import MessageKind
from tests.usecases.conftest import CHAT, World, fixture_body, make_world


def test_every_message_of_a_burst_asks_for_its_own_processor(world: World) -> None:
    results = [world.say(t) for t in ("Oi", "tudo bem?", "vocês entregam?")]
    assert [r.status for r in results] == ["buffered"] * 3
    assert [r.should_process for r in results] == [True, True, True]
    assert [r.pending for r in results] == [1, 2, 3]
    assert all(r.chat_id == CHAT for r in results)


def test_each_processor_is_due_when_its_message_quiet_period_ends() -> None:
    from datetime import datetime

    world = make_world(quiet_ms=2_000)
    first = world.say("Oi")
    world.clock.sleep_ms(700)
    second = world.say("tudo bem?")
    due = [datetime.fromisoformat(r.process_at.replace("Z", "+00:00")) for r in (first, second)]
    assert first.process_at.endswith("Z")
    assert [int(d.timestamp() * 1000) for d in due] == [
        world.clock.now_ms() - 700 + 2_000,
        world.clock.now_ms() + 2_000,
    ]


def test_a_message_that_is_not_buffered_asks_for_no_processor(world: World) -> None:
    result = world.say("resposta do bot", from_me=True, by_api=True)
    assert result.status == "ignored" and not result.should_process and result.process_at == ""


def test_the_same_webhook_twice_is_buffered_once(world: World) -> None:
    body = world.webhooks.message("Oi", world.clock.now_ms())
    first, second = world.container.receive()(body), world.container.receive()(body)
    assert (first.status, second.status) == ("buffered", "duplicate")
    assert world.container.buffer().activity(CHAT).count == 1


def test_own_api_messages_are_ignored_without_pausing(world: World) -> None:
    result = world.say("resposta do bot", from_me=True, by_api=True)
    assert result.status == "ignored"
    assert world.container.chat_state().get(CHAT).paused_until_ms == 0


def test_owner_typing_on_the_phone_pauses_the_chat(world: World) -> None:
    now = world.clock.now_ms()
    assert world.say("deixa comigo", from_me=True).status == "takeover"
    assert world.container.chat_state().get(CHAT).paused_until_ms == now + 30 * 60_000
    assert world.say("obrigado").status == "ignored"
    world.clock.sleep_ms(30 * 60_000 + 1)
    assert world.say("e agora?").status == "buffered"


def test_opt_out_confirms_and_silences_until_opt_in(world: World) -> None:
    assert world.say("Parar!").status == "opted_out"
    assert "voltar" in world.gateway.texts()[-1]
    assert world.say("qual o horário?").status == "ignored"
    assert world.say("Voltar").status == "opted_in"
    assert world.say("qual o horário?").status == "buffered"


def test_malformed_body_goes_to_the_dead_letters(world: World) -> None:
    result = world.container.receive()(b'{"EventType": "messages", "message": ')
    assert result.status == "rejected" and not result.ok
    assert "not JSON" in result.reason and "\n" not in result.reason
    letters = world.container.dead_letters().list()
    assert letters[0].id == result.dead_letter_id
    assert letters[0].body == '{"EventType": "messages", "message": '


def test_non_utf8_body_is_kept_losslessly(world: World) -> None:
    result = world.container.receive()(b"\xff\xfe garbage")
    assert result.status == "rejected"
    assert world.container.dead_letters().list()[0].body.startswith("base64:")


def test_status_events_are_ignored_with_a_reason(world: World) -> None:
    result = world.container.receive()(fixture_body("synthetic__messages_update.read.json"))
    assert result.status == "ignored" and "status" in result.reason


def test_voice_note_without_transcriber_is_buffered_with_a_polite_note(world: World) -> None:
    result = world.container.receive()(fixture_body("titobahe__user-chat__from-others__audio.sent.json"))
    assert result.status == "buffered"
    batch = world.container.buffer().claim(result.chat_id, world.clock.now_ms(), 10_000, 10)
    assert batch is not None
    (message,) = batch.messages
    assert message.kind is MessageKind.AUDIO and message.text == "" and "escrever" in message.note


def test_a_failure_while_taking_in_lets_the_retry_through(world: World) -> None:
    class BrokenBuffer:
        def append(self, *args: object) -> int:
            raise ConnectionError("redis is down")

    from dependency_injector import providers

    world.container.buffer.override(providers.Object(BrokenBuffer()))
    body = world.webhooks.message("Oi", world.clock.now_ms())
    with pytest.raises(ConnectionError):
        world.container.receive()(body)
    world.container.buffer.reset_override()
    assert world.container.receive()(body).status == "buffered"


def test_group_messages_are_answered_only_when_enabled() -> None:
    body = fixture_body("schappo__abridged__group-chat__from-others__text_conversation.json")
    assert make_world().container.receive()(body).status == "ignored"
    assert make_world(groups_enabled=True).container.receive()(body).status == "buffered"
