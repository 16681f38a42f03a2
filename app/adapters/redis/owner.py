"""Redis team board, gap log and weekly figures: small keys under ``<namespace>:team:``,
``:gaps:`` and ``:week:<week>:``, each bounded (retention, a cap, or an expiry)."""

from __future__ import annotations

import json
from typing import Any

import redis

from app.adapters.redis.keys import Keys
from app.ports.figures import WeekFigures
from app.ports.gaps import DeclinedQuestion
from app.ports.team_board import WaitingChat

DAY_MS = 86_400_000
WEEK_KEEP_MS = 400 * DAY_MS  # a week's figures outlive a year of reports


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class RedisTeamBoard:
    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self._redis, self._keys = client, keys or Keys()
        ns = self._keys.namespace
        self._waiting_key, self._paused_key = f"{ns}:team:waiting", f"{ns}:team:paused"

    def open(self, waiting: WaitingChat) -> None:
        entry = {"since_ms": waiting.since_ms, "reason": waiting.reason, "name": waiting.name}
        self._redis.hset(self._waiting_key, waiting.chat_id, json.dumps(entry, ensure_ascii=False))

    def close(self, chat_id: str) -> None:
        self._redis.hdel(self._waiting_key, chat_id)

    def waiting(self, since_ms: int) -> list[WaitingChat]:
        entries: list[WaitingChat] = []
        stale: list[WaitingChat] = []
        for chat, raw in self._redis.hgetall(self._waiting_key).items():
            data = json.loads(raw)
            entry = WaitingChat(
                _text(chat), int(data["since_ms"]), str(data.get("reason", "")), str(data.get("name", ""))
            )
            (entries if entry.since_ms >= since_ms else stale).append(entry)
        if stale:
            self._redis.hdel(self._waiting_key, *[e.chat_id for e in stale])
        return sorted(entries, key=lambda w: (w.since_ms, w.chat_id))

    def note_paused(self, chat_id: str, until_ms: int) -> None:
        if until_ms > 0:
            self._redis.zadd(self._paused_key, {chat_id: until_ms})
        else:
            self._redis.zrem(self._paused_key, chat_id)

    def paused(self, now_ms: int) -> list[tuple[str, int]]:
        self._redis.zremrangebyscore(self._paused_key, "-inf", now_ms)
        found: list[Any] = list(self._redis.zrange(self._paused_key, 0, -1, withscores=True))
        return [(_text(chat), int(until)) for chat, until in found]


class RedisGapLog:
    """A sorted set of ids by time and a hash of the entries, trimmed at every record."""

    def __init__(
        self,
        client: redis.Redis,
        keys: Keys | None = None,
        retention_ms: int = 90 * DAY_MS,
        max_kept: int = 10_000,
    ) -> None:
        self._redis, self._keys = client, keys or Keys()
        ns = self._keys.namespace
        self._times, self._items = f"{ns}:gaps:times", f"{ns}:gaps:items"
        self._retention, self._max = retention_ms, max_kept

    def record(self, question: DeclinedQuestion) -> None:
        with self._redis.pipeline() as pipe:
            pipe.zadd(self._times, {question.id: question.at_ms})
            pipe.hset(self._items, question.id, json.dumps(question.to_dict(), ensure_ascii=False))
            pipe.execute()
        horizon = question.at_ms - self._retention
        old: list[Any] = list(self._redis.zrangebyscore(self._times, "-inf", f"({horizon}"))
        extra = self._redis.zcard(self._times) - len(old) - self._max
        if extra > 0:
            old += list(self._redis.zrange(self._times, len(old), len(old) + extra - 1))
        if old:
            with self._redis.pipeline() as pipe:
                pipe.zrem(self._times, *old)
                pipe.hdel(self._items, *old)
                pipe.execute()

    def since(self, since_ms: int) -> list[DeclinedQuestion]:
        ids: list[Any] = list(self._redis.zrangebyscore(self._times, since_ms, "+inf"))
        if not ids:
            return []
        raws = self._redis.hmget(self._items, ids)
        entries = [DeclinedQuestion.from_dict(json.loads(raw)) for raw in raws if raw]
        return sorted(entries, key=lambda e: (e.at_ms, e.id))


class RedisFiguresStore:
    """Per week: a set of chats, sets of answered and handed-off batches, a hash batch → ms."""

    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self._redis, self._keys = client, keys or Keys()

    def _key(self, week: str, part: str) -> str:
        return f"{self._keys.namespace}:week:{week}:{part}"

    def record(self, week: str, chat: str, batch: str, handed_off: bool, first_reply_ms: int | None) -> None:
        keys = [
            self._key(week, p) for p in ("chats", "handed-off" if handed_off else "answered", "first-reply")
        ]
        with self._redis.pipeline() as pipe:
            pipe.sadd(keys[0], chat)
            pipe.sadd(keys[1], batch)
            if first_reply_ms is not None:
                pipe.hsetnx(keys[2], batch, max(first_reply_ms, 0))
            for key in keys:
                pipe.pexpire(key, WEEK_KEEP_MS)
            pipe.execute()

    def week(self, week: str) -> WeekFigures:
        with self._redis.pipeline() as pipe:
            pipe.scard(self._key(week, "chats"))
            pipe.scard(self._key(week, "answered"))
            pipe.scard(self._key(week, "handed-off"))
            pipe.hvals(self._key(week, "first-reply"))
            chats, answered, handed_off, replies = pipe.execute()
        return WeekFigures(
            week, int(chats), int(answered), int(handed_off), tuple(sorted(int(v) for v in replies))
        )
