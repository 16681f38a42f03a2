"""An answerer with no language model: it quotes the best knowledge-base passage.

It is honest about what it is (it says the answer comes from the FAQ), deterministic, and
good enough to demo and to run without any API key. It never invents: it quotes only a
passage the knowledge base says answers the question (calibrated score at or above the
threshold); otherwise it reports ``NOT_FOUND`` and the domain sends the business's fallback
(:mod:`app.domain.answering`). Asking for a human hands the chat over. The "Fonte: …" line
naming the passage's document is added by the domain, with the same rule for every answerer.
"""

from __future__ import annotations

from app.domain.conversation import Turn
from app.domain.messages import Answer, Outcome, Passage, Source
from app.domain.retrieval import ANSWER_THRESHOLD, answers
from app.domain.text import fold, terms

HANDOFF_WORDS = ("atendente", "humano", "pessoa de verdade", "falar com alguem", "gerente")
GREETINGS = frozenset({"oi", "ola", "bom dia", "boa tarde", "boa noite", "eai", "e ai", "hello", "hi"})
HANDOFF_TEXT = (
    "Certo! Vou chamar uma pessoa da equipe para continuar o atendimento. "
    "Em instantes alguém responde por aqui."
)
NOT_FOUND_TEXT = "Não encontrei essa informação nas nossas perguntas frequentes."


class ExtractiveAnswerer:
    def __init__(self, business_name: str = "nossa loja", threshold: float = ANSWER_THRESHOLD) -> None:
        self.business_name = business_name
        self.threshold = threshold

    def answer(self, question: str, history: list[Turn], passages: list[Passage]) -> Answer:
        folded = fold(question)
        if any(word in folded for word in HANDOFF_WORDS):
            return Answer(HANDOFF_TEXT, handoff=True, outcome=Outcome.HANDOFF)
        if not terms(question) and self._is_greeting(folded):
            return Answer(
                f"Olá! Sou o assistente virtual da {self.business_name}. Como posso ajudar?",
                outcome=Outcome.SMALL_TALK,
            )
        if not answers(passages, self.threshold):  # never quote what the knowledge base says does not answer
            return Answer(NOT_FOUND_TEXT, outcome=Outcome.NOT_FOUND)
        top = passages[0]
        lead = "Encontrei isto nas nossas perguntas frequentes:"
        if not history:  # first turn of a session: say who is talking
            lead = f"Olá! Aqui é o assistente virtual da {self.business_name}. {lead}"
        title = f"**{top.title}**\n" if top.title else ""
        return Answer(f"{lead}\n\n{title}{top.text}", sources=(Source.of(top),))

    @staticmethod
    def _is_greeting(folded: str) -> bool:
        words = " ".join(folded.replace("!", " ").replace(",", " ").split())
        return any(words.startswith(g) for g in GREETINGS) or not words
