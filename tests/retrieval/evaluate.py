"""Measure a knowledge base on an evaluation set: right passage first, in-scope answered,
out-of-scope declined. Used by the tests, the fit script and ``bench/retrieval_qps.py``.

Two sets: ``TUNING`` (the bundled bakery FAQ, labelled by section: every constant is fitted on
it) and ``HELD_OUT`` (a vet clinic's 8 documents, labelled by document, written apart from the
tuning set and never fitted on: it shows how the figures hold on a knowledge base never seen),
and ``HELD_OUT_DENTAL`` (a dental clinic, likewise). Their documents carry the owner's
"Perguntas:" lines; each set's ``as_written`` is the same set without them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from app.adapters.retrieval.passages import split_asked
from app.domain.messages import Passage
from app.domain.retrieval import answers
from app.ports.knowledge import KnowledgeBase
from app.settings import EXAMPLE_KNOWLEDGE_DIR
from tests.retrieval import questions
from tests.retrieval.heldout import questions as heldout
from tests.retrieval.heldout_dental import questions as heldout_dental


@dataclass(frozen=True)
class EvaluationSet:
    name: str
    folder: Path
    in_scope: list[tuple[str, str]]  # (question, label)
    out_of_scope: list[str]
    is_right: Callable[[Passage, str], bool]  # does this best passage carry the label?
    unit: str  # what a label names

    @cached_property
    def as_written(self) -> EvaluationSet:
        """The same set on its documents without the owner's "Perguntas:" lines: a business that
        wrote none (a temporary copy of the folder)."""
        folder = Path(tempfile.mkdtemp(prefix="as-written-"))
        for document in self.folder.glob("*.md"):
            (folder / document.name).write_text(split_asked(document.read_text("utf-8"))[0], "utf-8")
        return replace(self, name=f"{self.name}, without the owner's questions", folder=folder)


TUNING = EvaluationSet(
    "tuning (bakery FAQ)",
    EXAMPLE_KNOWLEDGE_DIR,
    questions.IN_SCOPE,
    questions.OUT_OF_SCOPE,
    lambda passage, title: (passage.title, passage.source) == (title, questions.SOURCE),
    "section",
)
HELD_OUT = EvaluationSet(
    "held-out (vet clinic, 8 documents)",
    Path(heldout.__file__).parent / "knowledge",
    heldout.IN_SCOPE,
    heldout.OUT_OF_SCOPE,
    lambda passage, document: passage.source == document,
    "document",
)
HELD_OUT_DENTAL = EvaluationSet(
    "held-out (dental clinic, 8 documents)",
    Path(heldout_dental.__file__).parent / "knowledge",
    heldout_dental.IN_SCOPE,
    heldout_dental.OUT_OF_SCOPE,
    lambda passage, document: passage.source == document,
    "document",
)
HELD_OUT_SETS = (HELD_OUT, HELD_OUT_DENTAL)


@dataclass
class Rates:
    evaluation: EvaluationSet
    right_first: float
    answered: float
    declined: float
    misranked: list[str] = field(default_factory=list)
    unanswered: list[str] = field(default_factory=list)
    wrongly_answered: list[str] = field(default_factory=list)

    def line(self) -> str:
        e = self.evaluation
        return (
            f"right {e.unit} first {self.right_first:6.1%} of {len(e.in_scope)} in-scope, "
            f"answered {self.answered:6.1%}; "
            f"declined {self.declined:6.1%} of {len(e.out_of_scope)} out-of-scope"
        )


def measure(kb: KnowledgeBase, evaluation: EvaluationSet = TUNING, k: int = 4) -> Rates:
    misranked, unanswered, wrong = [], [], []
    for question, label in evaluation.in_scope:
        passages = kb.search(question, k)
        if not passages or not evaluation.is_right(passages[0], label):
            misranked.append(question)
        if not answers(passages):
            unanswered.append(question)
    for question in evaluation.out_of_scope:
        if answers(kb.search(question, k)):
            wrong.append(question)
    n_in, n_out = len(evaluation.in_scope), len(evaluation.out_of_scope)
    return Rates(
        evaluation,
        1 - len(misranked) / n_in,
        1 - len(unanswered) / n_in,
        1 - len(wrong) / n_out,
        misranked,
        unanswered,
        wrong,
    )


def keyword_kb(evaluation: EvaluationSet = TUNING) -> Any:
    from app.adapters.memory.knowledge import KeywordKnowledgeBase

    return KeywordKnowledgeBase.from_folder(evaluation.folder)


def hybrid_kb(model: str, evaluation: EvaluationSet = TUNING) -> Any:
    from app.adapters.embeddings import build_embedder
    from app.adapters.faiss.documents import FolderSource
    from app.adapters.faiss.knowledge import FaissKnowledgeBase

    documents = FolderSource(evaluation.folder).documents()
    return FaissKnowledgeBase.from_documents(documents, build_embedder(model), tempfile.mkdtemp())
