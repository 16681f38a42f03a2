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
# "Perguntas: tem táxi dog? vcs buscam em casa?", also bold, quoted or as a list item.
ASKED_RE = re.compile(r"^[ \t>*_-]*perguntas[*_]*[ \t]*:[*_]*[ \t]*(.*?)[ \t]*$", re.M | re.I)


def split_asked(text: str) -> tuple[str, str]:
    """The text without its "Perguntas:" lines, and what those lines ask: the owner's list of
    the questions customers send about it, in their words ("tem táxi dog?" for *Leva e traz*).
    Retrieval searches them with the text; the customer is shown the text alone."""
    asked = " ".join(found.strip() for found in ASKED_RE.findall(text) if found.strip())
    return ASKED_RE.sub("", text).strip(), asked


def markdown_sections(text: str, source: str) -> list[Passage]:
    """Split a Markdown document at its headings; the heading becomes the passage title."""
    passages = []
    for chunk in SECTION_RE.split(text):
        chunk = chunk.strip()
        if not chunk:
            continue
        title, _, body = chunk.partition("\n")
        body, asked = split_asked(body)
        if not body:
            continue
        passages.append(Passage(text=body, source=source, title=title.strip(), asked=asked))
    return passages


def document_passages(text: str, source: str) -> list[Passage]:
    """A document's passages: its Markdown sections, or the whole text when it has none."""
    sections = markdown_sections(text, source)
    if sections:
        return sections
    body, asked = split_asked(text)
    return [Passage(body, source, asked=asked)]


def lexical_text(passage: Passage) -> str:
    """What the lexical side indexes: the title (twice: it names the section), the text and the
    questions the owner wrote for it."""
    return f"{passage.title} {passage.title} {passage.text} {passage.asked}"


def passages_json(passages: Sequence[Passage]) -> tuple[bytes, npt.NDArray[np.int64]]:
    """The passages as a JSON array, one per line, and the (start, end) byte range of each."""
    lines = [json.dumps(_fields(p), ensure_ascii=False).encode("utf-8") for p in passages]
    ranges = np.zeros((len(lines), 2), dtype=np.int64)
    at = 2  # after "[\n"
    for i, line in enumerate(lines):
        ranges[i] = (at, at + len(line))
        at += len(line) + 2  # ",\n"
    return b"[\n" + b",\n".join(lines) + b"\n]", ranges


def _fields(passage: Passage) -> dict[str, str]:
    fields = {"text": passage.text, "source": passage.source, "title": passage.title}
    return {**fields, "asked": passage.asked} if passage.asked else fields


def _passage(fields: Any) -> Passage:
    return Passage(fields["text"], fields["source"], 0.0, fields["title"], fields.get("asked", ""))


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
