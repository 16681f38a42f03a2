"""Whatever writes the answer: an extractive offline answerer or a language model."""

from typing import Protocol

from app.domain.conversation import Turn
from app.domain.messages import Answer, Passage


class Answerer(Protocol):
    def answer(self, question: str, history: list[Turn], passages: list[Passage]) -> Answer: ...
