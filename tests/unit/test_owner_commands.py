"""The owner's commands in the team chat: what is a command, and how a mistake is answered."""

from __future__ import annotations

from datetime import datetime

import pytest

from app.domain.owner_commands import (
    ChatLine,
    Command,
    CommandError,
    duration_words,
    help_text,
    parse_command,
    status_text,
)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("#bot 5541999990000", Command("bot", "5541999990000")),
        ("#BOT +55 (41) 99999-0000", Command("bot", "5541999990000")),
        ("#pausar 5541999990000", Command("pausar", "5541999990000", 0)),
        ("#pausar 5541999990000 2h", Command("pausar", "5541999990000", 120)),
        ("#pausar +55 41 99999-0000 30min", Command("pausar", "5541999990000", 30)),
        ("#pausar 5541999990000 1d", Command("pausar", "5541999990000", 1440)),
        ("#pausar 5541999990000 45", Command("pausar", "5541999990000", 45)),
        ("#status", Command("status")),
        ("  #Status  ", Command("status")),
        ("#ajuda", Command("ajuda")),
        ("#help", Command("ajuda")),
    ],
)
def test_commands_are_read(text: str, command: Command) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    "text", ["bom dia pessoal", "", "   ", "#promo de natal", "vou ver #bot depois", "bot 5541"]
)
def test_anything_else_is_not_a_command(text: str) -> None:
    assert parse_command(text) is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("#bot", "Falta o número"),
        ("#bot maria", "Não entendi o número"),
        ("#bot 123", "Não entendi o número"),
        ("#pausar", "Falta o número"),
        ("#pausar 5541999990000 2semanas", "Não entendi o tempo"),
    ],
)
def test_a_mistyped_command_says_how_to_write_it(text: str, says: str) -> None:
    with pytest.raises(CommandError, match=says):
        parse_command(text)


def test_durations_help_and_status_read_well() -> None:
    assert [duration_words(m) for m in (30, 60, 90, 1440, 2880)] == [
        "30 min",
        "1h",
        "1h30",
        "1 dia",
        "2 dias",
    ]
    assert "#bot <número>" in help_text(30) and "padrão: 30 min" in help_text(30)
    at = datetime(2026, 12, 2, 10, 5)
    text = status_text([ChatLine("+5541999990000", "Maria", at, "o cliente pediu")], [])
    assert "Esperando uma pessoa (1):\n• Maria +5541999990000 — desde 02/12 10:05 — o cliente pediu" in text
    assert text.endswith("Pausadas (0):\n• nenhuma")
