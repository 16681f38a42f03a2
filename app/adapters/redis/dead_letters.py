"""Dead letters in Redis: a hash of letters by id, ids sorted by time, and ids per source.

The id is derived from the source and the body (:func:`dead_letter_id`), so a body rejected
again overwrites its letter (new reason, new time) instead of adding one. Nothing is trimmed:
a letter leaves when ``conversa replay`` took it in, or when someone deletes it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import redis

from app.adapters.redis.keys import Keys
from app.ports.dead_letters import DeadLetter, dead_letter_id

# KEYS: items, times. ARGV: id, namespace prefix of the per-source sets. The letter names its source.
_DELETE = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', ARGV[2] .. cjson.decode(raw)['source'], ARGV[1])
return 1
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _letter(raw: Any) -> DeadLetter:
    return DeadLetter.from_json(raw)


class RedisDeadLetterStore:
    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self._redis, self._keys = client, keys or Keys()
        self._delete = client.register_script(_DELETE)

    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        letter = DeadLetter(dead_letter_id(source, body), source, reason, body, now_ms)
        self._store([letter])
        return letter.id

    def _store(self, letters: list[DeadLetter], trim_legacy: int = 0) -> None:
        pipe = self._redis.pipeline(transaction=True)
        for letter in letters:
            pipe.hset(self._keys.dead_letter_items, letter.id, letter.to_json())
            pipe.zadd(self._keys.dead_letter_times, {letter.id: letter.at_ms})
            pipe.zadd(self._keys.dead_letter_source(letter.source), {letter.id: letter.at_ms})
        if trim_legacy:
            pipe.ltrim(self._keys.dead_letters, 0, -trim_legacy - 1)
        pipe.execute()

    def _migrate_legacy(self) -> None:
        """Move the letters of older versions (a list, newest first, random ids) to stable ids."""
        raw = self._redis.lrange(self._keys.dead_letters, 0, -1)
        if raw:
            old = [_letter(item) for item in reversed(raw)]  # oldest first: the newest copy wins
            self._store([replace(d, id=dead_letter_id(d.source, d.body)) for d in old], len(raw))

    def count(self, source: str) -> int:
        return int(self._redis.zcard(self._keys.dead_letter_source(source)))

    def list(self, limit: int = 100) -> list[DeadLetter]:
        self._migrate_legacy()
        if limit <= 0:
            return []
        ids = [_text(i) for i in self._redis.zrevrange(self._keys.dead_letter_times, 0, limit - 1)]
        if not ids:
            return []
        raw = self._redis.hmget(self._keys.dead_letter_items, ids)
        return [_letter(item) for item in raw if item is not None]

    def get(self, letter_id: str) -> DeadLetter | None:
        self._migrate_legacy()
        raw = self._redis.hget(self._keys.dead_letter_items, letter_id)
        return _letter(raw) if raw is not None else None

    def delete(self, letter_id: str) -> bool:
        keys = [self._keys.dead_letter_items, self._keys.dead_letter_times]
        return bool(self._delete(keys=keys, args=[letter_id, self._keys.dead_letter_source("")]))
