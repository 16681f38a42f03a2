"""Feed dead letters back through ``receive``: the way back after a fixed token or an outage.

Each selected letter's body is received again, oldest first. A letter is removed from every
store holding it only once ``receive`` took it in or recognised it (buffered, duplicate,
ignored, a takeover, an opt-out…): anything but a failure. A letter that fails again stays
where it is, untouched, with the new reason in the report. Batches the processor gave up on
(source ``process``) are not webhook bodies and are skipped.

A replayed message that woke its chat up is answered once a processor runs for the chat:
the sweep (every minute) starts one for every chat left waiting.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from app.domain.usecases.results import ReceiveResult
from app.domain.validation import describe

if TYPE_CHECKING:
    from app.ports.dead_letters import DeadLetter, DeadLetterStore

NOT_REPLAYABLE = {"process": "a batch the processor gave up on, not a webhook body"}


def body_bytes(text: str) -> bytes:
    """The raw body a dead letter holds (the inverse of ``receive.body_text``)."""
    if text.startswith("base64:"):
        try:
            return base64.b64decode(text[len("base64:") :], validate=True)
        except (binascii.Error, ValueError):
            pass
    return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which letters: by id, or every letter matching ``source`` and ``reason`` (a substring)."""

    ids: tuple[str, ...] = ()
    source: str = ""
    reason: str = ""
    limit: int = 1_000

    def matches(self, letter: DeadLetter) -> bool:
        if self.ids and letter.id not in self.ids:
            return False
        if self.source and letter.source != self.source:
            return False
        return self.reason.casefold() in letter.reason.casefold()


@dataclass(frozen=True, slots=True)
class LetterReplay:
    id: str
    source: str
    stores: tuple[str, ...]
    outcome: str  # replayed | failed | skipped | selected (dry run)
    status: str = ""  # receive's status
    reason: str = ""
    chat_id: str = ""
    left_in: tuple[str, ...] = ()  # stores it could not be removed from (a later replay does)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "stores": list(self.stores),
            "outcome": self.outcome,
            "status": self.status,
            "reason": self.reason,
            "chat_id": self.chat_id,
            "left_in": list(self.left_in),
        }


@dataclass(frozen=True, slots=True)
class ReplayResult:
    letters: list[LetterReplay] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)  # store → error
    missing: list[str] = field(default_factory=list)  # ids asked for and found nowhere reachable
    dry_run: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for letter in self.letters if letter.outcome == outcome)

    @property
    def ok(self) -> bool:
        return (
            not self.count("failed")
            and not self.unreachable
            and not self.missing
            and not any(letter.left_in for letter in self.letters)
        )

    def to_dict(self) -> dict[str, Any]:
        woken = sorted({x.chat_id for x in self.letters if x.status == "buffered" and x.chat_id})
        return {
            "status": "ok" if self.ok else "error",
            "dry_run": self.dry_run,
            "selected": len(self.letters),
            "replayed": self.count("replayed"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "missing": self.missing,
            "unreachable": [{"store": s, "error": e} for s, e in self.unreachable.items()],
            "buffered_chats": woken,
            "letters": [letter.to_dict() for letter in self.letters],
        }


@dataclass
class ReplayDeadLetters:
    stores: Sequence[tuple[str, DeadLetterStore]]  # (name, store): the configured one, the fallback
    receive: Callable[[bytes], ReceiveResult]
    on_letter: Callable[[LetterReplay], None] = lambda letter: None

    def __call__(self, selection: Selection, dry_run: bool = False) -> ReplayResult:
        found, unreachable = self._select(selection)
        missing = [i for i in selection.ids if i not in found]
        letters = []
        for letter, holders in sorted(found.values(), key=lambda item: (item[0].at_ms, item[0].id)):
            outcome = self._replay(letter, holders, dry_run)
            self.on_letter(outcome)
            letters.append(outcome)
        return ReplayResult(letters, unreachable, missing, dry_run)

    def _select(self, selection: Selection) -> tuple[dict[str, tuple[DeadLetter, list[str]]], dict[str, str]]:
        found: dict[str, tuple[DeadLetter, list[str]]] = {}
        unreachable: dict[str, str] = {}
        for name, store in self.stores:
            try:
                if selection.ids:
                    candidates = [d for d in map(store.get, selection.ids) if d is not None]
                else:
                    candidates = store.list(selection.limit)
            except Exception as error:  # that store is down: report it, replay the others
                unreachable[name] = describe(error)
                continue
            for letter in candidates:
                if selection.matches(letter):
                    kept, holders = found.get(letter.id, (letter, []))
                    latest = letter if letter.at_ms > kept.at_ms else kept  # the latest copy's reason
                    found[letter.id] = (latest, [*holders, name])
        return found, unreachable

    def _replay(self, letter: DeadLetter, holders: list[str], dry_run: bool) -> LetterReplay:
        base = LetterReplay(letter.id, letter.source, tuple(holders), "selected", reason=letter.reason)
        if letter.source in NOT_REPLAYABLE:
            return replace(base, outcome="skipped", reason=NOT_REPLAYABLE[letter.source])
        if dry_run:
            return base
        try:
            result = self.receive(body_bytes(letter.body))
        except Exception as error:  # e.g. Redis still down: the letter stays
            return replace(base, outcome="failed", status="error", reason=describe(error))
        if not result.ok:
            return replace(base, outcome="failed", status=result.status, reason=result.reason)
        left_in = []
        for name, store in self.stores:
            if name in holders:
                try:
                    store.delete(letter.id)
                except Exception:
                    left_in.append(name)
        return replace(
            base,
            outcome="replayed",
            status=result.status,
            reason=result.reason,
            chat_id=result.chat_id,
            left_in=tuple(left_in),
        )
