"""The message buffer contract: ordering, leases as per-chat locks, requeue, attempts, and the
message ids it records with each append (shared with the idempotency guard)."""

from __future__ import annotations

import time
import uuid
from dataclasses import replace

from app.domain.messages import BufferedMessage
from app.ports.buffer import MessageBuffer
from app.ports.idempotency import IdempotencyGuard

LEASE = 10_000
TTL = 86_400_000  # how long a message id is remembered


def msg(text: str, at: int) -> BufferedMessage:
    return BufferedMessage(message_id=f"id-{text}-{uuid.uuid4().hex[:6]}", text=text, received_ms=at)


def chat() -> str:
    return f"55{uuid.uuid4().int % 10**11:011d}@s.whatsapp.net"


def texts(batch: object) -> list[str]:
    return [m.text for m in batch.messages]  # type: ignore[attr-defined]


def test_append_counts_waiting_messages_and_tracks_activity(buffer: MessageBuffer) -> None:
    c = chat()
    assert buffer.activity(c) is None
    assert buffer.append(c, msg("a", 1_000), TTL) == 1
    assert buffer.append(c, msg("b", 2_500), TTL) == 2
    activity = buffer.activity(c)
    assert activity is not None
    assert (activity.first_ms, activity.last_ms, activity.count) == (1_000, 2_500, 2)


def test_claim_takes_messages_in_order_up_to_the_limit(buffer: MessageBuffer) -> None:
    c = chat()
    for i, t in enumerate("abc"):
        buffer.append(c, msg(t, 1_000 + i), TTL)
    batch = buffer.claim(c, 5_000, LEASE, 2)
    assert batch is not None and texts(batch) == ["a", "b"]
    assert batch.chat_id == c and batch.token and batch.attempts == 1
    assert buffer.activity(c).count == 1  # type: ignore[union-attr]


def test_claim_on_an_empty_chat_returns_none(buffer: MessageBuffer) -> None:
    assert buffer.claim(chat(), 5_000, LEASE, 10) is None


def test_a_leased_chat_cannot_be_claimed_twice(buffer: MessageBuffer) -> None:
    c = chat()
    buffer.append(c, msg("a", 1_000), TTL)
    assert buffer.claim(c, 5_000, LEASE, 10) is not None
    buffer.append(c, msg("b", 6_000), TTL)
    assert buffer.claim(c, 6_000, LEASE, 10) is None


def test_message_arriving_during_a_batch_goes_to_the_next_batch(buffer: MessageBuffer) -> None:
    c = chat()
    buffer.append(c, msg("a", 1_000), TTL)
    first = buffer.claim(c, 5_000, LEASE, 10)
    assert first is not None
    assert buffer.append(c, msg("b", 6_000), TTL) == 1  # the chat woke up again: a processor must start
    assert buffer.ack(c, first.token)
    second = buffer.claim(c, 7_000, LEASE, 10)
    assert second is not None and texts(second) == ["b"]


def test_ack_needs_the_lease_token(buffer: MessageBuffer) -> None:
    c = chat()
    buffer.append(c, msg("a", 1_000), TTL)
    batch = buffer.claim(c, 5_000, LEASE, 10)
    assert batch is not None
    assert not buffer.ack(c, "not-the-token")
    assert buffer.claim(c, 5_001, LEASE, 10) is None  # still leased
    assert buffer.ack(c, batch.token)
    assert not buffer.ack(c, batch.token)  # only once
    assert buffer.activity(c) is None


def test_release_puts_the_batch_back_in_front_and_counts_attempts(buffer: MessageBuffer) -> None:
    c = chat()
    buffer.append(c, msg("a", 1_000), TTL)
    buffer.append(c, msg("b", 1_100), TTL)
    batch = buffer.claim(c, 5_000, LEASE, 10)
    assert batch is not None
    buffer.append(c, msg("c", 6_000), TTL)
    assert not buffer.release(c, "not-the-token")
    assert buffer.release(c, batch.token)
    again = buffer.claim(c, 7_000, LEASE, 10)
    assert again is not None and texts(again) == ["a", "b", "c"]
    assert again.attempts == 2
    assert buffer.ack(c, again.token)
    buffer.append(c, msg("d", 8_000), TTL)
    fresh = buffer.claim(c, 9_000, LEASE, 10)
    assert fresh is not None and fresh.attempts == 1


def test_requeued_messages_keep_their_arrival_time(buffer: MessageBuffer) -> None:
    c = chat()
    buffer.append(c, msg("a", 1_000), TTL)
    batch = buffer.claim(c, 5_000, LEASE, 10)
    assert batch is not None
    buffer.release(c, batch.token)
    activity = buffer.activity(c)
    assert activity is not None and activity.first_ms == 1_000


def test_holds_extends_a_live_lease_only(buffer: MessageBuffer) -> None:
    c = chat()
    buffer.append(c, msg("a", 1_000), TTL)
    batch = buffer.claim(c, 5_000, LEASE, 10)
    assert batch is not None
    assert buffer.holds(c, batch.token, 5_000 + LEASE - 1, LEASE)  # extended to 5000+2*LEASE-1
    assert buffer.claim(c, 5_000 + LEASE + 1, LEASE, 10) is None
    assert not buffer.holds(c, "other", 6_000, LEASE)
    assert not buffer.holds(c, batch.token, 5_000 + 3 * LEASE, LEASE)


def test_an_expired_lease_is_requeued_by_the_sweep(buffer: MessageBuffer) -> None:
    c = chat()
    buffer.append(c, msg("a", 1_000), TTL)
    batch = buffer.claim(c, 5_000, LEASE, 10)
    assert batch is not None
    assert c not in buffer.requeue_expired(5_000 + LEASE - 1)
    assert c not in buffer.waiting_chats()
    assert c in buffer.requeue_expired(5_000 + LEASE + 1)
    assert c in buffer.waiting_chats()
    assert not buffer.ack(c, batch.token)  # the dead processor's token is worthless now
    again = buffer.claim(c, 5_000 + LEASE + 2, LEASE, 10)
    assert again is not None and texts(again) == ["a"] and again.attempts == 2


def test_an_expired_lease_is_taken_over_by_the_next_claim(buffer: MessageBuffer) -> None:
    c = chat()
    buffer.append(c, msg("a", 1_000), TTL)
    batch = buffer.claim(c, 5_000, LEASE, 10)
    assert batch is not None
    buffer.append(c, msg("b", 6_000), TTL)
    again = buffer.claim(c, 5_000 + LEASE + 1, LEASE, 10)
    assert again is not None and texts(again) == ["a", "b"]
    assert not buffer.holds(c, batch.token, 5_000 + LEASE + 2, LEASE)


def test_chats_are_independent(buffer: MessageBuffer) -> None:
    c1, c2 = chat(), chat()
    buffer.append(c1, msg("a", 1_000), TTL)
    buffer.append(c2, msg("b", 1_000), TTL)
    assert buffer.claim(c1, 5_000, LEASE, 10) is not None
    second = buffer.claim(c2, 5_000, LEASE, 10)
    assert second is not None and texts(second) == ["b"]


def test_message_fields_survive_the_round_trip(buffer: MessageBuffer) -> None:
    c = chat()
    original = BufferedMessage(
        message_id="inst:ABC",
        text="Olá, ação!",
        received_ms=1_234,
        sender_name="Ana",
        wa_message_id="ABC",
        note="nota",
    )
    buffer.append(c, original, TTL)
    batch = buffer.claim(c, 5_000, LEASE, 10)
    assert batch is not None and batch.messages == (original,)


# The buffer and the guard of one deployment: an append records the message id, atomically.
Intake = tuple[MessageBuffer, IdempotencyGuard]


def test_the_same_message_id_is_appended_once(intake: Intake) -> None:
    buffer, _ = intake
    c, other = chat(), chat()
    first = msg("a", 1_000)
    assert buffer.append(c, first, TTL) == 1
    assert buffer.append(c, first, TTL) is None
    assert buffer.append(c, replace(first, text="changed", received_ms=2_000), TTL) is None
    assert buffer.append(other, first, TTL) is None  # an id is global, not per chat
    activity = buffer.activity(c)
    assert activity is not None and activity.count == 1 and activity.last_ms == 1_000
    assert buffer.activity(other) is None and other not in buffer.waiting_chats()
    assert buffer.append(c, msg("b", 1_500), TTL) == 2


def test_an_id_is_remembered_after_its_batch_was_answered(intake: Intake) -> None:
    buffer, _ = intake
    c, first = chat(), msg("a", 1_000)
    buffer.append(c, first, TTL)
    batch = buffer.claim(c, 5_000, LEASE, 10)
    assert batch is not None and buffer.ack(c, batch.token)
    assert buffer.append(c, first, TTL) is None
    assert buffer.activity(c) is None


def test_an_appended_id_is_seen_by_the_guard_and_a_claimed_one_is_not_appended(intake: Intake) -> None:
    buffer, guard = intake
    c, now = chat(), int(time.time() * 1000)
    appended, claimed = msg("a", now), msg("b", now)
    assert not guard.seen(appended.message_id, now)
    buffer.append(c, appended, TTL)
    assert guard.seen(appended.message_id, now + 1)
    assert not guard.claim(appended.message_id, now + 1, TTL)
    assert guard.claim(claimed.message_id, now, TTL)
    assert buffer.append(c, claimed, TTL) is None
    assert buffer.activity(c).count == 1  # type: ignore[union-attr]


def test_an_id_is_forgotten_after_the_dedup_ttl(intake: Intake) -> None:
    buffer, guard = intake
    c, now = chat(), int(time.time() * 1000)
    first = msg("a", now)
    assert buffer.append(c, first, 50) == 1
    time.sleep(0.12)
    assert not guard.seen(first.message_id, now + 120)
    assert buffer.append(c, replace(first, received_ms=now + 120), 50) == 2
