"""An answerer that asks a chat model, through LangChain, at any OpenAI-compatible endpoint.

OpenAI, Ollama, vLLM, OpenRouter and llama.cpp's server all speak ``/v1/chat/completions``.
The model gets the business's passages in a Portuguese system prompt and the conversation
as chat turns, and must answer with a small JSON object: ``tipo`` (its decision, a structured
marker: ``resposta`` from the passages, ``nao_encontrado`` when they do not answer — then the
domain sends the business's fallback and hands the chat off —, ``atendente``, ``conversa``),
``resposta`` (the text) and ``trechos`` (the numbers of the passages it cites, kept as the
answer's sources). JSON rather than tool calling because every endpoint supports plain text
while tool support varies (vLLM needs a flag, many Ollama models lack it); and a model that
ignores the format still gets its text through (see :func:`parse_reply`).

LangChain is imported only inside this module, and only when the answerer is first used.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.domain.conversation import Role, Turn
from app.domain.errors import ConversaError
from app.domain.messages import Answer, Outcome, Passage, Source

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

log = logging.getLogger("conversa.llm")

SYSTEM_PROMPT = """\
Você é o assistente virtual da {business} no WhatsApp. Responda em português do Brasil, \
com cordialidade, em mensagens curtas e diretas, no estilo do WhatsApp (*negrito* com um \
asterisco; sem títulos nem tabelas).

Regras:
1. Use SOMENTE as informações dos trechos da base de conhecimento abaixo. Nunca invente \
preços, horários, produtos, endereços ou políticas, nem responda com o que você sabe de fora \
dos trechos.
2. Se os trechos não trazem a resposta (ou não há trechos), não responda a pergunta: marque \
"tipo": "nao_encontrado" (a equipe será chamada).
3. Se o cliente pedir para falar com uma pessoa ou atendente, reclamar, ou precisar de algo \
que só a equipe resolve, diga que vai chamar alguém da equipe e marque "tipo": "atendente".
4. Cumprimentos e agradecimentos sem pergunta: responda com cordialidade e marque \
"tipo": "conversa".
5. Quando responder com os trechos, marque "tipo": "resposta" e cite em "trechos" os números \
dos trechos que usou.

Responda SOMENTE com um objeto JSON, sem nenhum texto fora dele:
{{"tipo": "resposta" | "nao_encontrado" | "atendente" | "conversa", \
"resposta": "<mensagem para o cliente>", "trechos": [<números dos trechos usados>]}}

Trechos da base de conhecimento:
{passages}
"""
NO_PASSAGES = "(nenhum trecho encontrado para esta pergunta)"
HANDOFF_TEXT = (
    "Certo! Vou chamar uma pessoa da equipe para continuar o atendimento. "
    "Em instantes alguém responde por aqui."
)
NO_ANSWER_TEXT = (
    "Não encontrei essa informação. Quer que eu chame uma pessoa da equipe? É só responder *atendente*."
)
_FENCE = re.compile(r"^```[a-zA-Z]*\s*|\s*```$")
_ANSWER_FIELD = re.compile(r'"resposta"\s*:\s*"((?:[^"\\]|\\.)*)')
_HANDOFF_TRUE = re.compile(r'"chamar_atendente"\s*:\s*(true|"sim"|"true")', re.IGNORECASE)
_KIND_FIELD = re.compile(r'"tipo"\s*:\s*"([a-z_]+)"', re.IGNORECASE)
# The structured marker the model must emit: what kind of answer it wrote.
KINDS = {
    "resposta": Outcome.ANSWERED,
    "nao_encontrado": Outcome.NOT_FOUND,
    "atendente": Outcome.HANDOFF,
    "conversa": Outcome.SMALL_TALK,
}


class AnswererError(ConversaError):
    """The model could not be reached or refused: the batch goes back for a retry."""


def render_passages(passages: list[Passage], max_chars: int = 1_500) -> str:
    if not passages:
        return NO_PASSAGES
    blocks = []
    for number, passage in enumerate(passages, 1):
        title = passage.title.replace('"', "'")
        source = passage.source.replace('"', "'")
        blocks.append(
            f'<trecho n="{number}" titulo="{title}" fonte="{source}">\n'
            f"{passage.text.strip()[:max_chars]}\n</trecho>"
        )
    return "\n".join(blocks)


def _json_object(text: str) -> dict[str, Any] | None:
    """The JSON object in ``text``: whole, in a code fence, or amid chatter."""
    candidates = [_FENCE.sub("", text).strip()]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            return data
    return None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "sim", "yes", "1")
    return bool(value)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the model said; ``formatted`` is False when it ignored the JSON format.

    ``outcome``: its ``tipo`` marker (an older reply with only ``chamar_atendente`` is read too;
    with neither, an answer).
    """

    text: str
    handoff: bool = False
    cited: tuple[int, ...] = ()
    formatted: bool = True
    outcome: Outcome = Outcome.ANSWERED


def _outcome(kind: object, handoff: bool) -> Outcome:
    if handoff:
        return Outcome.HANDOFF
    folded = str(kind or "").strip().lower().replace("ã", "a").replace(" ", "_")
    return KINDS.get(folded, Outcome.ANSWERED)


def parse_reply(content: str) -> Reply:
    """Read whatever the model wrote, as forgivingly as possible.

    Tolerates code fences, text around the JSON, a reply cut off mid-JSON (the ``resposta``
    string is recovered) and a model that answered in plain text (then the text is the answer).
    """
    raw = content.strip()
    data = _json_object(raw)
    if data is None:
        kind = _KIND_FIELD.search(raw)
        outcome = _outcome(kind.group(1) if kind else "", bool(_HANDOFF_TRUE.search(raw)))
        handoff = outcome is Outcome.HANDOFF
        partial = _ANSWER_FIELD.search(raw)
        if partial is not None:
            try:
                text = str(json.loads(f'"{partial.group(1)}"'))
            except ValueError:
                text = partial.group(1)
            return Reply(text.strip(), handoff, outcome=outcome)
        if raw.startswith("{"):  # broken JSON with no readable answer: show none of it
            return Reply("", handoff, outcome=outcome)
        return Reply(raw, formatted=False)
    text = data.get("resposta", data.get("answer", ""))
    cited = data.get("trechos", [])
    numbers = tuple(int(str(n)) for n in cited if str(n).isdigit()) if isinstance(cited, list) else ()
    handoff = _truthy(data.get("chamar_atendente", data.get("handoff", False)))
    outcome = _outcome(data.get("tipo", data.get("kind", "")), handoff)
    handoff = outcome is Outcome.HANDOFF
    return Reply(text.strip() if isinstance(text, str) else "", handoff, numbers, outcome=outcome)


def message_text(content: Any) -> str:
    """The text of a LangChain message content: a string or a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            b if isinstance(b, str) else str(b.get("text", "")) for b in content if isinstance(b, str | dict)
        ]
        return "".join(parts)
    return str(content or "")


class OpenAIChatAnswerer:
    """Implements :class:`app.ports.answerer.Answerer` with a chat model."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str = "",
        business_name: str = "nossa loja",
        timeout_seconds: float = 30.0,
        max_retries: int = 1,
        temperature: float | None = 0.2,
        max_tokens: int = 800,
        max_history_turns: int = 12,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.business_name = business_name
        self.timeout_seconds = timeout_seconds
        self.max_retries = max_retries
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.max_history_turns = max_history_turns
        self._chat: Any = None

    def _client(self) -> Any:
        if self._chat is None:
            from langchain_openai import ChatOpenAI
            from pydantic import SecretStr

            self._chat = ChatOpenAI(
                model=self.model,
                base_url=self.base_url,
                # Ollama and vLLM need no key, but the OpenAI client insists on one.
                api_key=SecretStr(self.api_key or "not-needed"),
                timeout=self.timeout_seconds,
                max_retries=self.max_retries,
                temperature=self.temperature,
                max_completion_tokens=self.max_tokens,
            )
        return self._chat

    def messages(self, question: str, history: list[Turn], passages: list[Passage]) -> list[BaseMessage]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        system = SYSTEM_PROMPT.format(business=self.business_name, passages=render_passages(passages))
        chat: list[BaseMessage] = [SystemMessage(system)]
        recent = history[-self.max_history_turns :] if self.max_history_turns > 0 else []
        for turn in recent:
            chat.append(HumanMessage(turn.text) if turn.role is Role.CUSTOMER else AIMessage(turn.text))
        chat.append(HumanMessage(question))
        return chat

    def answer(self, question: str, history: list[Turn], passages: list[Passage]) -> Answer:
        prompt = self.messages(question, history, passages)
        try:
            reply = self._client().invoke(prompt)
        except Exception as error:
            detail = " ".join(str(error).split())[:200]
            raise AnswererError(
                f"chat model {self.model} at {self.base_url} failed: {type(error).__name__}: {detail}"
            ) from error
        parsed = parse_reply(message_text(reply.content))
        if not parsed.formatted:
            log.warning("the model ignored the JSON format; its text is used as the answer")
        log.info("the model's decision: %s, citing %s", parsed.outcome.value, list(parsed.cited))
        text = parsed.text or (HANDOFF_TEXT if parsed.handoff else NO_ANSWER_TEXT)
        outcome = parsed.outcome if parsed.text or parsed.handoff else Outcome.NOT_FOUND  # said nothing
        cited = [Source.of(passages[n - 1]) for n in dict.fromkeys(parsed.cited) if 0 < n <= len(passages)]
        return Answer(text, handoff=parsed.handoff, sources=tuple(cited), outcome=outcome)
