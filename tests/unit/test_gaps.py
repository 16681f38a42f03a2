"""Grouping what the bot could not answer, the weeks, and the report's two forms."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.gaps import (
    WeeklyReport,
    group_by_meaning,
    group_by_words,
    previous_week,
    week_label,
    week_start,
    words_similarity,
)
from app.ports.figures import WeekFigures
from app.ports.gaps import DeclinedQuestion


def q(text: str, at: int = 0, score: float = 0.1) -> DeclinedQuestion:
    return DeclinedQuestion(f"id-{text}-{at}", at, "chat", text, score)


def test_questions_with_the_same_words_are_one_gap_most_asked_first() -> None:
    asked = [
        q("Aceitam bitcoin?", 1),
        q("Vocês vendem pizza?", 2),
        q("Tem pizza de calabresa?", 3),
        q("Vocês fazem pizza?", 4),
        q("E bitcoin, aceitam?", 5),
        q("Vocês alugam o salão?", 6),
    ]
    gaps = group_by_words(asked)
    assert [(g.count, g.example) for g in gaps] == [
        (3, "Vocês vendem pizza?"),
        (2, "Aceitam bitcoin?"),
        (1, "Vocês alugam o salão?"),
    ]
    assert gaps[0].questions == ("Vocês vendem pizza?", "Tem pizza de calabresa?", "Vocês fazem pizza?")
    assert gaps[0].last_at_ms == 4
    assert words_similarity("oi", "pizza") == 0.0


def test_the_example_is_the_most_repeated_wording() -> None:
    gaps = group_by_words([q("tem pizza?", 1), q("Vocês vendem pizza?", 2), q("Vocês vendem pizza?", 3)])
    assert gaps[0].example == "Vocês vendem pizza?" and gaps[0].count == 3


def test_questions_with_the_same_meaning_are_one_gap() -> None:
    asked = [q("pizza?", 1), q("bitcoin?", 2), q("pizza de novo?", 3)]
    vectors = [[1.0, 0.0], [0.0, 1.0], [0.95, 0.1]]
    gaps = group_by_meaning(asked, vectors)
    assert [(g.count, g.example) for g in gaps] == [(2, "pizza?"), (1, "bitcoin?")]
    assert group_by_meaning([], []) == []


def test_weeks_are_iso_weeks_and_the_report_covers_the_last_whole_one() -> None:
    assert week_label(date(2026, 11, 30)) == "2026-W49"
    assert week_start("2026-W49") == date(2026, 11, 30)
    assert previous_week(date(2026, 11, 30)) == "2026-W48"  # on Monday: the week that just ended
    assert previous_week(date(2026, 12, 6)) == "2026-W48"  # on Sunday: the week before this one
    assert previous_week(date(2027, 1, 4)) == "2026-W53"
    with pytest.raises(ValueError, match="ISO week"):
        week_start("2026-49")


def test_the_summary_is_short_and_the_markdown_whole() -> None:
    asked = [q(f"pergunta {n} sobre tema{n}", n) for n in range(8)] + [q("pergunta 0 sobre tema0", 9)]
    figures = WeekFigures("2026-W48", 12, 30, 9, (2_000, 4_000, 9_000))
    report = WeeklyReport("Padaria", "2026-W48", date(2026, 11, 23), tuple(group_by_words(asked)), figures)
    summary = report.summary()
    assert summary.startswith("📊 *Relatório da semana* (23/11 a 29/11/2026) — Padaria")
    assert "Conversas: 12 · respondidas pelo bot: 30 · passadas para a equipe: 9" in summary
    assert "Tempo mediano até a primeira resposta: 4 s" in summary
    assert '1. "pergunta 0 sobre tema0" — 2×' in summary and "5. " in summary and "6. " not in summary
    markdown = report.markdown()
    assert markdown.startswith("# Relatório da semana 2026-W48") and "8. **" in markdown
    quiet = WeeklyReport("Padaria", "2026-W48", date(2026, 11, 23), (), WeekFigures("2026-W48"))
    assert "respondeu todas as perguntas" in quiet.summary()
    assert "Tempo mediano até a primeira resposta: —" in quiet.summary()


def test_the_median_of_an_even_count_is_between_the_middle_two() -> None:
    assert WeekFigures("w", first_reply_ms=(1, 3, 10, 20)).median_first_reply_ms == 6
    assert WeekFigures("w").median_first_reply_ms is None
