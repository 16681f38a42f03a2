"""The business's knowledge base, searched for passages that answer a question."""

from typing import Protocol

from app.domain.messages import Passage


class KnowledgeBase(Protocol):
    def search(self, query: str, k: int = 4) -> list[Passage]:
        """The ``k`` best passages, best first (fewer, or none, when fewer match at all).

        Contract: each ``Passage.score`` is a calibrated confidence in [0, 1] that the passage
        answers ``query``, comparable across backends (keyword, FAISS hybrid with e5 or USE).
        Whether the knowledge base answers at all is decided on the best one:
        :func:`app.domain.retrieval.answers` (``passages[0].score >= ANSWER_THRESHOLD``, 0.5).
        Passages under the threshold are still returned (to show what came closest).
        """
        ...

    def warm_up(self) -> None:
        """Load now what a search needs (the index, the embedding model), so that the first
        search is fast: a processor does it while it waits out the end of the quiet period."""
        ...
