"""Who gets answered: the rules that keep the bot from answering itself or a human's chat.

Every inbound message passes :func:`screen` before anything is buffered. The rules are
pure: the caller supplies the chat's stored state and the current time, and applies the
returned :class:`Screening` (pause the chat, opt it out…) through its ports.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from app.domain.messages import InboundMessage, MessageKind


@dataclass(frozen=True, slots=True)
class ChatState:
    """What Conversa remembers about a chat besides its history."""

    paused_until_ms: int = 0
    opted_out: bool = False

    def is_paused(self, now_ms: int) -> bool:
        return self.paused_until_ms > now_ms


@dataclass(frozen=True, slots=True)
class ChatRules:
    """The business's choices about whom the bot talks to."""

    takeover_ms: int = 30 * 60 * 1000
    groups_enabled: bool = False
    ignored_chats: frozenset[str] = field(default_factory=frozenset)
    opt_out_keywords: frozenset[str] = frozenset({"parar", "sair", "stop", "descadastrar"})
    opt_in_keywords: frozenset[str] = frozenset({"voltar", "start", "ativar bot"})


class Action(StrEnum):
    """What to do with an inbound message."""

    ACCEPT = "accept"
    IGNORE = "ignore"
    TAKEOVER = "takeover"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"


@dataclass(frozen=True, slots=True)
class Screening:
    action: Action
    reason: str
    pause_until_ms: int = 0

    @property
    def answers(self) -> bool:
        """Whether the message goes on to the buffer and, eventually, the answerer."""
        return self.action is Action.ACCEPT


NOT_ANSWERED_KINDS = {
    MessageKind.REACTION: "reactions are not answered",
    MessageKind.POLL: "poll events are not answered",
    MessageKind.POLL_VOTE: "poll votes are not answered",
    MessageKind.STICKER: "stickers are not answered",
}

# What the owner really sends, and so takes the chat over: a text (a reply quoting another
# message is a text), a voice note or audio, an image, a video, a document, a location, a
# contact, a poll. Not: a reaction, a sticker, a poll vote, a list/button choice, an edit of
# an earlier message, anything else (deletions, protocol messages); receipts and presence
# never reach the rules (they are not messages).
TAKEOVER_KINDS = frozenset(
    {
        MessageKind.TEXT,
        MessageKind.AUDIO,
        MessageKind.IMAGE,
        MessageKind.VIDEO,
        MessageKind.DOCUMENT,
        MessageKind.LOCATION,
        MessageKind.CONTACT,
        MessageKind.POLL,
    }
)
NOT_A_CHAT_SUFFIXES = ("@broadcast", "@newsletter")


def keyword(text: str) -> str:
    """Fold case, accents and surrounding punctuation so "Parar!" matches "parar"."""
    folded = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return plain.strip(" .!?,;:\"'")


def screen(message: InboundMessage, state: ChatState, rules: ChatRules, now_ms: int) -> Screening:
    """Decide whether ``message`` is answered, ignored, or changes the chat's state.

    The order matters: our own echoes are dropped before anything else, so an API-sent
    reply can never pause the chat; status updates and channels are no conversation; a
    message the owner really sends pauses the chat even when it is opted out or ignored, so
    the human keeps control, but the owner's reactions, stickers, votes and edits do not.
    """
    if message.from_me and message.sent_by_api:
        return Screening(Action.IGNORE, "sent by the API (the bot's own reply)")
    if message.jid.endswith(NOT_A_CHAT_SUFFIXES):
        return Screening(Action.IGNORE, "status updates and channels are not answered")
    if message.from_me and message.is_edit:
        return Screening(Action.IGNORE, "the owner edited an earlier message: not a takeover")
    if message.from_me and message.kind not in TAKEOVER_KINDS:
        return Screening(Action.IGNORE, f"the owner's {message.kind.value.replace('_', ' ')}: not a takeover")
    if message.from_me:
        until = now_ms + rules.takeover_ms
        return Screening(Action.TAKEOVER, "typed by the owner on the phone: human takeover", until)
    if message.is_group and not rules.groups_enabled:
        return Screening(Action.IGNORE, "group chats are not answered")
    if message.jid in rules.ignored_chats or message.chat_id in rules.ignored_chats:
        return Screening(Action.IGNORE, "chat is on the ignore list")
    if message.kind in NOT_ANSWERED_KINDS:
        return Screening(Action.IGNORE, NOT_ANSWERED_KINDS[message.kind])
    if message.is_edit:
        return Screening(Action.IGNORE, "edit of an earlier message")
    word = keyword(message.text)
    if word and word in rules.opt_in_keywords and state.opted_out:
        return Screening(Action.OPT_IN, "customer turned the bot back on")
    if state.opted_out:
        return Screening(Action.IGNORE, "customer opted out")
    if word and word in rules.opt_out_keywords:
        return Screening(Action.OPT_OUT, "customer asked the bot to stop")
    if state.is_paused(now_ms):
        return Screening(Action.IGNORE, "human takeover in progress")
    return Screening(Action.ACCEPT, "new customer message")
