"""Each part of a reply sent once, even when a run dies between sending a part and ticking it off.

A gateway here fails one send the way a process killed or timed out mid-``/send/text`` does:
either before Uazapi has the message or after (Uazapi has it; we never heard back). The next
run must send what is missing and nothing twice.
"""

from __future__ import annotations

from collections import Counter

import pytest
from dependency_injector import providers

from app.adapters.memory.gateway import RecordingGateway
from app.domain.tracking import part_track_id
from tests.usecases.conftest import CHAT, World, make_world

QUESTION = "Quais as formas de pagamento?"


class CrashingGateway(RecordingGateway):
    """The ``fail_at``-th text send raises once: with ``delivered``, after the message went out."""

    def __init__(self, fail_at: int, delivered: bool) -> None:
        super().__init__()
        self.fail_at, self.delivered, self.sends = fail_at, delivered, 0
        self.lookups: list[str] = []
        self.lookup_error: Exception | None = None

    def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
        self.sends += 1
        if self.sends == self.fail_at:
            if self.delivered:
                super().send_text(chat_id, text, track_id)
            raise TimeoutError("uazapi did not answer in time")
        return super().send_text(chat_id, text, track_id)

    def find_sent(self, chat_id: str, track_id: str) -> bool:
        self.lookups.append(track_id)
        if self.lookup_error is not None:
            raise self.lookup_error
        return super().find_sent(chat_id, track_id)


def asked(**settings: object) -> World:
    """A world whose customer asked the payment question (a reply of several parts) and went quiet."""
    world = make_world(reply_max_chars=80, reply_max_parts=8, max_attempts=10, **settings)
    world.say(QUESTION)
    world.clock.sleep_ms(6_000)
    return world


def reference_parts() -> list[str]:
    world = asked()
    assert world.process().status == "answered"
    return world.gateway.texts()


def with_gateway(world: World, gateway: RecordingGateway) -> RecordingGateway:
    world.container.gateway.override(providers.Object(gateway))
    return gateway


def test_the_reply_has_several_distinct_parts() -> None:
    parts = reference_parts()
    assert len(parts) >= 4 and len(set(parts)) == len(parts)


def test_every_part_goes_out_with_its_own_deterministic_track_id() -> None:
    world = asked()
    claimed = world.container.buffer().claim(CHAT, world.clock.now_ms(), 60_000, 20)
    assert claimed is not None
    world.container.buffer().release(CHAT, claimed.token)
    world.process()
    sent = [e for e in world.gateway.events if e.kind == "text"]
    assert [e.track_id for e in sent] == [part_track_id(claimed.key, i) for i in range(len(sent))]
    assert len({e.track_id for e in sent}) == len(sent)


@pytest.mark.parametrize("part", range(1, 5))
def test_a_part_delivered_before_the_crash_is_not_sent_again(part: int) -> None:
    parts = reference_parts()
    world = asked()
    gateway = CrashingGateway(fail_at=part, delivered=True)
    with_gateway(world, gateway)
    with pytest.raises(TimeoutError):
        world.process()
    pending = world.container.outbox().get(CHAT)
    assert pending is not None and (pending.sent, pending.attempted) == (part - 1, part)  # outcome unknown
    result = world.process()
    assert result.status == "answered"
    assert gateway.texts() == parts  # each part exactly once, in order
    assert gateway.lookups == [part_track_id(pending.batch_key, part - 1)]  # only the unknown one
    assert result.parts_sent == len(parts) - part  # the found part was sent by the first run


@pytest.mark.parametrize("part", range(1, 5))
def test_a_part_lost_in_the_crash_is_sent_by_the_next_run(part: int) -> None:
    parts = reference_parts()
    world = asked()
    gateway = CrashingGateway(fail_at=part, delivered=False)
    with_gateway(world, gateway)
    with pytest.raises(TimeoutError):
        world.process()
    assert gateway.texts() == parts[: part - 1]
    result = world.process()
    assert result.status == "answered" and gateway.texts() == parts
    assert len(gateway.lookups) == 1 and result.parts_sent == len(parts) - part + 1


def test_a_lookup_that_fails_sends_nothing_and_leaves_the_batch_for_a_later_run() -> None:
    parts = reference_parts()
    world = asked()
    gateway = CrashingGateway(fail_at=2, delivered=True)
    with_gateway(world, gateway)
    with pytest.raises(TimeoutError):
        world.process()
    gateway.lookup_error = ConnectionError("uazapi /message/find is down")
    with pytest.raises(ConnectionError):
        world.process()
    assert gateway.texts() == parts[:2]  # nothing sent blindly
    assert world.container.buffer().activity(CHAT) is not None  # the batch is back, to be retried
    pending = world.container.outbox().get(CHAT)
    assert pending is not None and (pending.sent, pending.attempted) == (1, 2)  # still unknown
    gateway.lookup_error = None
    assert world.process().status == "answered"
    assert gateway.texts() == parts
    assert Counter(gateway.lookups)[part_track_id(pending.batch_key, 1)] == 2


def test_an_answer_without_trouble_never_looks_anything_up() -> None:
    world = asked()
    gateway = with_gateway(world, CrashingGateway(fail_at=0, delivered=False))
    assert world.process().status == "answered"
    assert isinstance(gateway, CrashingGateway) and gateway.lookups == []


def test_a_run_that_dies_on_the_typing_indicator_looks_the_part_up_then_sends_it() -> None:
    """The attempt is recorded before the typing indicator: a crash there is an unknown outcome too."""
    parts = reference_parts()
    world = asked()

    class TypingFails(CrashingGateway):
        def send_typing(self, chat_id: str, duration_ms: int) -> None:
            if len(self.texts()) == 2 and not self.lookups:
                raise ConnectionError("presence failed")
            super().send_typing(chat_id, duration_ms)

    gateway = TypingFails(fail_at=0, delivered=False)
    with_gateway(world, gateway)
    with pytest.raises(ConnectionError):
        world.process()
    assert world.process().status == "answered"
    assert gateway.texts() == parts and len(gateway.lookups) == 1
