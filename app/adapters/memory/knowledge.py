"""A keyword knowledge base over Markdown files: the offline, dependency-free default.

Each ``##`` section of each file is one passage. Scoring is BM25 over crudely stemmed,
accent-folded words: good enough for a FAQ and instant to build. The FAISS adapter with a
real embedding model is the one to use in production.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from app.domain.messages import Passage
from app.domain.text import terms

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


def load_folder(folder: str | Path) -> list[Passage]:
    root = Path(folder)
    passages: list[Passage] = []
    for path in sorted(root.rglob("*")):
        if path.suffix.lower() in {".md", ".markdown", ".txt"} and path.is_file():
            passages.extend(markdown_sections(path.read_text(encoding="utf-8"), path.name))
    return passages


class KeywordKnowledgeBase:
    def __init__(self, passages: Iterable[Passage], k1: float = 1.2, b: float = 0.75) -> None:
        self._passages = list(passages)
        self._docs = [Counter(terms(f"{p.title} {p.title} {p.text}")) for p in self._passages]
        self._avg = sum(sum(d.values()) for d in self._docs) / max(len(self._docs), 1)
        df = Counter(t for d in self._docs for t in d)
        n = len(self._docs)
        self._idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self._k1, self._b = k1, b

    @classmethod
    def from_folder(cls, folder: str | Path) -> KeywordKnowledgeBase:
        return cls(load_folder(folder))

    def __len__(self) -> int:
        return len(self._passages)

    def search(self, query: str, k: int = 4) -> list[Passage]:
        q = set(terms(query))
        scored = []
        for passage, doc in zip(self._passages, self._docs, strict=True):
            length = sum(doc.values()) or 1
            score = 0.0
            for t in q & doc.keys():
                tf = doc[t]
                norm = tf + self._k1 * (1 - self._b + self._b * length / self._avg)
                score += self._idf[t] * tf * (self._k1 + 1) / norm
            if score > 0:
                scored.append((score, passage))
        scored.sort(key=lambda item: item[0], reverse=True)
        return [Passage(p.text, p.source, round(s, 4), p.title) for s, p in scored[: max(k, 0)]]
