"""In-memory team board, gap log and weekly figures (the simulator's and the contract tests')."""

from __future__ import annotations

from collections import defaultdict

from app.ports.figures import WeekFigures
from app.ports.gaps import DeclinedQuestion
from app.ports.team_board import WaitingChat

DAY_MS = 86_400_000


class MemoryTeamBoard:
    def __init__(self) -> None:
        self._waiting: dict[str, WaitingChat] = {}
        self._paused: dict[str, int] = {}

    def open(self, waiting: WaitingChat) -> None:
        self._waiting[waiting.chat_id] = waiting

    def close(self, chat_id: str) -> None:
        self._waiting.pop(chat_id, None)

    def waiting(self, since_ms: int) -> list[WaitingChat]:
        for chat, entry in list(self._waiting.items()):
            if entry.since_ms < since_ms:
                del self._waiting[chat]
        return sorted(self._waiting.values(), key=lambda w: (w.since_ms, w.chat_id))

    def note_paused(self, chat_id: str, until_ms: int) -> None:
        if until_ms > 0:
            self._paused[chat_id] = until_ms
        else:
            self._paused.pop(chat_id, None)

    def paused(self, now_ms: int) -> list[tuple[str, int]]:
        for chat, until in list(self._paused.items()):
            if until <= now_ms:
                del self._paused[chat]
        return sorted(self._paused.items(), key=lambda item: (item[1], item[0]))


class MemoryGapLog:
    def __init__(self, retention_ms: int = 90 * DAY_MS, max_kept: int = 10_000) -> None:
        self._entries: dict[str, DeclinedQuestion] = {}
        self._retention, self._max = retention_ms, max_kept

    def record(self, question: DeclinedQuestion) -> None:
        self._entries[question.id] = question
        horizon = question.at_ms - self._retention
        kept = sorted(
            (e for e in self._entries.values() if e.at_ms >= horizon), key=lambda e: (e.at_ms, e.id)
        )
        self._entries = {e.id: e for e in kept[-self._max :]} if self._max > 0 else {}

    def since(self, since_ms: int) -> list[DeclinedQuestion]:
        return sorted(
            (e for e in self._entries.values() if e.at_ms >= since_ms), key=lambda e: (e.at_ms, e.id)
        )


class MemoryFiguresStore:
    def __init__(self) -> None:
        self._chats: dict[str, set[str]] = defaultdict(set)
        self._answered: dict[str, set[str]] = defaultdict(set)
        self._handed_off: dict[str, set[str]] = defaultdict(set)
        self._first_reply: dict[str, dict[str, int]] = defaultdict(dict)

    def record(self, week: str, chat: str, batch: str, handed_off: bool, first_reply_ms: int | None) -> None:
        self._chats[week].add(chat)
        (self._handed_off if handed_off else self._answered)[week].add(batch)
        if first_reply_ms is not None:
            self._first_reply[week].setdefault(batch, max(first_reply_ms, 0))

    def week(self, week: str) -> WeekFigures:
        return WeekFigures(
            week,
            len(self._chats.get(week, ())),
            len(self._answered.get(week, ())),
            len(self._handed_off.get(week, ())),
            tuple(sorted(self._first_reply.get(week, {}).values())),
        )
