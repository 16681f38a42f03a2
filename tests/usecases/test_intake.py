"""Intake: a message id is recorded only together with what the message does.

Buffered messages have their id recorded by the buffer's atomic append; state changes
(takeover, opt-out, opt-in) are made first and the id recorded after. A cheap "seen?" check
first spares a duplicate the media extraction. (A ``receive`` killed at every instant on a
real Redis: ``tests/integration/test_kill_receive.py``.)
"""

from __future__ import annotations

from typing import Any

import pytest
from dependency_injector import providers

from tests.usecases.conftest import World


class Counting:
    def __init__(self, target: Any) -> None:
        self.target, self.calls = target, 0

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.target, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return value(*args, **kwargs)

        return call


def test_a_duplicate_is_recognised_before_the_media_is_read(world: World) -> None:
    media = Counting(world.container.media())
    world.container.media.override(providers.Object(media))
    body = world.webhooks.message("Oi", world.clock.now_ms())
    assert world.container.receive()(body).status == "buffered"
    assert world.container.receive()(body).status == "duplicate"
    assert media.calls == 1


def test_two_deliveries_past_the_check_are_buffered_once(world: World) -> None:
    """Both pass the non-authoritative check (a race); the atomic append lets one in."""

    class NeverSeen:
        def __init__(self, guard: Any) -> None:
            self.guard = guard

        def seen(self, key: str, now_ms: int) -> bool:
            return False

        def claim(self, key: str, now_ms: int, ttl_ms: int) -> bool:
            return bool(self.guard.claim(key, now_ms, ttl_ms))

    world.container.idempotency.override(providers.Object(NeverSeen(world.container.idempotency())))
    body = world.webhooks.message("Oi", world.clock.now_ms())
    results = [world.container.receive()(body) for _ in range(3)]
    assert [r.status for r in results] == ["buffered", "duplicate", "duplicate"]
    assert world.container.buffer().activity(results[0].chat_id).count == 1  # type: ignore[union-attr]


def test_a_takeover_whose_pause_failed_is_retried_not_taken_for_a_duplicate(world: World) -> None:
    state = world.container.chat_state()

    class FailingOnce:
        failed = False

        def __getattr__(self, name: str) -> Any:
            return getattr(state, name)

        def pause(self, chat_id: str, until_ms: int) -> None:
            if not self.failed:
                self.failed = True
                raise ConnectionError("redis is down")
            state.pause(chat_id, until_ms)

    world.container.chat_state.override(providers.Object(FailingOnce()))
    body = world.webhooks.message("deixa comigo", world.clock.now_ms(), from_me=True)
    with pytest.raises(ConnectionError):
        world.container.receive()(body)
    taken = world.container.receive()(body)
    assert taken.status == "takeover"
    assert state.get(taken.chat_id).paused_until_ms > world.clock.now_ms()
    assert world.container.receive()(body).status == "duplicate"


def test_an_opt_out_delivered_twice_is_confirmed_once(world: World) -> None:
    body = world.webhooks.message("parar", world.clock.now_ms())
    assert world.container.receive()(body).status == "opted_out"
    assert world.container.receive()(body).status == "duplicate"
    assert sum("voltar" in text for text in world.gateway.texts()) == 1
