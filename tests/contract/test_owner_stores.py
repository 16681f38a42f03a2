"""Contracts of the owner's stores: the team's board, the gap log and the week's figures."""

from __future__ import annotations

from collections.abc import Callable

from app.ports.figures import FiguresStore
from app.ports.gaps import DeclinedQuestion, GapLog
from app.ports.team_board import TeamBoard, WaitingChat

DAY = 86_400_000
GapLogOf = Callable[..., GapLog]


def entry(n: int, at: int, question: str = "") -> DeclinedQuestion:
    return DeclinedQuestion(
        f"id{n}", at, f"loja/5541****{n:04d}@s.whatsapp.net", question or f"pergunta {n}", 0.25
    )


def test_the_gap_log_keeps_what_it_is_given_oldest_first(gap_log_of: GapLogOf) -> None:
    log = gap_log_of(retention_ms=30 * DAY, max_kept=100)
    for n, at in enumerate([5_000, 1_000, 3_000]):
        log.record(entry(n, at, f"Vocês vendem pizza? ção {n}"))
    assert [e.at_ms for e in log.since(0)] == [1_000, 3_000, 5_000]
    assert log.since(2_000) == [
        entry(2, 3_000, "Vocês vendem pizza? ção 2"),
        entry(0, 5_000, "Vocês vendem pizza? ção 0"),
    ]
    assert log.since(6_000) == []


def test_recording_the_same_batch_again_is_one_entry(gap_log_of: GapLogOf) -> None:
    log = gap_log_of(retention_ms=30 * DAY, max_kept=100)
    log.record(entry(1, 1_000))
    log.record(entry(1, 1_000))
    assert len(log.since(0)) == 1


def test_the_gap_log_forgets_after_its_retention(gap_log_of: GapLogOf) -> None:
    log = gap_log_of(retention_ms=10 * DAY, max_kept=100)
    log.record(entry(1, 1 * DAY))
    log.record(entry(2, 5 * DAY))
    log.record(entry(3, 12 * DAY))  # day 1 is now older than ten days
    assert [e.id for e in log.since(0)] == ["id2", "id3"]


def test_the_gap_log_is_bounded_the_oldest_go_first(gap_log_of: GapLogOf) -> None:
    log = gap_log_of(retention_ms=30 * DAY, max_kept=3)
    for n in range(6):
        log.record(entry(n, 1_000 + n))
    assert [e.id for e in log.since(0)] == ["id3", "id4", "id5"]


def test_the_board_lists_waiting_chats_until_a_person_takes_them(team_board: TeamBoard) -> None:
    team_board.open(WaitingChat("loja/2@s.whatsapp.net", 2_000, "asked", "Ana"))
    team_board.open(WaitingChat("loja/1@s.whatsapp.net", 1_000, "not_found", "Maria ção"))
    assert team_board.waiting(0) == [
        WaitingChat("loja/1@s.whatsapp.net", 1_000, "not_found", "Maria ção"),
        WaitingChat("loja/2@s.whatsapp.net", 2_000, "asked", "Ana"),
    ]
    team_board.close("loja/1@s.whatsapp.net")
    team_board.close("loja/never@s.whatsapp.net")
    assert [w.chat_id for w in team_board.waiting(0)] == ["loja/2@s.whatsapp.net"]
    assert team_board.waiting(3_000) == []  # older entries are forgotten
    assert team_board.waiting(0) == []


def test_the_board_lists_paused_chats_until_their_pause_ends(team_board: TeamBoard) -> None:
    team_board.note_paused("loja/1@s.whatsapp.net", 10_000)
    team_board.note_paused("loja/2@s.whatsapp.net", 5_000)
    team_board.note_paused("loja/3@s.whatsapp.net", 7_000)
    team_board.note_paused("loja/3@s.whatsapp.net", 0)  # given back
    assert team_board.paused(1_000) == [("loja/2@s.whatsapp.net", 5_000), ("loja/1@s.whatsapp.net", 10_000)]
    assert team_board.paused(6_000) == [("loja/1@s.whatsapp.net", 10_000)]


def test_the_figures_count_each_chat_and_batch_once(figures: FiguresStore) -> None:
    figures.record("2026-W48", "chatA", "b1", False, 3_000)
    figures.record("2026-W48", "chatA", "b1", False, 9_999)  # the same batch again: no change
    figures.record("2026-W48", "chatA", "b2", True, None)
    figures.record("2026-W48", "chatB", "b3", True, 5_000)
    figures.record("2026-W49", "chatC", "b4", False, 1_000)
    week = figures.week("2026-W48")
    assert (week.conversations, week.answered, week.handed_off) == (2, 1, 2)
    assert week.first_reply_ms == (3_000, 5_000) and week.median_first_reply_ms == 4_000
    assert figures.week("2026-W47").conversations == 0 and figures.week("2026-W47").first_reply_ms == ()
