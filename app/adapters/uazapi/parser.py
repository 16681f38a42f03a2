"""Turn the JSON Uazapi POSTs into an :class:`InboundMessage`, or say why it is not one.

Uazapi's real body is flat (``EventType``, ``instanceName``, ``owner``, ``message``, ``chat``),
not the ``{event, instance, data}`` shape its API description shows. Booleans sometimes
arrive as strings ("False") and ``content`` is a string for plain text but an object for
media, so content fields are read defensively. What identifies and routes a message is read
strictly: booleans must be booleans (or "true"/"false"), the chat id a WhatsApp JID, the
instance name a printable name, the message id a WhatsApp id; anything else is a malformed
body with a reason. Text is repaired (a lone surrogate becomes U+FFFD), never refused, and
every value echoed into a reason is clipped.

The parser checks nothing about authenticity: it reads ``instanceName``, ``owner`` and
``token`` into a :class:`WebhookOrigin` (also on the error of a malformed body) for the
receive use case to check.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from app.domain.authenticity import WebhookOrigin
from app.domain.errors import PayloadError
from app.domain.messages import InboundMessage, MediaRef, MessageKind, chat_key, normalise_chat_id
from app.domain.validation import (
    clip,
    is_instance_name,
    is_jid,
    is_message_id,
    is_owner,
    repair,
)
from app.ports.webhook import IgnoredEvent

MAX_INT = 2**53  # the largest integer a JSON reader elsewhere (Kestra, JavaScript) keeps exact

KIND_BY_MESSAGE_TYPE = {
    "conversation": MessageKind.TEXT,
    "extendedtextmessage": MessageKind.TEXT,
    "audiomessage": MessageKind.AUDIO,
    "imagemessage": MessageKind.IMAGE,
    "videomessage": MessageKind.VIDEO,
    "documentmessage": MessageKind.DOCUMENT,
    "documentwithcaptionmessage": MessageKind.DOCUMENT,
    "stickermessage": MessageKind.STICKER,
    "locationmessage": MessageKind.LOCATION,
    "livelocationmessage": MessageKind.LOCATION,
    "contactmessage": MessageKind.CONTACT,
    "contactsarraymessage": MessageKind.CONTACT,
    "reactionmessage": MessageKind.REACTION,
    "pollcreationmessage": MessageKind.POLL,
    "pollcreationmessagev3": MessageKind.POLL,
    "pollupdatemessage": MessageKind.POLL_VOTE,
    "listresponsemessage": MessageKind.LIST_RESPONSE,
    "buttonsresponsemessage": MessageKind.LIST_RESPONSE,
    "templatebuttonreplymessage": MessageKind.LIST_RESPONSE,
}
KIND_BY_TYPE = {"text": MessageKind.TEXT, "reaction": MessageKind.REACTION, "poll": MessageKind.POLL}

IGNORED_EVENTS = {
    "messages_update": "delivery/read status update, not a new message",
    "presence": "presence (typing/online) event",
    "connection": "instance connection event",
    "chats": "chat list update",
    "contacts": "contact list update",
    "groups": "group membership event",
    "labels": "label event",
    "chat_labels": "label event",
    "blocks": "block list event",
    "call": "call event",
    "history": "history sync event",
    "sender": "bulk sender event",
    "leads": "CRM lead event",
}


def as_bool(value: Any, name: str) -> bool:
    """A real boolean, or the strings "true"/"false" Uazapi sometimes sends; absent is false.

    Anything else (``12345``, ``["x"]``) is a malformed body: a flag that is not a flag must
    not count as the owner typing.
    """
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in {"true", "false", ""}:
            return word == "true"
    raise PayloadError(f"message field {name!r} is not a boolean ({type(value).__name__})")


def as_str(value: Any) -> str:
    """Text fields are read leniently (another type reads as empty), and repaired."""
    return repair(value) if isinstance(value, str) else ""


def strict_str(value: Any, name: str) -> str:
    """An identity field: absent reads as empty, any type but text is a malformed body."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"field {name!r} is a {type(value).__name__}, expected text")
    return value


def as_int(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):  # also "1e999" read as inf, NaN, 5000 digits
        return 0
    return number if 0 <= number <= MAX_INT else 0


def timestamp_ms(value: Any) -> int:
    """``messageTimestamp`` is in milliseconds, but some events use seconds."""
    ts = as_int(value)
    return ts * 1000 if 0 < ts < 10_000_000_000 else ts


def message_kind(message: dict[str, Any]) -> MessageKind:
    raw_type = as_str(message.get("messageType")).lower()
    if raw_type in KIND_BY_MESSAGE_TYPE:
        return KIND_BY_MESSAGE_TYPE[raw_type]
    media_type = as_str(message.get("mediaType")).lower()
    if media_type in {"ptt", "audio"}:
        return MessageKind.AUDIO
    if media_type in {"image", "video", "document", "location"}:
        return MessageKind(media_type)
    if media_type in {"gif"}:
        return MessageKind.VIDEO
    if "sticker" in media_type:
        return MessageKind.STICKER
    if media_type == "vcard":
        return MessageKind.CONTACT
    kind = KIND_BY_TYPE.get(as_str(message.get("type")).lower(), MessageKind.OTHER)
    if kind is MessageKind.POLL and as_str(message.get("vote")):
        return MessageKind.POLL_VOTE
    return kind


def _coordinate(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return ""
    return f"{value}"


def message_text(message: dict[str, Any], kind: MessageKind) -> str:
    """``text`` is always a string; captions and coordinates live in ``content``."""
    content = message.get("content")
    text = as_str(message.get("text"))
    if text or not isinstance(content, dict):
        return text or as_str(content)
    if kind is MessageKind.LOCATION:
        lat, lng = _coordinate(content.get("degreesLatitude")), _coordinate(content.get("degreesLongitude"))
        name = as_str(content.get("name")) or as_str(content.get("address"))
        where = f"{lat}, {lng}" if lat and lng else ""
        return " ".join(p for p in (name, where) if p)
    if kind is MessageKind.CONTACT:
        return as_str(content.get("displayName"))
    if kind is MessageKind.LIST_RESPONSE:
        return as_str(message.get("vote")) or as_str(content.get("title"))
    return as_str(content.get("caption")) or as_str(content.get("text"))


MEDIA_KINDS = {
    MessageKind.AUDIO,
    MessageKind.IMAGE,
    MessageKind.VIDEO,
    MessageKind.DOCUMENT,
    MessageKind.STICKER,
}


def media_ref(message: dict[str, Any], kind: MessageKind, wa_id: str, instance: str) -> MediaRef | None:
    if kind not in MEDIA_KINDS:
        return None
    content = message.get("content")
    meta = content if isinstance(content, dict) else {}
    return MediaRef(
        message_id=wa_id,
        mimetype=clip(as_str(meta.get("mimetype")), 100),
        file_name=clip(as_str(meta.get("fileName")) or as_str(meta.get("title"))),
        size_bytes=as_int(meta.get("fileLength")),
        seconds=as_int(meta.get("seconds")),
        page_count=as_int(meta.get("pageCount")),
        instance=instance,
    )


# What no Uazapi event holds: deeper nesting, longer number literals. Such a value is read as
# null, so an absurd field the message does not need cannot make the fields it does unreadable.
MAX_DEPTH = 64
MAX_NUMBER_CHARS = 100
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[{]|[\]}]|-?[0-9][0-9.eE+-]*')


def bounded(text: str) -> str:
    """``text`` with every value nested deeper than :data:`MAX_DEPTH` and every number longer
    than :data:`MAX_NUMBER_CHARS` replaced by ``null``; the rest as it was.

    Only whole tokens are looked at (strings are skipped whole), so what it keeps reads as
    before; a text that is not JSON stays not JSON.
    """
    pieces: list[str] = []
    depth, kept, skip_from = 0, 0, -1
    for token in _TOKENS.finditer(text):
        char = token.group()[0]
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH and skip_from < 0:
                skip_from = token.start()
        elif char in "]}":
            depth -= 1
            if skip_from >= 0 and depth == MAX_DEPTH:
                pieces += [text[kept:skip_from], "null"]
                kept, skip_from = token.end(), -1
        elif char != '"' and skip_from < 0 and len(token.group()) > MAX_NUMBER_CHARS:
            pieces += [text[kept : token.start()], "null"]
            kept = token.end()
    pieces.append(text[kept:])
    return "".join(pieces)


def load_json(body: bytes | str) -> dict[str, Any]:
    """The body as a JSON object. Bytes that are not UTF-8 are repaired (U+FFFD), not refused.

    A body Python's reader refuses for one absurd value (nesting that exhausts its recursion, a
    number of more than 4300 digits) is read again with those values as null (:func:`bounded`):
    what identifies and routes the message is still read, and judged as usual.
    """
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode(json.detect_encoding(body), "replace")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        try:
            data = json.loads(bounded(body))
        except (ValueError, RecursionError):
            if isinstance(exc, RecursionError):
                raise PayloadError("webhook body is nested too deeply to be a Uazapi event") from None
            raise PayloadError(f"webhook body is not JSON: {clip(str(exc))}") from None
    if not isinstance(data, dict):
        raise PayloadError(f"webhook body is a JSON {type(data).__name__}, expected an object")
    return data


def read_origin(data: dict[str, Any]) -> WebhookOrigin:
    """What the body says about its sender, unchecked. ``instance`` is the name the chat keys
    will use: ``instanceName``, else the owner's number, else "default"."""
    message = data.get("message")
    event = data.get("EventType") or data.get("event")
    message_owner = message.get("owner") if isinstance(message, dict) else None
    owner = as_str(message_owner) or as_str(data.get("owner"))
    return WebhookOrigin(
        instance=as_str(data.get("instanceName")) or owner or "default",
        owner=owner,
        token=as_str(data.get("token")),
        message=isinstance(event, str) and event.strip().lower() == "messages",
    )


class UazapiWebhookParser:
    """Implements :class:`app.ports.webhook.WebhookParser` for Uazapi's webhook bodies."""

    def parse(self, body: bytes | str) -> InboundMessage | IgnoredEvent:
        data = load_json(body)
        origin = read_origin(data)
        try:
            return self._event(data, origin)
        except PayloadError as error:
            error.origin = origin
            raise

    def _event(self, data: dict[str, Any], origin: WebhookOrigin) -> InboundMessage | IgnoredEvent:
        event = strict_str(data.get("EventType") or data.get("event"), "EventType").strip()
        if not event:
            raise PayloadError("webhook body has no EventType")
        if event.lower() != "messages":
            reason = IGNORED_EVENTS.get(event.lower(), f"event type {clip(event, 60)!r} is not handled")
            return IgnoredEvent(clip(event, 60), reason, origin)
        message = data.get("message")
        if not isinstance(message, dict):
            raise PayloadError("messages event has no 'message' object")
        return self._message(data, message, origin)

    def _message(
        self, data: dict[str, Any], message: dict[str, Any], origin: WebhookOrigin
    ) -> InboundMessage:
        instance = self._instance(data, origin)
        wa_id = strict_str(message.get("messageid"), "messageid")
        if not wa_id:
            wa_id = strict_str(message.get("id"), "id").rpartition(":")[2]
        if not wa_id:
            raise PayloadError("message has no id (messageid)")
        if not is_message_id(wa_id):
            raise PayloadError(f"message id {clip(wa_id, 60)!r} is not a WhatsApp message id")
        raw_chat = strict_str(message.get("chatid"), "chatid")
        if not raw_chat:
            raise PayloadError("message has no chatid")
        if not is_jid(raw_chat):
            raise PayloadError(f"chatid {clip(raw_chat, 60)!r} is not a WhatsApp chat id")
        from_me = as_bool(message.get("fromMe"), "fromMe")
        sent_by_api = as_bool(message.get("wasSentByApi"), "wasSentByApi")
        is_group = as_bool(message.get("isGroup"), "isGroup")
        chat_record = data.get("chat")
        chat: dict[str, Any] = chat_record if isinstance(chat_record, dict) else {}
        # A @lid chat is named by a phone JID too: the chat record's, and for a customer's
        # message the sender's (for ours the sender is our own number).
        alternatives = []
        if raw_chat.endswith("@lid"):
            alternatives.append(as_str(chat.get("wa_chatid")))
            if not from_me:
                alternatives.append(as_str(message.get("sender_pn")))
        jid = normalise_chat_id(raw_chat, *(a for a in alternatives if is_jid(a)))
        kind = message_kind(message)
        sender = as_str(message.get("sender_pn")) or as_str(message.get("sender"))
        return InboundMessage(
            instance=instance,
            chat_id=chat_key(instance, jid),
            message_id=f"{instance}:{wa_id}",
            wa_message_id=wa_id,
            sender=sender if is_jid(sender) else "",
            sender_name=clip(as_str(message.get("senderName"))),
            kind=kind,
            text=message_text(message, kind).strip(),
            timestamp_ms=timestamp_ms(message.get("messageTimestamp")),
            from_me=from_me,
            sent_by_api=sent_by_api,
            is_group=is_group or raw_chat.endswith("@g.us"),
            media=media_ref(message, kind, wa_id, instance),
            quoted_id=clip(as_str(message.get("quoted")), 128),
            edited_id=clip(as_str(message.get("edited")), 128),
            origin=origin,
        )

    @staticmethod
    def _instance(data: dict[str, Any], origin: WebhookOrigin) -> str:
        """The instance name the chat keys use; a name Uazapi would not produce is a malformed body."""
        strict_str(data.get("instanceName"), "instanceName")
        strict_str(data.get("owner"), "owner")
        if origin.owner and not is_owner(origin.owner):
            raise PayloadError(f"owner {clip(origin.owner, 30)!r} is not a phone number")
        if not is_instance_name(origin.instance):
            raise PayloadError(f"instance name {clip(origin.instance, 64)!r} is not an Uazapi instance name")
        return origin.instance
