"""An answerer with no language model: it quotes the best knowledge-base passage.

It is honest about what it is (it says the answer comes from the FAQ), deterministic, and
good enough to demo and to run without any API key. It never invents: when nothing
matches it offers a human, and asking for a human hands the chat over.
"""

from __future__ import annotations

from app.domain.conversation import Turn
from app.domain.messages import Answer, Passage
from app.domain.text import fold, terms

HANDOFF_WORDS = ("atendente", "humano", "pessoa de verdade", "falar com alguem", "gerente")
GREETINGS = frozenset({"oi", "ola", "bom dia", "boa tarde", "boa noite", "eai", "e ai", "hello", "hi"})


class ExtractiveAnswerer:
    def __init__(self, business_name: str = "nossa loja", min_score: float = 0.5) -> None:
        self.business_name = business_name
        self.min_score = min_score

    def answer(self, question: str, history: list[Turn], passages: list[Passage]) -> Answer:
        folded = fold(question)
        if any(word in folded for word in HANDOFF_WORDS):
            return Answer(
                "Certo! Vou chamar uma pessoa da equipe para continuar o atendimento. "
                "Em instantes alguém responde por aqui.",
                handoff=True,
            )
        if not terms(question) and self._is_greeting(folded):
            return Answer(f"Olá! Sou o assistente virtual da {self.business_name}. Como posso ajudar?")
        best = [p for p in passages if p.score >= self.min_score]
        if not best:
            return Answer(
                "Não encontrei essa informação nas nossas perguntas frequentes. "
                "Quer que eu chame uma pessoa da equipe? É só responder *atendente*."
            )
        top = best[0]
        lead = "Encontrei isto nas nossas perguntas frequentes:"
        if not history:  # first turn of a session: say who is talking
            lead = f"Olá! Aqui é o assistente virtual da {self.business_name}. {lead}"
        title = f"**{top.title}**\n" if top.title else ""
        return Answer(f"{lead}\n\n{title}{top.text}", sources=(top.source,))

    @staticmethod
    def _is_greeting(folded: str) -> bool:
        words = " ".join(folded.replace("!", " ").replace(",", " ").split())
        return any(words.startswith(g) for g in GREETINGS) or not words
