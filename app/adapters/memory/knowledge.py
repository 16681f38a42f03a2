"""A keyword knowledge base over the business's documents: the offline, dependency-free default.

Each heading's section of each document is one passage (its title kept and counted twice).
Scoring is BM25 (:mod:`app.adapters.bm25`, with synonyms) over Portuguese-analysed words
(:mod:`app.adapters.lexical`: accents folded, stop words dropped, Snowball stems), calibrated
into a confidence in [0, 1] (see :data:`CALIBRATION`). The FAISS hybrid adapter is the one to use
in production.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from app.adapters.bm25 import BM25
from app.adapters.confidence import Evidence, Logistic, calibrated
from app.adapters.faiss.documents import FolderSource
from app.adapters.lexical import analyze, without_notes
from app.adapters.synonyms import Synonyms
from app.domain.messages import Passage
from app.ports.knowledge_index import SourceDocument

SECTION_RE = re.compile(r"^#{1,3}\s+", re.MULTILINE)

# confidence = sigmoid(intercept + w1 * BM25 + w2 * coverage) of a passage, fitted on the evaluation
# set (`python -m tests.retrieval.fit`; see app.adapters.confidence).
CALIBRATION = Logistic((0.302, 7.423), -3.215)


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


class KeywordKnowledgeBase:
    def __init__(
        self,
        passages: Iterable[Passage],
        calibration: Logistic = CALIBRATION,
        synonyms: Synonyms | None = None,
    ) -> None:
        self._passages = list(passages)
        lexical = [analyze(lexical_text(p)) for p in self._passages]
        self._bm25 = BM25(lexical, synonyms=synonyms or Synonyms.bundled())
        self._calibration = calibration

    @classmethod
    def from_folder(cls, folder: str | Path, synonyms: Synonyms | None = None) -> KeywordKnowledgeBase:
        """Every document of ``folder`` that ingest reads (Markdown, text, PDF, HTML)."""
        return cls.from_documents(FolderSource(folder).documents(), synonyms)

    @classmethod
    def from_documents(
        cls, documents: Sequence[SourceDocument], synonyms: Synonyms | None = None
    ) -> KeywordKnowledgeBase:
        """Built in memory from documents already read (``conversa ask --source``)."""
        sections = (markdown_sections(d.text, d.name) or [Passage(d.text, d.name)] for d in documents)
        return cls((p for section in sections for p in section), synonyms=synonyms)

    def __len__(self) -> int:
        return len(self._passages)

    def sections_by_source(self) -> Counter[str]:
        """How many passages each document gave."""
        return Counter(p.source for p in self._passages)

    def evidence(self, query: str, k: int = 4) -> list[Evidence]:
        """The ``k`` best passages by BM25, with (BM25, coverage) to calibrate (or to fit on)."""
        terms = analyze(without_notes(query))
        scored = sorted(self._bm25.scores(terms).items(), key=lambda item: (-item[1], item[0]))
        return [
            Evidence(self._passages[i], s, (s, self._bm25.coverage(terms, i))) for i, s in scored[: max(k, 0)]
        ]

    def search(self, query: str, k: int = 4) -> list[Passage]:
        return calibrated(self.evidence(query, k), self._calibration)
