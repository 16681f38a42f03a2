"""One Redis client per process, built from a URL."""

from __future__ import annotations

import redis


def connect(url: str) -> redis.Redis:
    """A client with short timeouts: a command that hangs is worse than one that fails and retries."""
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)
