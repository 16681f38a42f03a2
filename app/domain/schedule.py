"""The business's opening hours: when a person of the team can answer, and how to tell the customer.

The bot answers from the knowledge base at any hour; the hours only decide what a *handoff*
promises. Within hours a person is coming now; outside them the customer is told when
("nossa equipe responde a partir de amanhã às 8h"), in the words that fit: today, tomorrow,
a weekday after a weekend, or after a holiday.

``CONVERSA_BUSINESS_HOURS`` reads ``seg-sex 08:00-18:00; sab 08:00-12:00``: entries split by
``;``, each a set of days (``seg-sex``, ``sab``, ``seg,qua,sex``; Portuguese three-letter
names, accents and full names accepted) and one or more time ranges (``08:00-12:00,13:00-18:00``,
``8h-18h``, ``8h30-12h``). No hours configured: always open (a person may come at any time).
``CONVERSA_HOLIDAYS`` lists closed dates, ``2026-12-25`` (that day) or ``12-25`` (every year).

Pure: times are epoch milliseconds in, the timezone (``zoneinfo``, standard library) turns them
into the business's wall clock; nothing here reads a clock or a file of its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "America/Sao_Paulo"
DAYS = ("seg", "ter", "qua", "qui", "sex", "sab", "dom")  # Monday first, as date.weekday()
WEEKDAY_NAMES = (
    "segunda-feira",
    "terça-feira",
    "quarta-feira",
    "quinta-feira",
    "sexta-feira",
    "sábado",
    "domingo",
)
DAY_MINUTES = 24 * 60
_TIME = re.compile(r"(\d{1,2})(?:[:h](\d{2})?)?h?")
_RANGE = re.compile(r"([0-9:h]+)\s*-\s*([0-9:h]+)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_YEARLY = re.compile(r"(\d{2})-(\d{2})")


class ScheduleError(ValueError):
    """A schedule, holiday list or timezone that cannot be read: one line saying what is wrong."""


@dataclass(frozen=True, slots=True)
class Window:
    """Open on ``weekday`` (0 = Monday) from ``start`` to ``end``, minutes after midnight."""

    weekday: int
    start: int
    end: int


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _day(name: str, entry: str) -> int:
    short = _fold(name)[:3]
    if short not in DAYS:
        raise ScheduleError(
            f"CONVERSA_BUSINESS_HOURS: {name!r} is not a day (seg ter qua qui sex sab dom) in {entry!r}"
        )
    return DAYS.index(short)


def _days(spec: str, entry: str) -> list[int]:
    days: list[int] = []
    for part in spec.replace(" ", ",").split(","):
        if not part.strip():
            continue
        first, dash, last = part.partition("-")
        if not dash:
            days.append(_day(first, entry))
            continue
        start, end = _day(first, entry), _day(last, entry)
        if end < start:
            raise ScheduleError(f"CONVERSA_BUSINESS_HOURS: {part.strip()!r} runs backwards in {entry!r}")
        days.extend(range(start, end + 1))
    if not days:
        raise ScheduleError(f"CONVERSA_BUSINESS_HOURS: no day in {entry!r}")
    return days


def _minutes(text: str, entry: str) -> int:
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ScheduleError(f"CONVERSA_BUSINESS_HOURS: {text!r} is not a time (08:00, 8h, 8h30) in {entry!r}")
    hours, minutes = int(match.group(1)), int(match.group(2) or 0)
    if hours > 24 or minutes > 59 or (hours == 24 and minutes):
        raise ScheduleError(f"CONVERSA_BUSINESS_HOURS: {text!r} is not a time of day in {entry!r}")
    return hours * 60 + minutes


def _ranges(spec: str, entry: str) -> list[tuple[int, int]]:
    ranges = []
    for part in spec.split(","):
        if not part.strip():
            continue
        match = _RANGE.fullmatch(part.strip())
        if not match:
            raise ScheduleError(
                f"CONVERSA_BUSINESS_HOURS: {part.strip()!r} is not a range like 08:00-18:00 in {entry!r}"
            )
        start, end = _minutes(match.group(1), entry), _minutes(match.group(2), entry)
        if end <= start:
            raise ScheduleError(
                f"CONVERSA_BUSINESS_HOURS: {part.strip()!r} ends before it starts in {entry!r}"
            )
        ranges.append((start, end))
    if not ranges:
        raise ScheduleError(f"CONVERSA_BUSINESS_HOURS: no hours in {entry!r}")
    return ranges


def parse_hours(text: str) -> tuple[Window, ...]:
    """``seg-sex 08:00-18:00; sab 08:00-12:00`` → the windows, by weekday and start."""
    windows: list[Window] = []
    for raw in text.split(";"):
        entry = " ".join(raw.split())
        if not entry:
            continue
        split = re.match(r"([^\d]*)(.*)", entry)
        days, hours = (split.group(1).strip(), split.group(2).strip()) if split else ("", "")
        if not days or not hours:
            raise ScheduleError(
                f"CONVERSA_BUSINESS_HOURS: {entry!r} needs days and hours, like 'seg-sex 08:00-18:00'"
            )
        for weekday in _days(days, entry):
            windows.extend(Window(weekday, s, e) for s, e in _ranges(hours.replace(" ", ""), entry))
    return tuple(sorted(windows, key=lambda w: (w.weekday, w.start)))


def parse_holidays(text: str) -> tuple[frozenset[date], frozenset[tuple[int, int]]]:
    """``2026-12-25, 01-01`` → (those dates, the (month, day) closed every year)."""
    dates: set[date] = set()
    yearly: set[tuple[int, int]] = set()
    for raw in re.split(r"[,;\s]+", text.strip()):
        if not raw:
            continue
        try:
            if match := _ISO_DATE.fullmatch(raw):
                dates.add(date(int(match.group(1)), int(match.group(2)), int(match.group(3))))
            elif match := _YEARLY.fullmatch(raw):
                month, day = int(match.group(1)), int(match.group(2))
                date(2000, month, day)  # a leap year: 02-29 is a day
                yearly.add((month, day))
            else:
                raise ValueError
        except ValueError:
            raise ScheduleError(
                f"CONVERSA_HOLIDAYS: {raw!r} is not a date (2026-12-25, or 12-25 every year)"
            ) from None
    return frozenset(dates), frozenset(yearly)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(
            f"CONVERSA_TIMEZONE: {name!r} is not a timezone (like America/Sao_Paulo)"
        ) from None


def _clock_time(minutes: int) -> str:
    """``8h``, ``8h30``, ``13h``: how a time is said in a WhatsApp message."""
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


@dataclass(frozen=True, slots=True)
class BusinessHours:
    """When a person of the team answers. No windows: always (nothing to promise)."""

    windows: tuple[Window, ...] = ()
    holidays: frozenset[date] = frozenset()
    yearly_holidays: frozenset[tuple[int, int]] = frozenset()
    timezone: str = DEFAULT_TIMEZONE
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_zone", zone(self.timezone))

    @classmethod
    def parse(cls, hours: str = "", holidays: str = "", timezone: str = DEFAULT_TIMEZONE) -> BusinessHours:
        """From the settings' text; raises :class:`ScheduleError` with one line on a mistake."""
        dates, yearly = parse_holidays(holidays)
        return cls(parse_hours(hours), dates, yearly, timezone or DEFAULT_TIMEZONE)

    @property
    def always_open(self) -> bool:
        return not self.windows

    def local(self, ms: int) -> datetime:
        """The business's wall clock at epoch milliseconds ``ms``."""
        return datetime.fromtimestamp(ms / 1000, tz=self._zone)

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (day.month, day.day) in self.yearly_holidays

    def _windows(self, day: date) -> list[Window]:
        if self.is_holiday(day):
            return []
        return [w for w in self.windows if w.weekday == day.weekday()]

    def is_open(self, ms: int) -> bool:
        if self.always_open:
            return True
        now = self.local(ms)
        minute = now.hour * 60 + now.minute
        return any(w.start <= minute < w.end for w in self._windows(now.date()))

    def next_opening(self, ms: int) -> datetime | None:
        """When a person answers next, on the business's clock; None when open now.

        Looks a year ahead (a schedule whose every day is a holiday never opens: None too).
        """
        if self.is_open(ms):
            return None
        now = self.local(ms)
        minute = now.hour * 60 + now.minute
        for offset in range(367):
            day = now.date() + timedelta(days=offset)
            for window in self._windows(day):
                if offset or window.start > minute:
                    start = datetime(day.year, day.month, day.day, tzinfo=self._zone)
                    return start + timedelta(minutes=window.start)
        return None

    def when_phrase(self, ms: int) -> str:
        """When a person answers, said to the customer: ``nossa equipe responde a partir de
        amanhã às 8h``; empty when someone is there now."""
        opening = self.next_opening(ms)
        if opening is None:
            if self.is_open(ms):
                return ""
            return "nossa equipe responde assim que possível"
        today = self.local(ms).date()
        days_ahead = (opening.date() - today).days
        at = _clock_time(opening.hour * 60 + opening.minute)
        weekday = WEEKDAY_NAMES[opening.weekday()]
        dated = f"{opening.day:02d}/{opening.month:02d}"
        if days_ahead == 0:
            when = f"hoje às {at}"
        elif days_ahead == 1:
            when = f"amanhã às {at}"
        elif days_ahead < 7:
            when = (
                f"{weekday} ({dated}) às {at}"
                if self._holiday_between(today, opening.date())
                else f"{weekday} às {at}"
            )
        else:
            when = f"{weekday}, {dated}, às {at}"
        if self._holiday_between(today, opening.date()):
            return f"nossa equipe volta depois do feriado e responde a partir de {when}"
        return f"nossa equipe responde a partir de {when}"

    def _holiday_between(self, first: date, opening: date) -> bool:
        """Whether a holiday closes one of the days from ``first`` up to the opening day."""
        day = first
        while day < opening:
            if self.is_holiday(day) and any(w.weekday == day.weekday() for w in self.windows):
                return True
            day += timedelta(days=1)
        return False
