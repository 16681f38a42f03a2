"""The commands the owner types in the team chat, and the answers they get.

- ``#bot <número>``: the chat goes back to the bot at once (its pause ends);
- ``#pausar <número> [2h]``: the bot stays quiet in that chat (default: the takeover time);
- ``#status``: the chats waiting for a person, and the paused ones;
- ``#ajuda``: this list.

Anything else in the team chat is conversation among the team: ignored. Pure parsing and
wording; :mod:`app.domain.usecases.team_desk` applies them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.domain.chat_rules import keyword

MAX_PAUSE_MINUTES = 30 * 24 * 60
_DURATION = re.compile(r"(\d{1,5})\s*(h|hs|hora|horas|m|min|mins|minuto|minutos|d|dia|dias)?")
UNIT_MINUTES = {"h": 60, "d": 24 * 60, "m": 1}

HELP = (
    "Comandos do bot (escreva aqui, no chat da equipe):\n"
    "#bot <número> — devolve a conversa ao bot agora\n"
    "#pausar <número> [2h] — o bot fica quieto nessa conversa (padrão: {default})\n"
    "#status — conversas esperando uma pessoa e conversas pausadas\n"
    "#ajuda — esta lista"
)


class CommandError(ValueError):
    """A command the owner mistyped: the answer says how to write it."""


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # bot | pausar | status | ajuda
    number: str = ""
    minutes: int = 0  # pausar: 0 = the default


def _number(text: str, usage: str) -> str:
    digits = "".join(c for c in text if c.isdigit())
    if not 8 <= len(digits) <= 15 or not all(c.isdigit() or c in "+-() ." for c in text.strip()):
        raise CommandError(f"Não entendi o número. Use: {usage}")
    return digits


def _minutes(text: str) -> int | None:
    match = _DURATION.fullmatch(text.strip().lower())
    if not match or (match.group(2) is None and len(match.group(1)) > 4):
        return None
    unit = (match.group(2) or "min")[0]
    minutes = int(match.group(1)) * UNIT_MINUTES[unit]
    return minutes if 0 < minutes <= MAX_PAUSE_MINUTES else None


def parse_command(text: str) -> Command | None:
    """The command in ``text``, or None when it is no command (team talk, ignored).

    Raises :class:`CommandError` for a command with a mistake (its answer is the usage).
    """
    words = text.strip().split()
    if not words or not words[0].startswith("#"):
        return None
    name = keyword(words[0].lstrip("#"))
    rest = words[1:]
    if name in {"status", "ajuda", "help"}:
        return Command("ajuda" if name == "help" else name)
    if name == "bot":
        usage = "#bot 5541999990000"
        if not rest:
            raise CommandError(f"Falta o número. Use: {usage}")
        return Command("bot", _number(" ".join(rest), usage))
    if name == "pausar":
        usage = "#pausar 5541999990000 2h"
        if not rest:
            raise CommandError(f"Falta o número. Use: {usage}")
        minutes = _minutes(rest[-1]) if len(rest) > 1 else None
        number_words = rest[:-1] if minutes is not None else rest
        if minutes is None and len(rest) > 1 and re.fullmatch(r"\d+\s*[a-z]+", rest[-1].lower()):
            raise CommandError(f"Não entendi o tempo {rest[-1]!r}. Use: {usage} (ou 30min, 1d)")
        return Command("pausar", _number(" ".join(number_words), usage), minutes or 0)
    return None


def duration_words(minutes: int) -> str:
    """``2h``, ``30 min``, ``1h30``, ``2 dias``."""
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return f"{days} dia" if days == 1 else f"{days} dias"
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


def help_text(default_minutes: int) -> str:
    return HELP.format(default=duration_words(default_minutes))


@dataclass(frozen=True, slots=True)
class ChatLine:
    """A chat listed by ``#status``: its number (or JID), the customer's name, since or until when."""

    who: str
    name: str
    at: datetime
    why: str = ""


def status_text(waiting: Sequence[ChatLine], paused: Sequence[ChatLine]) -> str:
    lines = [f"Esperando uma pessoa ({len(waiting)}):"]
    for chat in waiting:
        name = f"{chat.name} " if chat.name else ""
        why = f" — {chat.why}" if chat.why else ""
        lines.append(f"• {name}{chat.who} — desde {chat.at:%d/%m %H:%M}{why}")
    if not waiting:
        lines.append("• nenhuma")
    lines.append(f"Pausadas ({len(paused)}):")
    lines.extend(f"• {c.who} — até {c.at:%d/%m %H:%M}" for c in paused)
    if not paused:
        lines.append("• nenhuma")
    return "\n".join(lines)
