"""The outbox contract for sending each part once: attempts are recorded before the send."""

from __future__ import annotations

import uuid
from dataclasses import replace

from app.domain.messages import Source
from app.ports.outbox import PendingReply, ReplyOutbox

PARTS = ("um", "dois", "três", "quatro")
REPLY = PendingReply("b1", PARTS, (800, 900, 1000, 1100))


def test_a_new_reply_has_nothing_attempted(outbox: ReplyOutbox) -> None:
    chat = uuid.uuid4().hex
    outbox.put(chat, REPLY)
    got = outbox.get(chat)
    assert got is not None and (got.sent, got.attempted) == (0, 0)


def test_an_attempt_is_kept_until_the_part_is_sent(outbox: ReplyOutbox) -> None:
    chat = uuid.uuid4().hex
    outbox.put(chat, REPLY)
    outbox.mark_attempted(chat, "b1", 1)
    got = outbox.get(chat)
    assert got is not None and (got.sent, got.attempted) == (0, 1)  # part 1: outcome unknown
    outbox.mark_sent(chat, "b1", 1)
    outbox.mark_attempted(chat, "b1", 2)
    got = outbox.get(chat)
    assert got is not None and (got.sent, got.attempted) == (1, 2)
    assert got.parts == PARTS and got.typing_ms == REPLY.typing_ms  # the rest is untouched


def test_attempts_only_move_forward_and_only_for_their_batch(outbox: ReplyOutbox) -> None:
    chat = uuid.uuid4().hex
    outbox.put(chat, REPLY)
    outbox.mark_attempted(chat, "b1", 3)
    outbox.mark_attempted(chat, "b1", 2)
    outbox.mark_attempted(chat, "another-batch", 4)
    got = outbox.get(chat)
    assert got is not None and got.attempted == 3 and got.sent == 0


def test_sent_parts_count_as_attempted(outbox: ReplyOutbox) -> None:
    chat = uuid.uuid4().hex
    outbox.put(chat, REPLY)
    outbox.mark_sent(chat, "b1", 2)
    got = outbox.get(chat)
    assert got is not None and (got.sent, got.attempted) == (2, 2)


def test_marks_on_a_missing_or_cleared_reply_do_nothing(outbox: ReplyOutbox) -> None:
    chat = uuid.uuid4().hex
    outbox.mark_attempted(chat, "b1", 1)
    outbox.mark_sent(chat, "b1", 1)
    assert outbox.get(chat) is None
    outbox.put(chat, REPLY)
    outbox.clear(chat)
    outbox.mark_attempted(chat, "b1", 1)
    assert outbox.get(chat) is None


def test_a_reply_put_again_starts_over(outbox: ReplyOutbox) -> None:
    chat = uuid.uuid4().hex
    outbox.put(chat, REPLY)
    outbox.mark_attempted(chat, "b1", 2)
    outbox.put(chat, PendingReply("b2", ("novo",), (800,)))
    got = outbox.get(chat)
    assert got is not None and (got.batch_key, got.sent, got.attempted) == ("b2", 0, 0)


def test_the_reply_s_sources_and_fallback_flag_survive_the_outbox(outbox: ReplyOutbox) -> None:
    chat = uuid.uuid4().hex
    sources = (Source("faq.md", "Horário", 0.93), Source("pagamentos.md", "", 0.61))
    outbox.put(chat, replace(REPLY, sources=sources, fallback=True))
    outbox.mark_attempted(chat, "b1", 1)
    outbox.mark_sent(chat, "b1", 1)
    got = outbox.get(chat)
    assert got is not None and got.sources == sources and got.fallback and got.sent == 1
    outbox.put(chat, REPLY)  # none: an empty list (Redis's Lua turns it into {} on the next update)
    outbox.mark_sent(chat, "b1", 2)
    got = outbox.get(chat)
    assert got is not None and got.sources == () and not got.fallback
