"""The configured dead-letter store and, behind a remote one, the local folder it falls back to.

A body that could not be taken in must be kept even when Redis is what failed: ``put`` tries
the configured store and, if that fails, writes to the local folder and remembers where
each letter went, so the command can say it in its one-line error. Operators' commands
(``dead-letters``, ``replay``) go through :attr:`DeadLetterStores.stores`, one by one, so a
store that cannot be reached is reported without hiding the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from app.domain.validation import describe
from app.ports.dead_letters import DeadLetter, DeadLetterStore

log = logging.getLogger("conversa.dead_letters")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NamedStore:
    name: str  # "redis", "memory", or "file <absolute folder>"
    store: DeadLetterStore


class DeadLetterStores:
    """A :class:`DeadLetterStore` over the configured store and an optional local fallback."""

    def __init__(self, primary: NamedStore, fallback: NamedStore | None = None) -> None:
        self.primary, self.fallback = primary, fallback
        self._placed: dict[str, str] = {}
        self._primary_error: str = ""

    @property
    def stores(self) -> list[NamedStore]:
        return [self.primary, *([self.fallback] if self.fallback else [])]

    def where(self, letter_id: str) -> str:
        """Where this process put ``letter_id``: a store's name, and why when it is the fallback."""
        return self._placed.get(letter_id, "")

    def _writing(self, use: Callable[[DeadLetterStore], T]) -> tuple[T, NamedStore]:
        """``use`` on the store ``put`` writes to: the configured one, or the fallback once the
        configured one failed (it is not waited on again in this process)."""
        if not self._primary_error or self.fallback is None:
            try:
                return use(self.primary.store), self.primary
            except Exception as error:
                if self.fallback is None:
                    raise
                self._primary_error = describe(error)
        assert self.fallback is not None
        return use(self.fallback.store), self.fallback

    def put(self, source: str, reason: str, body: str, now_ms: int) -> str:
        letter_id, used = self._writing(lambda store: store.put(source, reason, body, now_ms))
        if used is self.primary:
            self._placed[letter_id] = used.name
            return letter_id
        self._placed[letter_id] = f"{used.name} (the {self.primary.name} store failed: {self._primary_error})"
        log.warning("dead letter %s kept in %s", letter_id, self._placed[letter_id])
        return letter_id

    def count(self, source: str) -> int:
        """In the store that ``put`` writes to: the configured one, or the fallback once that failed."""
        return self._writing(lambda store: store.count(source))[0]

    def size(self, source: str) -> int:
        """In the store that ``put`` writes to, as :meth:`count`."""
        return self._writing(lambda store: store.size(source))[0]

    def list(self, limit: int = 100) -> list[DeadLetter]:
        letters = {d.id: d for named in reversed(self.stores) for d in named.store.list(limit)}
        return sorted(letters.values(), key=lambda d: d.at_ms, reverse=True)[: max(limit, 0)]

    def get(self, letter_id: str) -> DeadLetter | None:
        for named in self.stores:
            letter = named.store.get(letter_id)
            if letter is not None:
                return letter
        return None

    def delete(self, letter_id: str) -> bool:
        return any([named.store.delete(letter_id) for named in self.stores])
