"""The debounce decision: when a burst of customer messages is answered."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from app.domain.debounce import BufferActivity, DebounceRules, Flush, Idle, Wait, decide

RULES = DebounceRules(quiet_ms=5_000, max_wait_ms=30_000, max_batch=20)
PROPERTY = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize("activity", [None, BufferActivity(1_000, 2_000, 0), BufferActivity(0, 0, -1)])
def test_nothing_waiting_is_idle(activity: BufferActivity | None) -> None:
    assert decide(activity, 10_000, RULES) == Idle()


def test_recent_message_waits_for_the_quiet_period() -> None:
    assert decide(BufferActivity(first_ms=1_000, last_ms=1_000, count=1), 2_000, RULES) == Wait(4_000)


def test_flushes_once_the_customer_went_quiet() -> None:
    activity = BufferActivity(first_ms=1_000, last_ms=3_000, count=3)
    assert decide(activity, 7_999, RULES) == Wait(1)
    assert decide(activity, 8_000, RULES) == Flush("customer went quiet")


def test_flushes_at_max_wait_even_while_typing() -> None:
    activity = BufferActivity(first_ms=0, last_ms=29_000, count=10)
    assert decide(activity, 29_500, RULES) == Wait(500)
    assert decide(activity, 30_000, RULES) == Flush("maximum wait reached")


def test_flushes_a_full_batch_immediately() -> None:
    activity = BufferActivity(first_ms=1_000, last_ms=1_000, count=20)
    assert decide(activity, 1_000, RULES) == Flush("batch is full")
    assert decide(BufferActivity(1_000, 1_000, 19), 1_000, RULES) == Wait(5_000)


@pytest.mark.parametrize(
    ("first", "last", "now", "expected"),
    [
        (0, 0, 0, 5_000),  # quiet deadline comes first
        (0, 4_000, 6_000, 3_000),  # last + quiet = 9_000
        (0, 27_000, 28_000, 2_000),  # first + max_wait = 30_000 < last + quiet = 32_000
        (10_000, 38_000, 39_000, 1_000),  # 40_000 < 43_000
    ],
)
def test_wait_is_until_the_earlier_deadline(first: int, last: int, now: int, expected: int) -> None:
    assert decide(BufferActivity(first, last, 2), now, RULES) == Wait(expected)


rules_strategy = st.builds(
    DebounceRules,
    quiet_ms=st.integers(1, 60_000),
    max_wait_ms=st.integers(1, 300_000),
    max_batch=st.integers(1, 50),
)


@st.composite
def situations(draw: st.DrawFn) -> tuple[BufferActivity, int, DebounceRules]:
    rules = draw(rules_strategy)
    first = draw(st.integers(0, 10**12))
    last = first + draw(st.integers(0, 400_000))
    now = last + draw(st.integers(0, 400_000))
    count = draw(st.integers(1, 60))
    return BufferActivity(first, last, count), now, rules


@st.composite
def waiting_situations(draw: st.DrawFn) -> tuple[BufferActivity, int, DebounceRules]:
    """A chat with messages still inside both the quiet period and the maximum wait."""
    rules = draw(rules_strategy.filter(lambda r: r.max_batch > 1))
    first = draw(st.integers(0, 10**12))
    now = first + draw(st.integers(0, rules.max_wait_ms - 1))
    # the last message is at most quiet_ms old; a little clock skew may put it after "now"
    last = max(first, now - draw(st.integers(-2_000, rules.quiet_ms - 1)))
    count = draw(st.integers(1, rules.max_batch - 1))
    return BufferActivity(first, last, count), now, rules


@PROPERTY
@given(st.one_of(waiting_situations(), situations()))
def test_property_wait_is_positive_and_never_past_max_wait(situation: tuple) -> None:
    activity, now, rules = situation
    decision = decide(activity, now, rules)
    if not isinstance(decision, Wait):
        return
    assert decision.ms > 0
    assert now + decision.ms <= activity.first_ms + rules.max_wait_ms
    assert now + decision.ms <= activity.last_ms + rules.quiet_ms
    expected = min(activity.last_ms + rules.quiet_ms, activity.first_ms + rules.max_wait_ms) - now
    assert decision.ms == expected


@PROPERTY
@given(waiting_situations())
def test_property_waiting_chat_gets_a_wait(situation: tuple) -> None:
    activity, now, rules = situation
    assert isinstance(decide(activity, now, rules), Wait)


@PROPERTY
@given(waiting_situations())
def test_property_at_the_deadline_the_decision_is_flush(situation: tuple) -> None:
    activity, now, rules = situation
    decision = decide(activity, now, rules)
    assert isinstance(decision, Wait)
    assert isinstance(decide(activity, now + decision.ms, rules), Flush)
    if decision.ms > 1:
        assert isinstance(decide(activity, now + decision.ms - 1, rules), Wait)


@PROPERTY
@given(situations(), st.integers(0, 10**7))
def test_property_flush_is_monotone_in_time(situation: tuple, later: int) -> None:
    activity, now, rules = situation
    decision = decide(activity, now, rules)
    assume(isinstance(decision, Flush))
    assert isinstance(decide(activity, now + later, rules), Flush)


@PROPERTY
@given(situations())
def test_property_decision_is_never_idle_with_messages_waiting(situation: tuple) -> None:
    activity, now, rules = situation
    decision = decide(activity, now, rules)
    assert not isinstance(decision, Idle)
    if activity.count >= rules.max_batch:
        assert decision == Flush("batch is full")
