"""Concurrency proof on a real Redis: several receivers, several processors, one answer each.

1,000 messages for 50 chats arrive in random bursts (some webhooks delivered twice) at
three receiver processes while three processor processes answer concurrently. Every
message must end in exactly one reply batch. Then a processor is killed with SIGKILL in
the middle of a batch: its lease expires, the sweep requeues, the batch is answered once.

Workers are forked processes running the real use cases built by the real container; the
gateway records each sent message in Redis (``sent`` list) so the test can see them all.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import time
import uuid
from collections import Counter
from typing import Any

import redis as redis_lib
from dependency_injector import providers

from app.container import Container, build_container
from app.domain.conversation import Turn
from app.domain.messages import Answer, MediaRef, Outcome, Passage
from app.entrypoints.simulator.webhooks import WebhookFactory
from app.ports.messaging import DownloadedMedia
from app.settings import Settings
from tests.names import unique_name

CHATS = 50
MESSAGES = 1_000
CTX = mp.get_context("fork")


class RedisRecordingGateway:
    """Records sends in a Redis list shared by every worker; optionally slow, to be killed."""

    def __init__(self, url: str, namespace: str, send_delay_s: float = 0.0) -> None:
        self._redis = redis_lib.Redis.from_url(url)
        self._sent = f"{namespace}:test:sent"
        self._started = f"{namespace}:test:sending"
        self._delay = send_delay_s

    def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
        self._redis.rpush(self._started, chat_id)
        time.sleep(self._delay)
        self._redis.rpush(self._sent, json.dumps({"chat": chat_id, "text": text, "track_id": track_id}))
        return uuid.uuid4().hex

    def find_sent(self, chat_id: str, track_id: str) -> bool:
        sent = (json.loads(raw) for raw in self._redis.lrange(self._sent, 0, -1))
        return bool(track_id) and any(s["chat"] == chat_id and s["track_id"] == track_id for s in sent)

    def send_typing(self, chat_id: str, duration_ms: int) -> None:
        return None

    def mark_read(self, chat_id: str, message_ids: list[str]) -> None:
        return None

    def flag_handoff(self, chat_id: str) -> None:
        return None

    def download_media(self, media: MediaRef, transcribe: bool = False) -> DownloadedMedia:
        raise LookupError(media.message_id)


class EchoAnswerer:
    """Answers with the batch itself, so the test can tell which messages each reply covers."""

    def answer(self, question: str, history: list[Turn], passages: list[Passage]) -> Answer:
        return Answer(" ".join(question.split()), outcome=Outcome.SMALL_TALK)  # not the KB's fallback


def container(url: str, namespace: str, send_delay_s: float = 0.0, lease_ms: int = 5_000) -> Container:
    settings = Settings(
        state="redis",
        dead_letters="redis",
        redis_url=url,
        redis_namespace=namespace,
        quiet_ms=150,
        max_wait_ms=1_000,
        max_batch=20,
        typing_min_ms=0,
        typing_max_ms=0,
        typing_ms_per_char=0,
        reply_max_chars=4_000,
        lease_ms=lease_ms,
        sweep_grace_ms=0,  # the sweep takes any chat due: these tests are about crashed processors
        sweep_rescue_cooldown_ms=0,
    )
    c = build_container(settings)
    c.gateway.override(providers.Object(RedisRecordingGateway(url, namespace, send_delay_s)))
    c.answerer.override(providers.Object(EchoAnswerer()))
    return c


def receiver(url: str, namespace: str, bodies: list[tuple[float, bytes]]) -> None:
    c = container(url, namespace)
    receive, todo = c.receive(), redis_lib.Redis.from_url(url)
    start = time.monotonic()
    for at, body in bodies:
        time.sleep(max(0.0, start + at - time.monotonic()))
        result = receive(body)
        if result.should_process:
            todo.rpush(f"{namespace}:test:todo", result.chat_id)


def processor(url: str, namespace: str, stop_at: float) -> None:
    c = container(url, namespace)
    process, sweep, todo = c.process(), c.sweep(), redis_lib.Redis.from_url(url)
    while time.monotonic() < stop_at and not todo.exists(f"{namespace}:test:stop"):
        item = todo.blpop([f"{namespace}:test:todo"], timeout=0.2)
        chats = [item[1].decode()] if item else sweep().overdue
        for chat in chats:
            result = process(chat, 2_000)
            if result.status in {"waiting", "busy"}:
                todo.rpush(f"{namespace}:test:todo", chat)


def bursts(seed: int) -> tuple[list[tuple[float, bytes]], dict[str, str]]:
    """1,000 text webhooks for 50 chats, in bursts of 1–6 messages ~0.1 s apart, 5 % sent twice.

    Also returns which chat (JID) each message text belongs to.
    """
    rng = random.Random(seed)
    factories = [WebhookFactory(f"55419{i:08d}@s.whatsapp.net") for i in range(CHATS)]
    owner: dict[str, str] = {}
    timeline: list[tuple[float, bytes]] = []
    sent, clock = 0, 0.0
    while sent < MESSAGES:
        chat = rng.randrange(CHATS)
        for _ in range(min(rng.randint(1, 6), MESSAGES - sent)):
            clock += rng.uniform(0.0, 0.01)
            owner[f"m{sent:04d}"] = factories[chat].chat_id
            body = factories[chat].message(f"m{sent:04d}", int(time.time() * 1000))
            timeline.append((clock + rng.uniform(0, 0.1), body))
            if rng.random() < 0.05:
                timeline.append((clock + rng.uniform(0.1, 0.5), body))
            sent += 1
    return sorted(timeline, key=lambda item: item[0]), owner


def sent_replies(client: redis_lib.Redis, namespace: str) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in client.lrange(f"{namespace}:test:sent", 0, -1)]


def answered_ids(replies: list[dict[str, Any]]) -> Counter[str]:
    return Counter(word for reply in replies for word in reply["text"].split() if word.startswith("m"))


def test_many_receivers_and_processors_answer_every_message_exactly_once(redis_url: str) -> None:
    namespace = unique_name("load")
    client = redis_lib.Redis.from_url(redis_url)
    timeline, owner = bursts(seed=7)
    shares = [timeline[i::3] for i in range(3)]
    stop_at = time.monotonic() + 120
    workers = [CTX.Process(target=processor, args=(redis_url, namespace, stop_at)) for _ in range(3)]
    workers += [CTX.Process(target=receiver, args=(redis_url, namespace, share)) for share in shares]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(answered_ids(sent_replies(client, namespace))) < MESSAGES:
        time.sleep(0.2)
    time.sleep(1.0)  # anything answered twice would show up now
    client.set(f"{namespace}:test:stop", 1)
    for worker in workers:
        worker.join(timeout=30)
    replies = sent_replies(client, namespace)
    ids = answered_ids(replies)
    assert len(ids) == MESSAGES, f"{MESSAGES - len(ids)} message(s) never answered"
    assert [i for i, n in ids.items() if n > 1] == [], "message(s) answered twice"
    for reply in replies:  # a reply only covers messages of its own chat
        jid = reply["chat"].split("/")[1]
        assert {owner[m] for m in reply["text"].split()} == {jid}
    assert all(w.exitcode == 0 for w in workers)


def test_a_processor_killed_mid_batch_is_answered_once_after_the_sweep(redis_url: str) -> None:
    namespace = unique_name("kill")
    client = redis_lib.Redis.from_url(redis_url)
    factory = WebhookFactory("5541900000001@s.whatsapp.net")
    receive = container(redis_url, namespace).receive()
    for i in range(3):
        chat = receive(factory.message(f"m{i:04d}", int(time.time() * 1000))).chat_id
    time.sleep(0.3)  # quiet period

    def slow_processor() -> None:
        container(redis_url, namespace, send_delay_s=30, lease_ms=2_000).process()(chat, 0)

    victim = CTX.Process(target=slow_processor)
    victim.start()
    assert client.blpop([f"{namespace}:test:sending"], timeout=20), "the processor never started sending"
    os.kill(victim.pid or 0, signal.SIGKILL)
    victim.join(timeout=10)
    assert victim.exitcode == -signal.SIGKILL
    survivor = container(redis_url, namespace)
    assert survivor.process()(chat, 0).status in {"idle", "busy"}  # the batch is still leased
    time.sleep(2.2)  # the dead processor's lease expires
    swept = survivor.sweep()()
    assert swept.requeued == [chat] and swept.overdue == [chat]
    result = survivor.process()(chat, 0)
    assert result.status == "answered" and result.messages == 3 and result.batches == 1
    assert result.reason  # flushed for a stated reason
    assert answered_ids(sent_replies(client, namespace)) == Counter({"m0000": 1, "m0001": 1, "m0002": 1})
    assert survivor.sweep()().overdue == []
