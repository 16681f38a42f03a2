"""Redis stores for the small per-chat facts: history, switches, the outbox.

Seen message ids are in ``buffer`` (the append records them); dead letters in ``dead_letters``.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import redis

from app.adapters.redis.keys import Keys
from app.domain.chat_rules import ChatState
from app.domain.conversation import Conversation
from app.domain.messages import Source
from app.ports.outbox import PendingReply


class RedisConversationStore:
    """One JSON value per chat that expires with the session: Redis forgets for us."""

    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self._redis, self._keys = client, keys or Keys()

    def load(self, chat_id: str) -> Conversation:
        raw = self._redis.get(self._keys.chat(chat_id, "history"))
        return Conversation.from_dict(json.loads(raw)) if raw else Conversation()

    def save(self, chat_id: str, conversation: Conversation, ttl_ms: int) -> None:
        payload = json.dumps(conversation.to_dict(), ensure_ascii=False)
        self._redis.set(self._keys.chat(chat_id, "history"), payload, px=max(ttl_ms, 1))


class RedisChatStateStore:
    def __init__(self, client: redis.Redis, keys: Keys | None = None) -> None:
        self._redis, self._keys = client, keys or Keys()

    def get(self, chat_id: str) -> ChatState:
        paused, opted = self._redis.hmget(self._keys.chat(chat_id, "state"), "paused_until_ms", "opted_out")
        return ChatState(int(paused or 0), (opted or b"0") == b"1")

    def pause(self, chat_id: str, until_ms: int) -> None:
        self._redis.hset(self._keys.chat(chat_id, "state"), "paused_until_ms", until_ms)

    def set_opted_out(self, chat_id: str, opted_out: bool) -> None:
        self._redis.hset(self._keys.chat(chat_id, "state"), "opted_out", int(opted_out))


# ARGV: batch key, field ('sent' or 'attempted'), value. Only moves forward, and only for the
# reply to that batch; a part known to be sent was attempted, so 'sent' carries 'attempted' along.
_ADVANCE = """
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local reply = cjson.decode(raw)
if reply['batch_key'] ~= ARGV[1] then return 0 end
local value = tonumber(ARGV[3])
if value <= tonumber(reply[ARGV[2]] or 0) then return 0 end
reply[ARGV[2]] = value
if ARGV[2] == 'sent' and value > tonumber(reply['attempted'] or 0) then reply['attempted'] = value end
redis.call('SET', KEYS[1], cjson.encode(reply), 'KEEPTTL')
return 1
"""


class RedisReplyOutbox:
    def __init__(self, client: redis.Redis, keys: Keys | None = None, ttl_ms: int = 7 * 86_400_000) -> None:
        self._redis, self._keys, self._ttl = client, keys or Keys(), ttl_ms
        self._advance = client.register_script(_ADVANCE)

    def get(self, chat_id: str) -> PendingReply | None:
        raw = self._redis.get(self._keys.chat(chat_id, "outbox"))
        if not raw:
            return None
        data = json.loads(raw)
        return PendingReply(
            data["batch_key"],
            tuple(data["parts"]),
            tuple(data["typing_ms"]),
            data["sent"],
            data["handoff"],
            max(int(data.get("attempted", 0)), data["sent"]),  # absent in replies stored before it existed
            # Absent before answers named their sources; Lua's cjson turns an empty list into {}.
            tuple(Source.from_dict(s) for s in data.get("sources") or [] if isinstance(s, dict)),
            bool(data.get("fallback", False)),
            str(data.get("handoff_reason", "")),
        )

    def put(self, chat_id: str, reply: PendingReply) -> None:
        payload = json.dumps(asdict(reply), ensure_ascii=False)
        self._redis.set(self._keys.chat(chat_id, "outbox"), payload, px=self._ttl)

    def mark_attempted(self, chat_id: str, batch_key: str, attempted: int) -> None:
        self._advance(keys=[self._keys.chat(chat_id, "outbox")], args=[batch_key, "attempted", attempted])

    def mark_sent(self, chat_id: str, batch_key: str, sent: int) -> None:
        self._advance(keys=[self._keys.chat(chat_id, "outbox")], args=[batch_key, "sent", sent])

    def clear(self, chat_id: str) -> None:
        self._redis.delete(self._keys.chat(chat_id, "outbox"))
