"""Measure a knowledge base on the evaluation set: right section first, in-scope answered,
out-of-scope declined. Used by the tests, the fit script and ``bench/retrieval_qps.py``."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from typing import Any

from app.domain.retrieval import answers
from app.ports.knowledge import KnowledgeBase
from app.settings import EXAMPLE_KNOWLEDGE_DIR
from tests.retrieval.questions import IN_SCOPE, OUT_OF_SCOPE, SOURCE


@dataclass
class Rates:
    right_first: float
    answered: float
    declined: float
    misranked: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    wrongly_answered: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"right section first {self.right_first:6.1%} of {len(IN_SCOPE)} in-scope, "
            f"answered {self.answered:6.1%}; "
            f"declined {self.declined:6.1%} of {len(OUT_OF_SCOPE)} out-of-scope"
        )


def measure(kb: KnowledgeBase, k: int = 4) -> Rates:
    misranked, unanswered, wrong = [], [], []
    for question, title in IN_SCOPE:
        passages = kb.search(question, k)
        if not passages or (passages[0].title, passages[0].source) != (title, SOURCE):
            misranked.append(question)
        if not answers(passages):
            unanswered.append(question)
    for question in OUT_OF_SCOPE:
        if answers(kb.search(question, k)):
            wrong.append(question)
    n_in, n_out = len(IN_SCOPE), len(OUT_OF_SCOPE)
    return Rates(
        1 - len(misranked) / n_in,
        1 - len(unanswered) / n_in,
        1 - len(wrong) / n_out,
        misranked,
        unanswered,
        wrong,
    )


def keyword_kb() -> Any:
    from app.adapters.memory.knowledge import KeywordKnowledgeBase

    return KeywordKnowledgeBase.from_folder(EXAMPLE_KNOWLEDGE_DIR)


def hybrid_kb(model: str) -> Any:
    from app.adapters.embeddings import build_embedder
    from app.adapters.faiss.documents import FolderSource
    from app.adapters.faiss.knowledge import FaissKnowledgeBase

    documents = FolderSource(EXAMPLE_KNOWLEDGE_DIR).documents()
    return FaissKnowledgeBase.from_documents(documents, build_embedder(model), tempfile.mkdtemp())
