"""Only authentic webhooks act (issue 8): a forged or unknown body changes nothing, sends
nothing, is never answered, and is kept (boundedly) for replay."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.entrypoints.simulator.webhooks import WebhookFactory
from tests.usecases.conftest import CHAT, JID, World, fixture_body, make_world

AUTH_SOURCE = "auth"  # the dead-letter source of bodies rejected as not authentic
TOKEN = "loja-secret-token-0123456789"
OWNER = "554130000000"  # the simulator's owner number
INSTANCES = json.dumps({"simulador": {"token": TOKEN, "owner": OWNER}, "filial": {"token": "filial-token-9"}})


def guarded(**settings: Any) -> World:
    world = make_world(uazapi_instances=INSTANCES, **settings)
    world.webhooks = WebhookFactory(JID, token=TOKEN)
    return world


def forged(world: World, text: str, **changes: Any) -> bytes:
    """A body as an attacker who knows the webhook URL would build it."""
    data = json.loads(
        world.webhooks.message(text, world.clock.now_ms(), from_me=changes.pop("from_me", False))
    )
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return json.dumps(data).encode()


def assert_nothing_changed(world: World) -> None:
    assert world.container.buffer().activity(CHAT) is None
    state = world.container.chat_state().get(CHAT)
    assert state.paused_until_ms == 0 and not state.opted_out
    assert world.gateway.events == []


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"token": "guessed-token"}, "wrong token for instance 'simulador'"),
        ({"token": None}, "no token for instance 'simulador'"),
        ({"token": ""}, "no token for instance 'simulador'"),
        ({"token": 12345}, "no token for instance 'simulador'"),
        ({"token": "filial-token-9"}, "wrong token for instance 'simulador'"),  # another instance's
        ({"instanceName": "outra"}, "unknown instance 'outra'"),
        ({"instanceName": None, "owner": None}, "unknown instance 'default'"),
        ({"owner": "5511999999999"}, "names owner '5511*****9999'"),
    ],
)
@pytest.mark.parametrize("text", ["Oi, quanto custa?", "parar"])
def test_a_forged_body_changes_nothing_sends_nothing_and_is_kept(
    changes: dict[str, Any], fragment: str, text: str
) -> None:
    world = guarded()
    result = world.container.receive()(forged(world, text, **changes))
    assert (result.status, result.ok) == ("rejected", False)
    assert fragment in result.reason and TOKEN not in result.reason
    assert result.chat_id == "" and not result.should_process
    assert_nothing_changed(world)
    (letter,) = world.container.dead_letters().list()
    assert (letter.id, letter.source, letter.reason) == (result.dead_letter_id, AUTH_SOURCE, result.reason)


def test_a_forged_owner_message_does_not_pause_the_chat() -> None:
    world = guarded()
    result = world.container.receive()(forged(world, "deixa comigo", from_me=True, token="x"))
    assert result.status == "rejected"
    assert_nothing_changed(world)
    assert world.say("Oi, quanto custa?").status == "buffered"  # the real customer is still answered


def test_changing_the_instance_name_does_not_get_a_message_answered_again() -> None:
    world = guarded()
    body = world.webhooks.message("Oi", world.clock.now_ms())
    assert world.container.receive()(body).status == "buffered"
    for instance in ("filial", "outra", "simulador2"):
        again = json.loads(body)
        again["instanceName"] = instance
        assert world.container.receive()(json.dumps(again).encode()).status == "rejected"
    assert world.container.buffer().activity(CHAT).count == 1


def test_the_genuine_body_is_taken_in_and_a_forged_copy_of_it_is_not() -> None:
    world = guarded()
    genuine = world.webhooks.message("Qual o horário?", world.clock.now_ms())
    copy = json.loads(genuine)
    copy["token"] = "wrong"
    assert world.container.receive()(json.dumps(copy).encode()).status == "rejected"
    assert world.container.receive()(genuine).status == "buffered"  # the forgery claimed no id


def test_a_malformed_body_is_checked_for_authenticity_first() -> None:
    world = guarded()
    data = json.loads(world.webhooks.message("Oi", world.clock.now_ms()))
    data["message"]["fromMe"] = 12345
    authentic = world.container.receive()(json.dumps(data).encode())
    assert authentic.status == "rejected" and "fromMe" in authentic.reason
    data["token"] = "wrong"
    unauthentic = world.container.receive()(json.dumps(data).encode())
    assert "wrong token" in unauthentic.reason and "fromMe" not in unauthentic.reason
    letters = {d.id: d.source for d in world.container.dead_letters().list()}
    assert letters == {authentic.dead_letter_id: "receive", unauthentic.dead_letter_id: AUTH_SOURCE}


def test_a_body_that_is_not_json_cannot_prove_its_origin() -> None:
    world = guarded()
    result = world.container.receive()(b'{"EventType": "messages", "token": "')
    assert result.status == "rejected"
    assert result.reason.startswith("webhook body is not JSON: ") and "cannot be read" in result.reason
    assert world.container.dead_letters().list()[0].source == AUTH_SOURCE


def test_events_that_are_not_messages_are_checked_too() -> None:
    world = guarded()
    receipt = json.loads(fixture_body("synthetic__messages_update.read.json"))
    receipt.update(instanceName="simulador", owner=OWNER)
    assert world.container.receive()(json.dumps(receipt).encode()).status == "rejected"
    receipt["token"] = TOKEN
    assert world.container.receive()(json.dumps(receipt).encode()).status == "ignored"


def test_a_flood_of_forged_bodies_cannot_fill_the_dead_letter_store() -> None:
    world = guarded(rejected_max_kept=5)
    results = [world.container.receive()(forged(world, f"spam {i}", token=f"t{i}")) for i in range(40)]
    assert all(r.status == "rejected" for r in results)
    assert [bool(r.dead_letter_id) for r in results] == [True] * 5 + [False] * 35
    assert "not kept: 5 rejected bodies are waiting already" in results[-1].reason
    assert world.container.dead_letters().count(AUTH_SOURCE) == 5
    # A malformed body from the real instance is still kept: the cap is only for unauthentic ones.
    data = json.loads(world.webhooks.message("Oi", world.clock.now_ms()))
    data["message"]["chatid"] = "not-a-jid"
    assert world.container.receive()(json.dumps(data).encode()).dead_letter_id


def test_big_forged_bodies_cannot_fill_the_dead_letter_store_either() -> None:
    """The cap counts bytes too: 20 forged bodies of 4 MB must not add 80 MB."""
    world = guarded(rejected_max_bytes=10_000_000)
    big = [forged(world, "x" * 2_000_000, token=f"t{i}") for i in range(20)]  # 4 MB: text and content
    results = [world.container.receive()(body) for body in big]
    assert all(r.status == "rejected" for r in results)
    assert [bool(r.dead_letter_id) for r in results] == [True] * 2 + [False] * 18
    assert "not kept: the rejected bodies waiting would take more than 10000000 bytes" in results[-1].reason
    stores = world.container.dead_letters()
    assert stores.count(AUTH_SOURCE) == 2 and 8_000_000 < stores.size(AUTH_SOURCE) <= 10_000_000
    # Small ones still fit in what is left; the next big one does not.
    assert world.container.receive()(forged(world, "spam", token="small")).dead_letter_id
    # An authentic body is never refused for the budget: the cap is only for unauthentic ones.
    data = json.loads(world.webhooks.message("x" * 4_000_000, world.clock.now_ms()))
    data["message"]["chatid"] = "not-a-jid"
    assert world.container.receive()(json.dumps(data).encode()).dead_letter_id


def test_a_rejected_body_can_be_taken_in_once_the_token_is_fixed() -> None:
    """A misconfigured token must not silently drop real customers: the body waits to be replayed."""
    wrong = make_world(uazapi_token="the-old-token")
    body = WebhookFactory(JID, token=TOKEN).message("Oi, vocês entregam?", wrong.clock.now_ms())
    rejected = wrong.container.receive()(body)
    assert rejected.status == "rejected" and "wrong token for instance 'simulador'" in rejected.reason
    (letter,) = wrong.container.dead_letters().list()
    fixed = make_world(uazapi_token=TOKEN)
    assert fixed.container.receive()(letter.body.encode()).status == "buffered"


def test_one_token_alone_speaks_for_its_instance_and_can_pin_name_and_owner() -> None:
    body = WebhookFactory(JID, token=TOKEN).message("Oi", 0)
    assert make_world(uazapi_token=TOKEN).container.receive()(body).status == "buffered"
    pinned = make_world(uazapi_token=TOKEN, uazapi_instance="loja", uazapi_owner=OWNER)
    assert "unknown instance 'simulador'" in pinned.container.receive()(body).reason
    other_owner = make_world(uazapi_token=TOKEN, uazapi_owner="5511000000000")
    assert "names owner" in other_owner.container.receive()(body).reason


def test_with_no_token_configured_nothing_changes(world: World) -> None:
    assert world.say("Oi").status == "buffered"  # the simulator's own token is not checked
    real = fixture_body("titobahe__user-chat__from-others__text.sent.json")
    assert world.container.receive()(real).status == "buffered"


def test_the_simulator_signs_its_webhooks_with_the_configured_instance() -> None:
    from app.entrypoints.simulator.engine import signed_webhooks

    world = guarded()
    factory = signed_webhooks(world.container, JID)
    assert (factory.instance, factory.token, factory.owner) == ("simulador", TOKEN, OWNER)
    assert world.container.receive()(factory.message("Oi", 0)).status == "buffered"
