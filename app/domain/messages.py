"""The messages Conversa reasons about, independent of any WhatsApp provider's JSON."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.domain.authenticity import WebhookOrigin


class MessageKind(StrEnum):
    """What a customer sent; decides how the message is turned into text."""

    TEXT = "text"
    AUDIO = "audio"
    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACT = "contact"
    REACTION = "reaction"
    POLL = "poll"
    POLL_VOTE = "poll_vote"
    LIST_RESPONSE = "list_response"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class MediaRef:
    """Where a media file can be fetched from the provider, plus what is known before fetching.

    ``instance``: the provider instance that received it (whose token downloads it).
    """

    message_id: str
    mimetype: str = ""
    file_name: str = ""
    size_bytes: int = 0
    seconds: int = 0
    page_count: int = 0
    instance: str = ""


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One new WhatsApp message, as the provider delivered it, in domain terms.

    ``chat_id`` is the chat's key, ``instance/jid`` (see :func:`chat_key`): one deployment
    may serve several WhatsApp numbers, and the JID is already normalised (see
    :func:`normalise_chat_id`). It keys the chat's buffer and memory and addresses the reply.
    ``origin`` is what the body said about its sender (instance, token, owner), checked for
    authenticity before anything else.
    """

    instance: str
    chat_id: str
    message_id: str
    sender: str
    sender_name: str
    kind: MessageKind
    text: str
    timestamp_ms: int
    from_me: bool = False
    sent_by_api: bool = False
    is_group: bool = False
    media: MediaRef | None = None
    quoted_id: str = ""
    edited_id: str = ""
    wa_message_id: str = ""
    origin: WebhookOrigin | None = field(default=None, repr=False, compare=False)

    @property
    def is_edit(self) -> bool:
        return bool(self.edited_id)

    @property
    def jid(self) -> str:
        return split_chat_key(self.chat_id)[1]


@dataclass(frozen=True, slots=True)
class BufferedMessage:
    """A message as it waits in a chat's buffer: already turned into text.

    ``note`` is set when the content could not be read (an audio with no transcriber, a
    broken PDF): the answer then tells the customer politely instead of guessing.
    """

    message_id: str
    text: str
    kind: MessageKind = MessageKind.TEXT
    received_ms: int = 0
    sender_name: str = ""
    wa_message_id: str = ""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BufferedMessage:
        return cls(
            message_id=str(data["message_id"]),
            text=str(data.get("text", "")),
            kind=MessageKind(data.get("kind", MessageKind.TEXT)),
            received_ms=int(data.get("received_ms", 0)),
            sender_name=str(data.get("sender_name", "")),
            wa_message_id=str(data.get("wa_message_id", "")),
            note=str(data.get("note", "")),
        )


@dataclass(frozen=True, slots=True)
class Batch:
    """The messages of one chat taken together under a lease: answered as one turn."""

    chat_id: str
    token: str
    messages: tuple[BufferedMessage, ...]
    attempts: int = 1

    @property
    def message_ids(self) -> list[str]:
        return [m.message_id for m in self.messages]

    @property
    def key(self) -> str:
        """Stable across retries of the same messages, unlike the lease token."""
        return ",".join(self.message_ids)

    def combined_text(self) -> str:
        return "\n".join(m.text for m in self.messages if m.text.strip())

    def notes(self) -> list[str]:
        return [m.note for m in self.messages if m.note]


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of the business's knowledge base returned by a search.

    ``asked``: the questions the owner wrote under the section ("Perguntas: tem táxi dog?"),
    in the customers' own words. Retrieval searches them; an answer never shows them."""

    text: str
    source: str = ""
    score: float = 0.0
    title: str = ""
    asked: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    """A document an answer used: its file name, the passage's title and its calibrated score."""

    source: str
    title: str = ""
    score: float = 0.0

    @classmethod
    def of(cls, passage: Passage) -> Source:
        return cls(passage.source, passage.title, passage.score)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "title": self.title, "score": self.score}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(str(data.get("source", "")), str(data.get("title", "")), float(data.get("score", 0.0)))


class Outcome(StrEnum):
    """What kind of answer the answerer wrote; :mod:`app.domain.answering` decides what is sent."""

    ANSWERED = "answered"  # from the knowledge base's passages
    SMALL_TALK = "small_talk"  # a greeting or thanks: nothing to look up
    NOT_FOUND = "not_found"  # the passages do not answer: the business's fallback
    HANDOFF = "handoff"  # the customer asked for a person, or only the team can help


@dataclass(frozen=True, slots=True)
class Answer:
    """What the answerer wants to say, whether a human should take over, and what it used."""

    text: str
    handoff: bool = False
    sources: tuple[Source, ...] = field(default_factory=tuple)
    outcome: Outcome = Outcome.ANSWERED

    @property
    def answered(self) -> bool:
        """The question got an answer (from the knowledge base, or small talk), not the fallback."""
        return self.outcome in (Outcome.ANSWERED, Outcome.SMALL_TALK)


LID_SUFFIX = "@lid"
PHONE_SUFFIX = "@s.whatsapp.net"
GROUP_SUFFIX = "@g.us"


def normalise_chat_id(chat_id: str, *alternatives: str) -> str:
    """Pick one stable id for a contact that WhatsApp may name by phone JID or by ``@lid``.

    The phone form wins whenever any candidate has it, so a contact who shows up once as
    ``123@lid`` and once as ``5511…@s.whatsapp.net`` shares one buffer and one memory.
    Bare digits become a phone JID; a device suffix (``5511…:12@s.whatsapp.net``) is dropped.
    """
    candidates = [c.strip() for c in (chat_id, *alternatives) if c and c.strip()]
    for candidate in candidates:
        if candidate.endswith(GROUP_SUFFIX):
            return candidate
    for candidate in candidates:
        if candidate.endswith(PHONE_SUFFIX):
            user = candidate[: -len(PHONE_SUFFIX)].split(":")[0]
            return user + PHONE_SUFFIX
        if candidate.isdigit():
            return candidate + PHONE_SUFFIX
    return candidates[0] if candidates else ""


def chat_key(instance: str, jid: str) -> str:
    """The key of a chat across instances: ``instance/jid``."""
    return f"{instance}/{jid}"


def split_chat_key(key: str) -> tuple[str, str]:
    """``instance/jid`` → (instance, jid); a bare JID belongs to the default instance ("")."""
    instance, _, jid = key.rpartition("/")
    return instance, jid


def mask_phone(value: str) -> str:
    """Hide the middle of a phone number or JID for logs: ``5511987654321@s…`` → ``5511*****4321@s…``."""
    prefix, slash, value = value.rpartition("/")
    if prefix.isdigit():  # an instance named after the business's own number
        prefix = mask_phone(prefix)
    user, sep, domain = value.partition("@")
    if len(user) <= 8:
        masked = "*" * max(len(user) - 2, 0) + user[-2:]
    else:
        masked = user[:4] + "*" * (len(user) - 8) + user[-4:]
    return prefix + slash + masked + sep + domain


_DIGIT_RUN = re.compile(r"\d{8,}")


def mask_digit_runs(text: str) -> str:
    """``text`` with every run of 8 or more digits masked as a phone number (:func:`mask_phone`).

    Applied to whatever is echoed (a reason, a log line, a command's output): a phone number
    can hide in any field a body names — a chat id, malformed or not, a message id, an owner,
    an instance name — and none of them is shown in full.
    """
    return _DIGIT_RUN.sub(lambda m: mask_phone(m.group()), text)
