"""Synonyms for the lexical search: a customer's word finds the section that words it otherwise.

"aceita pet?" holds no word of the section "Animais de estimação"; "tão contratando?" none of
"Trabalhe conosco". The bundled list (``sinonimos.pt-BR.txt``: groups of expressions a customer
could swap without changing the question, for many kinds of small business) lets the search
also look for the other expressions of a group, at
:data:`~app.adapters.retrieval.lexical_index.SYNONYM_WEIGHT`.
A business adds its own groups in a file of the same format (``CONVERSA_SYNONYMS_FILE``).
Entries are analysed like everything else (folded, stemmed), so "cães" meets "cachorro" through
"cão", and an expression of several words matches a question holding its terms in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from app.adapters.retrieval.analyzer import analyze
from app.domain.errors import ConfigurationError

BUNDLED = Path(__file__).with_name("sinonimos.pt-BR.txt")
Expression = tuple[str, ...]


class Synonyms:
    """Groups of interchangeable expressions, each expression as its analysed terms."""

    def __init__(self, groups: Iterable[Iterable[str]]) -> None:
        self._groups: list[tuple[Expression, ...]] = []
        for group in groups:
            expressions = tuple(dict.fromkeys(e for e in (tuple(analyze(x)) for x in group) if e))
            if len(expressions) > 1:
                self._groups.append(expressions)
        self._by_first_term: dict[str, list[tuple[Expression, int]]] = {}
        for number, expressions in enumerate(self._groups):
            for expression in expressions:
                self._by_first_term.setdefault(expression[0], []).append((expression, number))

    @classmethod
    def from_text(cls, text: str) -> Synonyms:
        """One group per line, its expressions separated by commas; ``#`` starts a comment."""
        lines = (line.split("#", 1)[0] for line in text.splitlines())
        return cls([p.strip() for p in line.split(",") if p.strip()] for line in lines if line.strip())

    @classmethod
    @lru_cache(maxsize=1)
    def bundled(cls) -> Synonyms:
        return cls.from_text(BUNDLED.read_text(encoding="utf-8"))

    @classmethod
    def bundled_and(cls, extra: Path | None) -> Synonyms:
        """The bundled groups, and the business's own from ``extra`` (same format) when given."""
        if extra is None:
            return cls.bundled()
        try:
            text = extra.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"cannot read the synonyms file {extra}: {error}") from error
        return cls.from_text(BUNDLED.read_text(encoding="utf-8") + "\n" + text)

    def __len__(self) -> int:
        return len(self._groups)

    def __call__(self, query: Sequence[str]) -> Mapping[str, tuple[Expression, ...]]:
        """For each term of ``query`` that is part of an expression it holds, the group's other
        expressions (an :data:`~app.adapters.retrieval.lexical_index.Expansion`)."""
        found: dict[str, list[Expression]] = {}
        for at, term in enumerate(query):
            for expression, number in self._by_first_term.get(term, ()):
                if tuple(query[at : at + len(expression)]) != expression:
                    continue
                others = [e for e in self._groups[number] if e != expression]
                for covered in expression:
                    found.setdefault(covered, []).extend(others)
        return {term: tuple(dict.fromkeys(expressions)) for term, expressions in found.items()}
