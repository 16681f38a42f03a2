"""Business hours: the parser, whether the team is there, and what the customer is promised."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.schedule import BusinessHours, ScheduleError, Window, parse_holidays, parse_hours

SP = ZoneInfo("America/Sao_Paulo")
HOURS = "seg-sex 08:00-18:00; sab 08:00-12:00"


def at(text: str, zone: ZoneInfo = SP) -> int:
    """Epoch ms of a wall-clock time in São Paulo (2026-12-02 is a Wednesday)."""
    return int(datetime.fromisoformat(text).replace(tzinfo=zone).timestamp() * 1000)


def hours(holidays: str = "", text: str = HOURS, timezone: str = "America/Sao_Paulo") -> BusinessHours:
    return BusinessHours.parse(text, holidays, timezone)


def test_the_schedule_reads_days_ranges_and_several_spellings() -> None:
    assert parse_hours("seg-sex 08:00-18:00; sab 08:00-12:00")[:1] == (Window(0, 480, 1080),)
    assert len(parse_hours(HOURS)) == 6
    assert parse_hours("Sábado 8h-12h30") == (Window(5, 480, 750),)
    assert parse_hours("seg, qua 8h-12h,13h-18h") == (
        Window(0, 480, 720),
        Window(0, 780, 1080),
        Window(2, 480, 720),
        Window(2, 780, 1080),
    )
    assert parse_hours("dom 00:00-24:00") == (Window(6, 0, 1440),)
    assert parse_hours("") == () and parse_hours(" ; ") == ()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("seg-sex 8-18x", "'8-18x' is not a range"),
        ("xyz 08:00-10:00", "'xyz' is not a day"),
        ("seg 10:00-09:00", "ends before it starts"),
        ("sex-seg 08:00-10:00", "runs backwards"),
        ("seg", "needs days and hours"),
        ("08:00-18:00", "needs days and hours"),
        ("seg 25:00-26:00", "is not a time of day"),
        ("seg 08:61-09:00", "is not a time"),
    ],
)
def test_a_malformed_schedule_is_one_clear_line(text: str, says: str) -> None:
    with pytest.raises(ScheduleError) as error:
        parse_hours(text)
    message = str(error.value)
    assert message.startswith("CONVERSA_BUSINESS_HOURS: ") and says in message and "\n" not in message


def test_holidays_are_dates_or_yearly_days_and_anything_else_is_refused() -> None:
    dates, yearly = parse_holidays("2026-12-25, 01-01; 2027-04-21")
    assert {d.isoformat() for d in dates} == {"2026-12-25", "2027-04-21"} and yearly == {(1, 1)}
    for bad in ("25/12", "2026-13-01", "02-30", "natal"):
        with pytest.raises(ScheduleError, match="CONVERSA_HOLIDAYS"):
            parse_holidays(bad)


def test_an_unknown_timezone_is_refused() -> None:
    with pytest.raises(ScheduleError, match="CONVERSA_TIMEZONE: 'Mars/Olympus'"):
        hours(timezone="Mars/Olympus")


def test_open_and_closed_follow_the_business_clock() -> None:
    h = hours("2026-12-25")
    assert h.is_open(at("2026-12-02T08:00")) and h.is_open(at("2026-12-02T17:59"))
    assert not h.is_open(at("2026-12-02T18:00")) and not h.is_open(at("2026-12-02T07:59"))
    assert h.is_open(at("2026-12-05T11:00")) and not h.is_open(at("2026-12-05T13:00"))  # Saturday
    assert not h.is_open(at("2026-12-06T10:00"))  # Sunday
    assert not h.is_open(at("2026-12-25T10:00"))  # Christmas, a Friday
    # 11:00 UTC is 08:00 in São Paulo: the timezone is the business's, not the server's.
    assert h.is_open(at("2026-12-02T11:00", ZoneInfo("UTC")))
    assert not hours(timezone="Asia/Tokyo").is_open(at("2026-12-02T11:00", ZoneInfo("UTC")))


@pytest.mark.parametrize(
    ("now", "promise"),
    [
        ("2026-12-02T06:00", "nossa equipe responde a partir de hoje às 8h"),
        ("2026-12-02T23:00", "nossa equipe responde a partir de amanhã às 8h"),
        ("2026-12-04T19:00", "nossa equipe responde a partir de amanhã às 8h"),  # Friday → Saturday
        ("2026-12-05T13:00", "nossa equipe responde a partir de segunda-feira às 8h"),  # the weekend
        ("2026-12-06T10:00", "nossa equipe responde a partir de amanhã às 8h"),  # Sunday
        (
            "2026-12-24T19:00",
            "nossa equipe volta depois do feriado e responde a partir de sábado (26/12) às 8h",
        ),
        ("2026-12-25T10:00", "nossa equipe volta depois do feriado e responde a partir de amanhã às 8h"),
    ],
)
def test_the_promise_says_today_tomorrow_a_weekday_or_after_the_holiday(now: str, promise: str) -> None:
    assert hours("2026-12-25").when_phrase(at(now)) == promise


def test_the_promise_counts_a_holiday_after_a_weekend_and_long_closures() -> None:
    assert hours("2026-12-07").when_phrase(at("2026-12-05T13:00")) == (
        "nossa equipe volta depois do feriado e responde a partir de terça-feira (08/12) às 8h"
    )
    assert hours(text="seg 14h30-18h").when_phrase(at("2026-12-02T10:00")) == (
        "nossa equipe responde a partir de segunda-feira às 14h30"
    )
    fortnight = hours("2026-12-07, 2026-12-14", text="seg 09:00-10:00")
    assert fortnight.when_phrase(at("2026-12-02T10:00")) == (
        "nossa equipe volta depois do feriado e responde a partir de segunda-feira, 21/12, às 9h"
    )


def test_no_hours_means_always_open_and_nothing_to_promise() -> None:
    h = BusinessHours()
    assert h.always_open and h.is_open(at("2026-12-25T03:00")) and h.when_phrase(at("2026-12-25T03:00")) == ""
    assert hours().when_phrase(at("2026-12-02T10:00")) == ""  # open now


def test_a_yearly_holiday_closes_every_year() -> None:
    h = hours("12-25")
    assert not h.is_open(at("2026-12-25T10:00")) and not h.is_open(at("2031-12-25T10:00"))
    assert h.is_open(at("2026-12-24T10:00"))


@given(st.integers(min_value=at("2026-01-01T00:00"), max_value=at("2028-12-31T00:00")))
def test_the_next_opening_is_open_and_later_and_closed_until_then(now: int) -> None:
    h = hours("2026-12-25, 01-01")
    opening = h.next_opening(now)
    if h.is_open(now):
        assert opening is None
        return
    assert opening is not None
    start = int(opening.timestamp() * 1000)
    assert start > now and h.is_open(start)
    assert not h.is_open(start - 60_000) or start - 60_000 <= now
