"""The business's knowledge base, searched for passages that answer a question."""

from typing import Protocol

from app.domain.messages import Passage


class KnowledgeBase(Protocol):
    def search(self, query: str, k: int = 4) -> list[Passage]:
        """The ``k`` best passages, best first."""
        ...
