"""Ask: answer one question without WhatsApp, as a customer's first message would be answered.

The same decision as ``process`` (:func:`app.domain.answering.answer_question`): the
configured knowledge base and answerer, the business's fallback when nothing answers. No
history, no chat, no state: an owner tries the bot on their documents, and the quality of
answers is measured from outside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.domain.answering import AnsweringRules, answer_question
from app.domain.validation import cap_text

if TYPE_CHECKING:
    from app.ports.answerer import Answerer
    from app.ports.knowledge import KnowledgeBase


@dataclass(frozen=True, slots=True)
class AskResult:
    question: str
    answered: bool
    text: str
    sources: list[dict[str, Any]] = field(default_factory=list)  # source, title, score; best first
    handoff: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "answered": self.answered,
            "text": self.text,
            "sources": self.sources,
            "handoff": self.handoff,
        }


@dataclass
class AskQuestion:
    knowledge: KnowledgeBase
    answerer: Answerer
    rules: AnsweringRules
    retrieval_k: int = 4
    question_max_chars: int = 2_000

    def __call__(self, question: str) -> AskResult:
        asked = cap_text(question.strip(), self.question_max_chars)
        answer = answer_question(asked, [], self.knowledge, self.answerer, self.rules, self.retrieval_k)
        sources = [s.to_dict() for s in answer.sources]
        return AskResult(question, answer.answered, answer.text, sources, answer.handoff)
