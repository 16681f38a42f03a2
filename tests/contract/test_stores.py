"""Contracts of the small stores: conversations, chat state, idempotency, outbox, dead letters."""

from __future__ import annotations

import time
import uuid

from app.domain.conversation import Conversation, Role, Turn
from app.ports.chat_state import ChatStateStore
from app.ports.conversations import ConversationStore
from app.ports.dead_letters import DeadLetterStore, dead_letter_id
from app.ports.idempotency import IdempotencyGuard
from app.ports.outbox import PendingReply, ReplyOutbox

DAY = 86_400_000


def key() -> str:
    return uuid.uuid4().hex


def test_conversation_round_trip(conversations: ConversationStore) -> None:
    c = key()
    assert conversations.load(c) == Conversation()
    convo = Conversation((Turn(Role.CUSTOMER, "Oi, ação", 1), Turn(Role.ASSISTANT, "Olá!", 2)))
    conversations.save(c, convo, DAY)
    assert conversations.load(c) == convo
    assert conversations.load(key()) == Conversation()


def test_chat_state_pause_and_opt_out(chat_state: ChatStateStore) -> None:
    c, other = key(), key()
    assert not chat_state.get(c).opted_out and chat_state.get(c).paused_until_ms == 0
    chat_state.pause(c, 123_456)
    chat_state.set_opted_out(c, True)
    state = chat_state.get(c)
    assert state.paused_until_ms == 123_456 and state.opted_out
    chat_state.set_opted_out(c, False)
    assert not chat_state.get(c).opted_out and chat_state.get(c).paused_until_ms == 123_456
    assert chat_state.get(other).paused_until_ms == 0


def test_idempotency_claims_once(idempotency: IdempotencyGuard) -> None:
    k, now = key(), int(time.time() * 1000)
    assert not idempotency.seen(k, now)
    assert idempotency.claim(k, now, DAY)
    assert idempotency.seen(k, now + 1)
    assert not idempotency.claim(k, now + 1, DAY)
    assert idempotency.claim(key(), now, DAY)


def test_idempotency_forgets_after_the_ttl(idempotency: IdempotencyGuard) -> None:
    k, now = key(), int(time.time() * 1000)
    assert idempotency.claim(k, now, 50)
    time.sleep(0.12)
    assert not idempotency.seen(k, now + 120)
    assert idempotency.claim(k, now + 120, 50)


def test_outbox_tracks_sent_parts_of_one_batch(outbox: ReplyOutbox) -> None:
    c = key()
    assert outbox.get(c) is None
    reply = PendingReply("b1", ("um", "dois", "três"), (800, 900, 1000), 0, True)
    outbox.put(c, reply)
    assert outbox.get(c) == reply
    outbox.mark_sent(c, "b1", 2)
    outbox.mark_sent(c, "other-batch", 3)
    outbox.mark_sent(c, "b1", 1)  # never goes back
    got = outbox.get(c)
    assert got is not None and got.sent == 2 and got.parts == ("um", "dois", "três") and got.handoff
    outbox.clear(c)
    assert outbox.get(c) is None


def test_dead_letters_keep_the_body_exactly(dead_letters: DeadLetterStore) -> None:
    body = '{"broken": "açaí 🍞",\n  '
    first = dead_letters.put("receive", "not JSON", body, 1_000)
    second = dead_letters.put("process", "failed 3 times", "{}", 2_000)
    assert first and second and first != second
    letters = dead_letters.list()
    assert [d.id for d in letters[:2]] == [second, first]
    kept = next(d for d in letters if d.id == first)
    assert (kept.source, kept.reason, kept.body, kept.at_ms) == ("receive", "not JSON", body, 1_000)
    assert len(dead_letters.list(limit=1)) == 1


def test_the_same_body_rejected_again_is_one_letter(dead_letters: DeadLetterStore) -> None:
    """Kestra retries a failed receive three times: one letter, with the latest reason and time."""
    body = '{"token": "wrong", "text": "olá"}'
    ids = {dead_letters.put("receive", f"attempt {n}", body, 1_000 * n) for n in (1, 2, 3)}
    assert ids == {dead_letter_id("receive", body)}
    (letter_id,) = ids
    same = [d for d in dead_letters.list() if d.body == body]
    assert len(same) == 1 and (same[0].reason, same[0].at_ms) == ("attempt 3", 3_000)
    assert dead_letters.get(letter_id) == same[0]
    assert dead_letters.count("receive") == 1
    other = dead_letters.put("auth", "forged", body, 4_000)  # another source: another letter
    assert other != letter_id and dead_letters.count("auth") == 1
    assert [d.id for d in dead_letters.list()][:2] == [other, letter_id]


def test_a_re_put_letter_moves_to_the_top(dead_letters: DeadLetterStore) -> None:
    older = dead_letters.put("receive", "one", "body one", 1_000)
    newer = dead_letters.put("receive", "two", "body two", 2_000)
    assert [d.id for d in dead_letters.list()] == [newer, older]
    dead_letters.put("receive", "one again", "body one", 3_000)
    assert [d.id for d in dead_letters.list()] == [older, newer]
    assert dead_letters.count("receive") == 2


def test_dead_letters_are_got_and_deleted_by_id(dead_letters: DeadLetterStore) -> None:
    kept = dead_letters.put("receive", "not JSON", "{oops", 1_000)
    gone = dead_letters.put("auth", "forged", "{}", 2_000)
    assert dead_letters.get("no-such-letter") is None
    letter = dead_letters.get(gone)
    assert letter is not None and (letter.source, letter.reason, letter.body) == ("auth", "forged", "{}")
    assert dead_letters.delete(gone)
    assert not dead_letters.delete(gone)
    assert dead_letters.get(gone) is None and dead_letters.count("auth") == 0
    assert [d.id for d in dead_letters.list()] == [kept]
    assert dead_letters.count("receive") == 1


def test_any_text_is_kept_even_a_lone_surrogate(dead_letters: DeadLetterStore) -> None:
    body = '{"text": "meio \ud800 caractere", "nome": "açaí 🍞"}'
    letter_id = dead_letters.put("receive", "reason with \udfff too", body, 1_000)
    kept = dead_letters.get(letter_id)
    assert kept is not None and kept.body == body and kept.reason == "reason with \udfff too"
    assert [d.body for d in dead_letters.list()] == [body]


def test_the_bytes_a_source_takes_follow_puts_re_puts_and_deletes(dead_letters: DeadLetterStore) -> None:
    def expected(source: str) -> int:
        return sum(len(d.to_json()) for d in dead_letters.list(1_000) if d.source == source)

    assert dead_letters.size("auth") == 0
    big = dead_letters.put("auth", "forged", "x" * 5_000, 1_000)
    dead_letters.put("auth", "forged", "{}", 2_000)
    dead_letters.put("receive", "not JSON", "{oops", 3_000)
    assert dead_letters.size("auth") == expected("auth") > 5_000
    dead_letters.put("auth", "forged again, with a longer reason", "x" * 5_000, 4_000)  # one letter, replaced
    assert dead_letters.size("auth") == expected("auth")
    assert dead_letters.delete(big)
    assert dead_letters.size("auth") == expected("auth") < 200
    assert dead_letters.size("receive") == expected("receive") > 0
