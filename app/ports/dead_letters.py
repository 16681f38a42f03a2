"""Where input that could not be handled is kept, raw, with the reason: nothing is lost.

A dead letter's id is derived from its source and body, so the same body rejected again
(Kestra retries a failed ``receive`` three times; Uazapi retries a webhook) is one letter
whose reason and time are updated, never a pile of copies. An operator lists them
(``conversa dead-letters``) and feeds them back (``conversa replay``), which deletes each
one once it was taken in.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    source: str
    reason: str
    body: str
    at_ms: int

    def to_json(self) -> bytes:
        """UTF-8 JSON; any text is kept, even a lone surrogate (encoded as such, not refused)."""
        text = json.dumps(asdict(self), ensure_ascii=False)
        return text.encode("utf-8", "surrogatepass")

    @classmethod
    def from_json(cls, raw: bytes | str) -> DeadLetter:
        data = json.loads(raw.decode("utf-8", "surrogatepass") if isinstance(raw, bytes) else raw)
        return cls(
            str(data["id"]), str(data["source"]), str(data["reason"]), str(data["body"]), int(data["at_ms"])
        )


def dead_letter_id(source: str, body: str) -> str:
    """The id of the letter holding ``body`` from ``source``: the same in every store."""
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass") + b"\0")
    digest.update(body.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:24]


class DeadLetterStore(Protocol):
    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        """Keep ``body``; returns the dead letter's id, :func:`dead_letter_id`.

        Idempotent: the same (source, body) again updates that letter's reason and time.
        """
        ...

    def list(self, limit: int = 100) -> list[DeadLetter]:
        """Newest first (by the time of the last ``put``)."""
        ...

    def count(self, source: str) -> int:
        """How many letters from ``source`` are kept (to bound what a flood can fill)."""
        ...

    def size(self, source: str) -> int:
        """How many bytes the letters from ``source`` take (their JSON), to bound it in bytes too."""
        ...

    def get(self, letter_id: str) -> DeadLetter | None:
        """The letter with that id, or None."""
        ...

    def delete(self, letter_id: str) -> bool:
        """Forget the letter (it was replayed); False if there was none."""
        ...
