"""The Redis adapters under the same contracts as the in-memory fakes, on a real server.

Each test gets its own key namespace, so tests never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from app.adapters.redis import buffer, dead_letters, owner, stores
from app.adapters.redis.connection import connect
from app.adapters.redis.keys import Keys


def _with(cls: Callable[..., Any]) -> Callable[[pytest.FixtureRequest], Any]:
    def factory(request: pytest.FixtureRequest) -> Any:
        client = connect(request.getfixturevalue("redis_url"))
        request.addfinalizer(client.close)
        return cls(client, Keys(f"test-{uuid.uuid4().hex[:10]}"))

    return factory


def _intake(request: pytest.FixtureRequest) -> Any:
    client = connect(request.getfixturevalue("redis_url"))
    request.addfinalizer(client.close)
    keys = Keys(f"test-{uuid.uuid4().hex[:10]}")
    return buffer.RedisMessageBuffer(client, keys), buffer.RedisIdempotencyGuard(client, keys)


def _gap_log_of(request: pytest.FixtureRequest) -> Any:
    """A builder: the gap log's bounds are the contract's to choose."""
    client = connect(request.getfixturevalue("redis_url"))
    request.addfinalizer(client.close)
    keys = Keys(f"test-{uuid.uuid4().hex[:10]}")
    return lambda **bounds: owner.RedisGapLog(client, keys, **bounds)


FACTORIES = {
    "buffer": {"redis": _with(buffer.RedisMessageBuffer)},
    "intake": {"redis": _intake},
    "conversations": {"redis": _with(stores.RedisConversationStore)},
    "chat_state": {"redis": _with(stores.RedisChatStateStore)},
    "idempotency": {"redis": _with(buffer.RedisIdempotencyGuard)},
    "outbox": {"redis": _with(stores.RedisReplyOutbox)},
    "dead_letters": {"redis": _with(dead_letters.RedisDeadLetterStore)},
    "gap_log_of": {"redis": _gap_log_of},
    "team_board": {"redis": _with(owner.RedisTeamBoard)},
    "figures": {"redis": _with(owner.RedisFiguresStore)},
}
