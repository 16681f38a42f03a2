"""Whether to answer, and what the customer gets: the knowledge base's decision, kept by the domain.

The knowledge base scores its passages with a calibrated confidence
(:mod:`app.domain.retrieval`). Only the passages that answer are shown to the answerer —
none at all when the best one does not —, so neither the extractive answerer nor a language
model can quote an unrelated passage. What comes back is then settled here:

- the customer asked for a person (``HANDOFF``): the answerer's text, the chat handed off;
- a greeting or thanks (``SMALL_TALK``): sent as written, with no source;
- an answer (``ANSWERED``) is only kept when the knowledge base answers; it names the
  documents it used (those it cited among the passages it was shown, else the best one),
  and ends with a short "Fonte: …" line unless the business turned it off;
- anything else — nothing in the knowledge base answers, the model said it did not find it,
  or it answered with no passage to answer from — becomes the business's fallback: it says
  it was not found, a person of the team is called, and the chat is flagged as a handoff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from app.domain.messages import Answer, Outcome, Passage, Source
from app.domain.retrieval import ANSWER_THRESHOLD

if TYPE_CHECKING:
    from app.domain.conversation import Turn
    from app.ports.answerer import Answerer
    from app.ports.knowledge import KnowledgeBase

FALLBACK_TEXT = (
    "Não encontrei essa informação na nossa base de atendimento. "
    "Já chamei uma pessoa da equipe da {business}: em instantes alguém responde por aqui."
)


@dataclass(frozen=True, slots=True)
class AnsweringRules:
    business_name: str = "nossa loja"
    threshold: float = ANSWER_THRESHOLD
    show_sources: bool = True

    @property
    def fallback_text(self) -> str:
        return FALLBACK_TEXT.format(business=self.business_name)


def answering_passages(passages: Sequence[Passage], threshold: float = ANSWER_THRESHOLD) -> list[Passage]:
    """The passages the answerer may use: those at or above the threshold, best first.

    Empty when the best one is under it: then nothing in the knowledge base answers.
    """
    return [p for p in passages if p.score >= threshold]


def sources_line(sources: Sequence[Source]) -> str:
    """``_Fonte: Horários (faq.md)_``: short, italic, on the answer's last line."""
    named = [f"{s.title} ({s.source})" if s.title else s.source for s in sources]
    label = "Fonte" if len(named) == 1 else "Fontes"
    return f"_{label}: {'; '.join(named)}_"


def _used(answer: Answer, shown: Sequence[Passage], or_best: bool = True) -> tuple[Source, ...]:
    """The sources the answer cited among the passages shown (best first), else (``or_best``)
    the best passage: a model that forgot to cite answered from what it was shown."""
    shown_keys = {(p.source, p.title) for p in shown}
    cited = {(s.source, s.title) for s in answer.sources if (s.source, s.title) in shown_keys}
    if not cited and shown and or_best:
        cited = {(shown[0].source, shown[0].title)}
    used: dict[tuple[str, str], Source] = {}
    for passage in shown:  # best first, one entry per document section
        key = (passage.source, passage.title)
        if key in cited and key not in used:
            used[key] = Source.of(passage)
    return tuple(used.values())


def settle(answer: Answer, shown: Sequence[Passage], rules: AnsweringRules) -> Answer:
    """What the customer gets, given what the answerer wrote from the passages it was ``shown``."""
    if answer.handoff or answer.outcome is Outcome.HANDOFF:
        return replace(
            answer, handoff=True, outcome=Outcome.HANDOFF, sources=_used(answer, shown, or_best=False)
        )
    if answer.outcome is Outcome.SMALL_TALK and answer.text.strip():
        return replace(answer, sources=())
    if answer.outcome is Outcome.ANSWERED and shown and answer.text.strip():
        sources = _used(answer, shown)
        text = answer.text.rstrip()
        if rules.show_sources and sources:
            text = f"{text}\n{sources_line(sources)}"
        return replace(answer, text=text, sources=sources)
    return Answer(rules.fallback_text, handoff=True, outcome=Outcome.NOT_FOUND)


def answer_question(
    question: str,
    history: list[Turn],
    knowledge: KnowledgeBase,
    answerer: Answerer,
    rules: AnsweringRules,
    k: int = 4,
) -> Answer:
    """Search (the ``k`` best), show the answerer only what answers, settle what the customer gets."""
    shown = answering_passages(knowledge.search(question, k), rules.threshold)
    return settle(answerer.answer(question, history, shown), shown, rules)
