"""Dead letters in memory (tests) and in a local folder (the offline default, and the fallback
when the configured store cannot be reached).

The offline default keeps dead letters on disk because a one-shot command's memory is gone
when it exits, and a rejected body must still be there for someone to look at.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import uuid
from pathlib import Path

from app.ports.dead_letters import DeadLetter, dead_letter_id


class MemoryDeadLetterStore:
    def __init__(self) -> None:
        self._items: dict[str, tuple[int, DeadLetter]] = {}
        self._order = itertools.count()

    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        letter = DeadLetter(dead_letter_id(source, body), source, reason, body, now_ms)
        self._items[letter.id] = (next(self._order), letter)
        return letter.id

    def list(self, limit: int = 100) -> list[DeadLetter]:
        newest = sorted(self._items.values(), key=lambda item: (item[1].at_ms, item[0]), reverse=True)
        return [letter for _, letter in newest[: max(limit, 0)]]

    def count(self, source: str) -> int:
        return sum(1 for _, letter in self._items.values() if letter.source == source)

    def size(self, source: str) -> int:
        return sum(len(letter.to_json()) for _, letter in self._items.values() if letter.source == source)

    def get(self, letter_id: str) -> DeadLetter | None:
        item = self._items.get(letter_id)
        return item[1] if item else None

    def delete(self, letter_id: str) -> bool:
        return self._items.pop(letter_id, None) is not None


class FileDeadLetterStore:
    """One JSON file per dead letter, ``<time>-<id>-<source>.json``, written atomically (temp
    file + rename).

    The name orders the folder newest first and counts a source's letters without reading
    them. Putting the same letter again writes the new file first, then removes its older
    ones, so a crash in between leaves two copies of one letter (shown once), never none.
    """

    def __init__(self, directory: str | Path) -> None:
        self._dir = Path(directory)

    @property
    def directory(self) -> Path:
        return self._dir

    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        self._dir.mkdir(parents=True, exist_ok=True)
        letter = DeadLetter(dead_letter_id(source, body), source, reason, body, now_ms)
        name = f"{max(now_ms, 0):013d}-{letter.id}-{_safe(source)}.json"
        tmp = self._dir / f".{letter.id}-{uuid.uuid4().hex[:8]}.tmp"
        tmp.write_bytes(letter.to_json())
        os.replace(tmp, self._dir / name)
        for older in self._names(letter.id):
            if older < name:  # never a newer copy, written meanwhile by another process
                with contextlib.suppress(FileNotFoundError):
                    (self._dir / older).unlink()
        return letter.id

    def _all_names(self) -> list[str]:
        """Every letter's file name, newest first."""
        if not self._dir.is_dir():
            return []
        return sorted((n for n in os.listdir(self._dir) if n.endswith(".json")), reverse=True)

    def _names(self, letter_id: str) -> list[str]:
        """The files of one letter (``<id>.json`` for a letter kept by an older version)."""
        legacy = f"{letter_id}.json"
        return [n for n in self._all_names() if n == legacy or ((m := _NAME.match(n)) and m[2] == letter_id)]

    def _read(self, name: str) -> DeadLetter | None:
        try:
            return DeadLetter.from_json((self._dir / name).read_bytes())
        except FileNotFoundError:  # replayed by another process meanwhile
            return None

    def _source_names(self, source: str) -> dict[str, str]:
        """Letter id → its newest file, for the letters of ``source``."""
        safe, names = _safe(source), dict[str, str]()
        for name in self._all_names():
            if (m := _NAME.match(name)) and m[3] == safe:
                names.setdefault(m[2], name)
        return names

    def count(self, source: str) -> int:
        return len(self._source_names(source))

    def size(self, source: str) -> int:
        """The sizes of the files (no letter read): one file per letter."""
        total = 0
        for name in self._source_names(source).values():
            with contextlib.suppress(FileNotFoundError):  # replayed meanwhile
                total += (self._dir / name).stat().st_size
        return total

    def list(self, limit: int = 100) -> list[DeadLetter]:
        letters: dict[str, DeadLetter] = {}
        for name in self._all_names():
            if len(letters) >= limit:
                break
            letter = self._read(name)
            if letter and letter.id not in letters:
                letters[letter.id] = letter
        return list(letters.values())

    def get(self, letter_id: str) -> DeadLetter | None:
        for name in self._names(letter_id):
            letter = self._read(name)
            if letter:
                return letter
        return None

    def delete(self, letter_id: str) -> bool:
        removed = False
        for name in self._names(letter_id):
            with contextlib.suppress(FileNotFoundError):
                (self._dir / name).unlink()
                removed = True
        return removed


_NAME = re.compile(r"^(\d{13})-([0-9a-f]{24})-(.+)\.json$")


def _safe(source: str) -> str:
    """The source as it appears in a file name."""
    return re.sub(r"[^A-Za-z0-9_.]", "_", source)[:40] or "_"
