"""The message buffer in Redis: per-chat lists and a lease hash, changed only by Lua scripts.

Per chat: ``pending`` (waiting messages, JSON), ``inflight`` (the leased batch) and ``lease``
(token, expiry, attempts). Two indexes: ``waiting`` (chats with pending messages) and
``leases`` (chat → lease expiry, for the sweep). Every transition is one script, so two
workers racing on a chat cannot both claim it, lose a message or ack someone else's batch.

The ids of the messages taken in (``seen:<id>``, with a TTL) live here too: the append
records the id in the same script, so an id is never recorded without its message.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import redis

from app.adapters.redis.keys import Keys
from app.domain.debounce import BufferActivity
from app.domain.messages import Batch, BufferedMessage

# KEYS: pending, inflight, lease, waiting, leases. Shared helper: put the in-flight batch back first.
_REQUEUE = """
local function requeue(chat)
  local items = redis.call('LRANGE', KEYS[2], 0, -1)
  for i = #items, 1, -1 do redis.call('LPUSH', KEYS[1], items[i]) end
  redis.call('DEL', KEYS[2])
  redis.call('HDEL', KEYS[3], 'token', 'expires')
  redis.call('ZREM', KEYS[5], chat)
  if redis.call('LLEN', KEYS[1]) > 0 then redis.call('SADD', KEYS[4], chat) end
end
local function live(now)
  local token = redis.call('HGET', KEYS[3], 'token')
  if not token then return nil end
  if tonumber(redis.call('HGET', KEYS[3], 'expires')) > now then return token end
  return false
end
"""

# KEYS: the buffer's five, then the message id's ``seen`` key. ARGV: message, chat, ttl_ms, stamp.
# The id is recorded and the message appended in one step, or neither: 0 means a duplicate.
APPEND = """
if not redis.call('SET', KEYS[6], ARGV[4], 'NX', 'PX', ARGV[3]) then return 0 end
local n = redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[2])
return n
"""

# ARGV: now, lease_ms, max_items, token, chat
CLAIM = (
    _REQUEUE
    + """
local now = tonumber(ARGV[1])
local state = live(now)
if state then return nil end
if state == false then requeue(ARGV[5]) end
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)
if #items == 0 then return nil end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[2], unpack(items))
local attempts = redis.call('HINCRBY', KEYS[3], 'attempts', 1)
local expires = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[3], 'token', ARGV[4], 'expires', expires)
redis.call('ZADD', KEYS[5], expires, ARGV[5])
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[4], ARGV[5]) end
table.insert(items, 1, attempts)
return items
"""
)

# ARGV: token, now, lease_ms, chat
HOLDS = """
if redis.call('HGET', KEYS[3], 'token') ~= ARGV[1] then return 0 end
local now = tonumber(ARGV[2])
if tonumber(redis.call('HGET', KEYS[3], 'expires')) <= now then return 0 end
local expires = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[3], 'expires', expires)
redis.call('ZADD', KEYS[5], expires, ARGV[4])
return 1
"""

# ARGV: token, chat
ACK = """
if redis.call('HGET', KEYS[3], 'token') ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('ZREM', KEYS[5], ARGV[2])
return 1
"""

# ARGV: token, chat
RELEASE = (
    _REQUEUE
    + """
if redis.call('HGET', KEYS[3], 'token') ~= ARGV[1] then return 0 end
requeue(ARGV[2])
return 1
"""
)

# ARGV: now, chat
REQUEUE_IF_EXPIRED = (
    _REQUEUE
    + """
if live(tonumber(ARGV[1])) == false then requeue(ARGV[2]) return 1 end
redis.call('ZREM', KEYS[5], ARGV[2])
if redis.call('HEXISTS', KEYS[3], 'token') == 1 then
  redis.call('ZADD', KEYS[5], redis.call('HGET', KEYS[3], 'expires'), ARGV[2])
end
return 0
"""
)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisMessageBuffer:
    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self._redis = client
        self._keys = keys or Keys()
        self._append = client.register_script(APPEND)
        self._claim = client.register_script(CLAIM)
        self._holds = client.register_script(HOLDS)
        self._ack = client.register_script(ACK)
        self._release = client.register_script(RELEASE)
        self._requeue = client.register_script(REQUEUE_IF_EXPIRED)

    def append(self, chat_id: str, message: BufferedMessage, dedup_ttl_ms: int) -> int | None:
        payload = json.dumps(message.to_dict(), ensure_ascii=False)
        keys = [*self._keys.buffer(chat_id), self._keys.seen(message.message_id)]
        args: list[str | int] = [payload, chat_id, max(dedup_ttl_ms, 1), message.received_ms]
        return int(self._append(keys=keys, args=args)) or None

    def activity(self, chat_id: str) -> BufferActivity | None:
        items = self._redis.lrange(self._keys.chat(chat_id, "pending"), 0, -1)
        if not items:
            return None
        arrivals = [int(json.loads(item)["received_ms"]) for item in items]
        return BufferActivity(min(arrivals), max(arrivals), len(arrivals))

    def claim(self, chat_id: str, now_ms: int, lease_ms: int, max_items: int) -> Batch | None:
        token = uuid.uuid4().hex
        reply = self._claim(
            keys=self._keys.buffer(chat_id), args=[now_ms, lease_ms, max_items, token, chat_id]
        )
        if not reply:
            return None
        attempts, *items = reply
        messages = tuple(BufferedMessage.from_dict(json.loads(item)) for item in items)
        return Batch(chat_id, token, messages, int(attempts))

    def holds(self, chat_id: str, token: str, now_ms: int, lease_ms: int) -> bool:
        keys = self._keys.buffer(chat_id)
        return bool(self._holds(keys=keys, args=[token, now_ms, lease_ms, chat_id]))

    def ack(self, chat_id: str, token: str) -> bool:
        return bool(self._ack(keys=self._keys.buffer(chat_id), args=[token, chat_id]))

    def release(self, chat_id: str, token: str) -> bool:
        return bool(self._release(keys=self._keys.buffer(chat_id), args=[token, chat_id]))

    def requeue_expired(self, now_ms: int) -> list[str]:
        due = [_text(c) for c in self._redis.zrangebyscore(self._keys.leases, "-inf", now_ms)]
        keys = self._keys.buffer
        return [c for c in due if self._requeue(keys=keys(c), args=[now_ms, c])]

    def waiting_chats(self) -> list[str]:
        chats = sorted(_text(c) for c in self._redis.smembers(self._keys.waiting))
        pipe = self._redis.pipeline(transaction=False)
        for chat in chats:
            pipe.hexists(self._keys.chat(chat, "lease"), "token")
        leased = pipe.execute()
        return [chat for chat, is_leased in zip(chats, leased, strict=True) if not is_leased]


class RedisIdempotencyGuard:
    """``seen:<id>`` keys with a TTL, shared with the buffer's append script."""

    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self._redis, self._keys = client, keys or Keys()

    def seen(self, key: str, now_ms: int) -> bool:
        return bool(self._redis.exists(self._keys.seen(key)))

    def claim(self, key: str, now_ms: int, ttl_ms: int) -> bool:
        return bool(self._redis.set(self._keys.seen(key), now_ms, nx=True, px=max(ttl_ms, 1)))
