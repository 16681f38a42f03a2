"""A chat's memory: bounded history, forgotten after the session expires."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.conversation import Conversation, MemoryRules, Role, Turn

DAY = 24 * 60 * 60 * 1000
RULES = MemoryRules(max_turns=4, session_ms=DAY)


def turns(count: int, start_ms: int = 0) -> list[Turn]:
    roles = [Role.CUSTOMER, Role.ASSISTANT]
    return [Turn(roles[i % 2], f"mensagem {i}", start_ms + i) for i in range(count)]


def test_empty_conversation() -> None:
    conversation = Conversation()
    assert conversation.last_at_ms == 0
    assert not conversation.expired(10**12, RULES)


def test_history_is_bounded_to_the_most_recent_turns() -> None:
    conversation = Conversation().with_turns(turns(3), now_ms=10, rules=RULES)
    conversation = conversation.with_turns(turns(3, start_ms=100), now_ms=110, rules=RULES)
    assert [t.at_ms for t in conversation.turns] == [2, 100, 101, 102]
    assert len(conversation.turns) == RULES.max_turns


def test_zero_max_turns_keeps_nothing() -> None:
    rules = MemoryRules(max_turns=0, session_ms=DAY)
    assert Conversation().with_turns(turns(3), now_ms=5, rules=rules).turns == ()


def test_with_turns_returns_a_new_conversation() -> None:
    original = Conversation(tuple(turns(1)))
    updated = original.with_turns(turns(1, start_ms=5), now_ms=5, rules=RULES)
    assert len(original.turns) == 1
    assert len(updated.turns) == 2


def test_session_expires_strictly_after_session_ms_of_silence() -> None:
    conversation = Conversation(tuple(turns(2, start_ms=1_000)))  # last turn at 1_001
    assert not conversation.expired(1_001 + DAY, RULES)
    assert conversation.current(1_001 + DAY, RULES) is conversation
    assert conversation.expired(1_002 + DAY, RULES)
    assert conversation.current(1_002 + DAY, RULES).turns == ()


def test_with_turns_after_expiry_starts_fresh() -> None:
    old = Conversation(tuple(turns(3)))
    new_turns = turns(2, start_ms=3 * DAY)
    fresh = old.with_turns(new_turns, now_ms=3 * DAY, rules=RULES)
    assert list(fresh.turns) == new_turns


def test_with_turns_within_the_session_keeps_history() -> None:
    old = Conversation(tuple(turns(2)))
    kept = old.with_turns(turns(1, start_ms=DAY - 10), now_ms=DAY - 10, rules=RULES)
    assert [t.text for t in kept.turns] == ["mensagem 0", "mensagem 1", "mensagem 0"]


def test_round_trip_through_json() -> None:
    conversation = Conversation(
        (Turn(Role.CUSTOMER, "Olá, vocês entregam?", 1), Turn(Role.ASSISTANT, "Sim! 🚚", 2))
    )
    data = json.loads(json.dumps(conversation.to_dict()))
    assert data == {
        "turns": [
            {"role": "customer", "text": "Olá, vocês entregam?", "at_ms": 1},
            {"role": "assistant", "text": "Sim! 🚚", "at_ms": 2},
        ]
    }
    assert Conversation.from_dict(data) == conversation
    assert Conversation.from_dict({}) == Conversation()


turn_strategy = st.builds(Turn, st.sampled_from(list(Role)), st.text(max_size=30), st.integers(0, 10**13))


@settings(max_examples=200, deadline=None)
@given(st.lists(turn_strategy, max_size=10))
def test_property_round_trip(items: list[Turn]) -> None:
    conversation = Conversation(tuple(items))
    assert Conversation.from_dict(json.loads(json.dumps(conversation.to_dict()))) == conversation


@settings(max_examples=200, deadline=None)
@given(
    st.lists(turn_strategy, max_size=10),
    st.lists(turn_strategy, max_size=10),
    st.integers(1, 8),
    st.integers(0, 10**13),
)
def test_property_with_turns_is_bounded_and_ends_with_the_new_turns(
    old: list[Turn], new: list[Turn], max_turns: int, now: int
) -> None:
    rules = MemoryRules(max_turns=max_turns, session_ms=DAY)
    result = Conversation(tuple(old)).with_turns(new, now, rules)
    assert len(result.turns) <= max_turns
    kept = min(len(new), max_turns)
    assert list(result.turns[len(result.turns) - kept :]) == new[len(new) - kept :]


def test_a_history_names_the_batch_it_recorded_last_and_reads_older_ones_without() -> None:
    rules = MemoryRules()
    recorded = Conversation().with_turns([Turn(Role.CUSTOMER, "oi", 1)], 1, rules, "m1,m2")
    assert recorded.records("m1,m2") and not recorded.records("m3") and not Conversation().records("")
    assert Conversation.from_dict(recorded.to_dict()) == recorded
    assert Conversation.from_dict({"turns": [{"role": "customer", "text": "oi", "at_ms": 1}]}).batch_key == ""
