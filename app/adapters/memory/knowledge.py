"""A keyword knowledge base over the business's documents: the offline default.

Each heading's section of each document is one passage (its title kept and counted twice).
Scoring is BM25 (:mod:`app.adapters.retrieval.lexical_index`, with synonyms) over
Portuguese-analysed words (:mod:`app.adapters.retrieval.analyzer`: accents folded, stop words
dropped, Snowball stems), calibrated into a confidence in [0, 1] (see :data:`CALIBRATION`).

Built from a folder, the index is cached by the folder's content (``cache_dir``, one folder
per sha256 of the files' names and bytes, the postings as memory-mapped ``.npy`` arrays): every
``conversa process`` is a fresh process, and the next ones open the postings instead of
analysing every document again. The FAISS hybrid
adapter is the one to use in production.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.adapters.faiss.documents import FolderSource
from app.adapters.retrieval.analyzer import ANALYZER_VERSION, analyze, without_notes
from app.adapters.retrieval.confidence import Calibration, Evidence, Logistic, calibrated
from app.adapters.retrieval.files import mapped_arrays, mapped_bytes, npy_files, write_atomically
from app.adapters.retrieval.lexical_index import LexicalIndex
from app.adapters.retrieval.passages import (
    PassageTable,
    document_passages,
    lexical_text,
    passages_json,
)
from app.adapters.retrieval.synonyms import Synonyms
from app.domain.messages import Passage
from app.ports.knowledge_index import SourceDocument

__all__ = ["CALIBRATION", "KeywordKnowledgeBase"]

log = logging.getLogger("conversa.knowledge")
PASSAGES = "passages.json"

# confidence = sigmoid(intercept + w1 * BM25 + w2 * coverage) of a passage, fitted on the evaluation
# set (`python -m tests.retrieval.fit`; see app.adapters.retrieval.confidence).
CALIBRATION = Calibration(
    as_written=Logistic((0.346, 7.304), -3.278),
    with_questions=Logistic((0.552, 9.775), -6.372),
)


CACHE_FORMAT = "passages-2"  # passages-2: the owner's "Perguntas:" kept apart from the text


def folder_digest(folder: Path) -> str:
    """The sha256 of every file's relative name and bytes (and of the analyzer's version and the
    cache's format)."""
    digest = hashlib.sha256(f"{ANALYZER_VERSION} {CACHE_FORMAT}".encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = str(path.relative_to(folder)).encode("utf-8")
        digest.update(len(name).to_bytes(4, "big") + name)
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


class KeywordKnowledgeBase:
    def __init__(
        self,
        passages: Sequence[Passage],
        calibration: Calibration = CALIBRATION,
        synonyms: Synonyms | None = None,
        index: LexicalIndex | None = None,
    ) -> None:
        self._passages = passages
        self._synonyms = synonyms or Synonyms.bundled()
        self._index = index or LexicalIndex.build(
            [analyze(lexical_text(p)) for p in passages], synonyms=self._synonyms
        )
        self._calibration = calibration

    @classmethod
    def from_folder(
        cls, folder: str | Path, synonyms: Synonyms | None = None, cache_dir: str | Path | None = None
    ) -> KeywordKnowledgeBase:
        """Every document of ``folder`` that ingest reads (Markdown, text, PDF, HTML); with
        ``cache_dir``, the index is read from there when this content was indexed before."""
        folder = Path(folder)
        if cache_dir is None:
            return cls.from_documents(FolderSource(folder).documents(), synonyms)
        cached = Path(cache_dir) / folder_digest(folder)
        synonyms = synonyms or Synonyms.bundled()
        if (cached / PASSAGES).exists():
            try:
                index, extra = LexicalIndex.from_arrays(mapped_arrays(cached, "lexical"), synonyms)
                passages = PassageTable(mapped_bytes(cached / PASSAGES), extra["ranges"])
                return cls(passages, synonyms=synonyms, index=index)
            except (OSError, ValueError, KeyError) as error:
                log.warning("ignoring the cached keyword index %s (%s): rebuilding it", cached, error)
        built = cls.from_documents(FolderSource(folder).documents(), synonyms)
        data, ranges = passages_json(built._passages)
        files = npy_files("lexical", {**built._index.arrays(), "ranges": ranges})
        try:
            write_atomically(cached, {**files, PASSAGES: data})
        except OSError as error:  # a read-only disk costs speed, not answers
            log.warning("cannot cache the keyword index in %s: %s", cached, error)
        return built

    @classmethod
    def from_documents(
        cls, documents: Sequence[SourceDocument], synonyms: Synonyms | None = None
    ) -> KeywordKnowledgeBase:
        """Built in memory from documents already read (``conversa ask --source``)."""
        return cls([p for d in documents for p in document_passages(d.text, d.name)], synonyms=synonyms)

    def __len__(self) -> int:
        return len(self._passages)

    def sections_by_source(self) -> Counter[str]:
        """How many passages each document gave."""
        return Counter(p.source for p in self._passages)

    def evidence(self, query: str, k: int = 4) -> list[Evidence]:
        """The ``k`` best passages by BM25, with (BM25, coverage) to calibrate (or to fit on)."""
        found = self._index.match(analyze(without_notes(query)))
        ranked = np.lexsort((found.ids, -found.bm25))[: max(k, 0)].tolist()
        return [
            Evidence(
                self._passages[int(found.ids[j])],
                float(found.bm25[j]),
                (float(found.bm25[j]), float(found.coverage[j])),
            )
            for j in ranked
        ]

    def search(self, query: str, k: int = 4) -> list[Passage]:
        return calibrated(self.evidence(query, k), self._calibration)

    def warm_up(self) -> None:
        """Nothing left to load: the index is read (or built) when the knowledge base is made."""
