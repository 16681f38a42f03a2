"""One Redis client per process, built from a URL, that fails fast.

Every command has a connection timeout and a socket timeout and is never retried by the
client (the callers' callers retry: Kestra re-runs a failed task). Once the server has
not answered in time, the rest of this process's commands fail at once for a while instead
of each waiting out its own timeout: a ``receive`` against a hung Redis fails in one
timeout, then keeps the body in the local dead-letter folder without waiting again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.client import Pipeline
from redis.retry import Retry

T = TypeVar("T")

# How long a timed-out server is not waited on again (a one-shot command is over by then).
FAIL_FAST_SECONDS = 30.0


class _Breaker:
    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self.until = 0.0
        self.error: redis.TimeoutError | None = None

    def check(self) -> None:
        if self.error is not None and time.monotonic() < self.until:
            raise redis.TimeoutError(f"{self.error} (not waiting for it again)")

    def trip(self, error: redis.TimeoutError) -> None:
        self.error, self.until = error, time.monotonic() + self.window_s

    def call(self, command: Callable[..., T], *args: Any, **options: Any) -> T:
        """``command``, unless the server timed out lately; a timeout now trips the breaker."""
        self.check()
        try:
            return command(*args, **options)
        except redis.TimeoutError as error:
            self.trip(error)
            raise


class FailFastPipeline(Pipeline):
    breaker: _Breaker

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        return self.breaker.call(super().execute, raise_on_error)


class FailFastRedis(redis.Redis):
    breaker: _Breaker

    def execute_command(self, *args: Any, **options: Any) -> Any:
        return self.breaker.call(super().execute_command, *args, **options)

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> FailFastPipeline:
        pipe = FailFastPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.breaker = self.breaker
        return pipe


def connect(
    url: str,
    connect_timeout_s: float = 1.0,
    socket_timeout_s: float = 1.0,
    fail_fast_s: float = FAIL_FAST_SECONDS,
) -> redis.Redis:
    """A client whose every call fails within the timeouts, with no retry multiplying them."""
    client = FailFastRedis.from_url(
        url,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=connect_timeout_s,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=30,
    )
    assert isinstance(client, FailFastRedis)
    client.breaker = _Breaker(fail_fast_s)
    return client
