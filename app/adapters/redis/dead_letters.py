"""Dead letters in Redis: a hash of letters by id, ids sorted by time, ids and bytes per source.

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

# KEYS: items, times, bytes. ARGV: id, namespace prefix of the per-source sets. The letter names its source.
_DELETE = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return 0 end
local source = cjson.decode(raw)['source']
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', ARGV[2] .. source, ARGV[1])
if redis.call('HEXISTS', KEYS[3], source) == 1 then redis.call('HINCRBY', KEYS[3], source, -#raw) end
return 1
"""

# KEYS: items, times, the source's set, bytes. ARGV: id, letter (JSON), time, source.
# A letter put again replaces its older copy: the source's bytes change by the difference.
_PUT = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
if redis.call('HEXISTS', KEYS[4], ARGV[4]) == 1 then
  redis.call('HINCRBY', KEYS[4], ARGV[4], #ARGV[2] - (old and #old or 0))
end
return 1
"""

# KEYS: items, the source's set, bytes. ARGV: source. Letters kept before the byte counts
# existed are counted once, the first time it is asked; the put and delete scripts keep it after.
_SIZE = """
local size = redis.call('HGET', KEYS[3], ARGV[1])
if size then return tonumber(size) end
local total = 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  total = total + redis.call('HSTRLEN', KEYS[1], id)
end
redis.call('HSET', KEYS[3], ARGV[1], total)
return total
"""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _letter(raw: Any) -> DeadLetter:
    return DeadLetter.from_json(raw)


class RedisDeadLetterStore:
    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self._redis, self._keys = client, keys or Keys()
        self._delete = client.register_script(_DELETE)
        self._put = client.register_script(_PUT)
        self._size = client.register_script(_SIZE)

    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        letter = DeadLetter(dead_letter_id(source, body), source, reason, body, now_ms)
        self._store([letter])
        return letter.id

    def _store(self, letters: list[DeadLetter], trim_legacy: int = 0) -> None:
        pipe = self._redis.pipeline(transaction=True)
        keys = self._keys
        for letter in letters:
            self._put(
                keys=[
                    keys.dead_letter_items,
                    keys.dead_letter_times,
                    keys.dead_letter_source(letter.source),
                    keys.dead_letter_bytes,
                ],
                args=[letter.id, letter.to_json(), letter.at_ms, letter.source],
                client=pipe,
            )
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

    def size(self, source: str) -> int:
        keys = [
            self._keys.dead_letter_items,
            self._keys.dead_letter_source(source),
            self._keys.dead_letter_bytes,
        ]
        return int(self._size(keys=keys, args=[source]))

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
        keys = [self._keys.dead_letter_items, self._keys.dead_letter_times, self._keys.dead_letter_bytes]
        return bool(self._delete(keys=keys, args=[letter_id, self._keys.dead_letter_source("")]))
