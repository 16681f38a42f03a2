"""The owner's side of a handoff: what the team chat is told, and what the customer is promised.

A handoff happens when the customer asks for a person, when the knowledge base has no answer,
or (with a team chat) when a file the customer sent could not be read. The team chat
(``CONVERSA_TEAM_CHAT``: the owner's number or the team's group) then gets one message with
the customer's name and number, a ``wa.me`` link, why, and the customer's last messages.

Who waits for a person decides whether the bot steps back: only a customer who asked for a
person, within business hours, pauses the bot (a person is coming now). A fallback — the
knowledge base did not know — never silences the bot: it keeps answering what it can while
the team is told.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from app.domain.messages import GROUP_SUFFIX, LID_SUFFIX, PHONE_SUFFIX, split_chat_key
from app.domain.validation import clip, is_jid

LAST_MESSAGES = 4  # the customer's last messages quoted to the team
MESSAGE_MAX_CHARS = 200  # each of them, clipped


class HandoffReason(StrEnum):
    ASKED = "asked"  # the customer asked for a person
    NOT_FOUND = "not_found"  # the knowledge base had no answer
    UNREADABLE = "unreadable"  # a file the customer sent could not be read


WHY = {
    HandoffReason.ASKED: "o cliente pediu para falar com uma pessoa",
    HandoffReason.NOT_FOUND: "a base de conhecimento não tem a resposta",
    HandoffReason.UNREADABLE: "não consegui ler um arquivo que o cliente enviou",
}


def team_chat_jid(value: str) -> str:
    """``CONVERSA_TEAM_CHAT`` as a JID: digits (``+55 41 99999-0000`` too) become a phone JID;
    a phone or group JID stays. Raises ``ValueError`` with one line otherwise."""
    text = value.strip()
    if not text:
        return ""
    digits = "".join(c for c in text if c.isdigit())
    if "@" not in text and digits and all(c.isdigit() or c in "+-() ." for c in text):
        return digits + PHONE_SUFFIX
    if is_jid(text) and text.endswith((PHONE_SUFFIX, GROUP_SUFFIX)):
        return text
    raise ValueError(
        f"CONVERSA_TEAM_CHAT: {clip(text, 64)!r} is not a WhatsApp number or a group JID (…@g.us)"
    )


def phone_of(chat_id: str) -> str:
    """The customer's number (digits) of a chat key, or "" when the chat is not a phone."""
    jid = split_chat_key(chat_id)[1]
    user, _, domain = jid.partition("@")
    return user.split(":")[0] if domain == PHONE_SUFFIX[1:] and user else ""


def wa_link(chat_id: str) -> str:
    """``https://wa.me/5541999990000``: one tap opens the customer's chat on the team's phone."""
    number = phone_of(chat_id)
    return f"https://wa.me/{number}" if number else ""


def handoff_notice(
    customer_name: str,
    chat_id: str,
    reason: HandoffReason,
    last_messages: Sequence[str],
    promise: str = "",
) -> str:
    """The one message the team chat gets for a handoff (WhatsApp formatting, Portuguese)."""
    number = phone_of(chat_id)
    jid = split_chat_key(chat_id)[1]
    who = clip(customer_name, 60) or "Cliente"
    shown = f"+{number}" if number else (jid if not jid.endswith(LID_SUFFIX) else "contato sem número")
    lines = [f"🙋 *Atendimento humano*: {who} ({shown})", f"Motivo: {WHY[reason]}."]
    if link := wa_link(chat_id):
        lines.append(f"Abrir a conversa: {link}")
    quoted = [clip(m, MESSAGE_MAX_CHARS) for m in last_messages if m.strip()][-LAST_MESSAGES:]
    if quoted:
        lines.append("Últimas mensagens:")
        lines.extend(f"> {m}" for m in quoted)
    if promise:
        lines.append(f"Fora do horário: o cliente foi avisado que {promise}.")
    if number:
        lines.append(f"Para devolver ao bot: #bot {number}")
    return "\n".join(lines)


def notice_track_id(batch_key: str) -> str:
    """The tracking id of the team's notice for a batch: one notice per batch, ever."""
    digest = hashlib.sha256(batch_key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{digest}-team"


def notice_outbox_key(chat_id: str) -> str:
    """Where the outbox keeps the team notice of a customer's chat (next to its reply)."""
    return f"{chat_id}#team"


@dataclass(frozen=True, slots=True)
class CustomerWords:
    """What the customer is told at a handoff, given who is coming and when."""

    business: str

    def not_found_closed(self, promise: str) -> str:
        return (
            "Não encontrei essa informação na nossa base de atendimento. "
            f"Já avisei a equipe da {self.business}, e {promise}. "
            "Enquanto isso, posso responder outras dúvidas por aqui."
        )

    def asked_closed(self, promise: str) -> str:
        return (
            f"Certo! Já avisei a equipe da {self.business}. Agora estamos fora do horário de "
            f"atendimento: {promise}. Enquanto isso, posso responder outras dúvidas por aqui."
        )

    def unreadable(self, promise: str) -> str:
        if promise:
            return f"Também avisei a equipe da {self.business}, e {promise}."
        return f"Também avisei a equipe da {self.business}."
