"""Passages as they are searched and stored: sections of Markdown, and a table read lazily.

The published index stores its passages as a JSON array with one passage per line
(``chunks.json``) and the byte range of each line beside the lexical index, so a search reads the
few passages it returns instead of building every one of them at load.
"""

from __future__ import annotations

import json
import mmap
import re
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from app.domain.messages import Passage

SECTION_RE = re.compile(r"^#{1,3}\s+", re.MULTILINE)


def markdown_sections(text: str, source: str) -> list[Passage]:
    """Split a Markdown document at its headings; the heading becomes the passage title."""
    passages = []
    for chunk in SECTION_RE.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        title, _, body = chunk.partition("\n")
        if not body.strip():
            continue
        passages.append(Passage(text=body.strip(), source=source, title=title.strip()))
    return passages


def lexical_text(passage: Passage) -> str:
    """What the lexical side indexes: the title (twice: it names the section) and the text."""
    return f"{passage.title} {passage.title} {passage.text}"


def passages_json(passages: Sequence[Passage]) -> tuple[bytes, npt.NDArray[np.int64]]:
    """The passages as a JSON array, one per line, and the (start, end) byte range of each."""
    lines = [
        json.dumps({"text": p.text, "source": p.source, "title": p.title}, ensure_ascii=False).encode("utf-8")
        for p in passages
    ]
    ranges = np.zeros((len(lines), 2), dtype=np.int64)
    at = 2  # after "[\n"
    for i, line in enumerate(lines):
        ranges[i] = (at, at + len(line))
        at += len(line) + 2  # ",\n"
    return b"[\n" + b",\n".join(lines) + b"\n]", ranges


def _passage(fields: Any) -> Passage:
    return Passage(fields["text"], fields["source"], 0.0, fields["title"])


class PassageTable(Sequence[Passage]):
    """The passages of :func:`passages_json`'s bytes, each parsed when it is first asked for;
    without byte ranges (an index published before them), all parsed at once."""

    def __init__(self, data: bytes | mmap.mmap, ranges: npt.NDArray[np.int64] | None = None) -> None:
        self._data = data
        self._ranges = ranges
        self._parsed: list[Passage] | None = None
        if ranges is None:
            self._parsed = [_passage(c) for c in json.loads(bytes(data))]

    def __len__(self) -> int:
        return len(self._parsed) if self._parsed is not None else len(self._ranges)  # type: ignore[arg-type]

    @overload
    def __getitem__(self, i: int) -> Passage: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Passage]: ...
    def __getitem__(self, i: int | slice) -> Passage | Sequence[Passage]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if self._parsed is not None:
            return self._parsed[i]
        assert self._ranges is not None
        start, end = self._ranges[i]
        return _passage(json.loads(self._data[int(start) : int(end)]))

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(len(self)))
