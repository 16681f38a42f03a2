"""Dead letters in memory (tests) and in a local folder (the offline default).

The offline default keeps dead letters on disk because a one-shot command's memory is gone
when it exits, and a rejected body must still be there for someone to look at.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

from app.ports.dead_letters import DeadLetter


def _new_id(now_ms: int) -> str:
    return f"{now_ms:013d}-{uuid.uuid4().hex[:8]}"


class MemoryDeadLetterStore:
    def __init__(self) -> None:
        self._items: list[DeadLetter] = []

    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        letter = DeadLetter(_new_id(now_ms), source, reason, body, now_ms)
        self._items.append(letter)
        return letter.id

    def list(self, limit: int = 100) -> list[DeadLetter]:
        return sorted(self._items, key=lambda d: d.id, reverse=True)[:limit]


class FileDeadLetterStore:
    """One JSON file per dead letter, written atomically (temp file + rename)."""

    def __init__(self, directory: str | Path) -> None:
        self._dir = Path(directory)

    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        self._dir.mkdir(parents=True, exist_ok=True)
        letter_id = _new_id(now_ms)
        record = {"id": letter_id, "source": source, "reason": reason, "body": body, "at_ms": now_ms}
        tmp = self._dir / f".{letter_id}.tmp"
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._dir / f"{letter_id}.json")
        return letter_id

    def list(self, limit: int = 100) -> list[DeadLetter]:
        if not self._dir.is_dir():
            return []
        files = sorted(self._dir.glob("*.json"), reverse=True)[:limit]
        return [DeadLetter(**json.loads(f.read_text(encoding="utf-8"))) for f in files]
