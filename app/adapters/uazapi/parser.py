"""Turn the JSON Uazapi POSTs into an :class:`InboundMessage`, or say why it is not one.

Uazapi's real body is flat (``EventType``, ``instanceName``, ``owner``, ``message``, ``chat``),
not the ``{event, instance, data}`` shape its API description shows. Booleans sometimes
arrive as strings ("False") and ``content`` is a string for plain text but an object for
media, so every field is read defensively.
"""

from __future__ import annotations

import json
from typing import Any

from app.domain.errors import PayloadError
from app.domain.messages import InboundMessage, MediaRef, MessageKind, chat_key, normalise_chat_id
from app.ports.webhook import IgnoredEvent

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
    "pollupdatemessage": MessageKind.POLL,
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


def as_bool(value: Any) -> bool:
    """Uazapi sends real booleans, and sometimes the strings "true"/"False"."""
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def as_int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


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
    return KIND_BY_TYPE.get(as_str(message.get("type")).lower(), MessageKind.OTHER)


def message_text(message: dict[str, Any], kind: MessageKind) -> str:
    """``text`` is always a string; captions and coordinates live in ``content``."""
    content = message.get("content")
    text = as_str(message.get("text"))
    if text or not isinstance(content, dict):
        return text or as_str(content)
    if kind is MessageKind.LOCATION:
        lat, lng = content.get("degreesLatitude"), content.get("degreesLongitude")
        name = as_str(content.get("name")) or as_str(content.get("address"))
        where = f"{lat}, {lng}" if lat is not None and lng is not None else ""
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


def media_ref(message: dict[str, Any], kind: MessageKind, wa_id: str) -> MediaRef | None:
    if kind not in MEDIA_KINDS:
        return None
    content = message.get("content")
    meta = content if isinstance(content, dict) else {}
    return MediaRef(
        message_id=wa_id,
        mimetype=as_str(meta.get("mimetype")),
        file_name=as_str(meta.get("fileName")) or as_str(meta.get("title")),
        size_bytes=as_int(meta.get("fileLength")),
        seconds=as_int(meta.get("seconds")),
        page_count=as_int(meta.get("pageCount")),
    )


def load_json(body: bytes | str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError(f"webhook body is not JSON: {exc}") from None
    except RecursionError:
        raise PayloadError("webhook body is nested too deeply to be a Uazapi event") from None
    if not isinstance(data, dict):
        raise PayloadError(f"webhook body is a JSON {type(data).__name__}, expected an object")
    return data


class UazapiWebhookParser:
    """Implements :class:`app.ports.webhook.WebhookParser` for Uazapi's webhook bodies."""

    def parse(self, body: bytes | str) -> InboundMessage | IgnoredEvent:
        data = load_json(body)
        event = as_str(data.get("EventType") or data.get("event")).strip()
        if not event:
            raise PayloadError("webhook body has no EventType")
        if event.lower() != "messages":
            reason = IGNORED_EVENTS.get(event.lower(), f"event type {event!r} is not handled")
            return IgnoredEvent(event, reason)
        message = data.get("message")
        if not isinstance(message, dict):
            raise PayloadError("messages event has no 'message' object")
        return self._message(data, message)

    def _message(self, data: dict[str, Any], message: dict[str, Any]) -> InboundMessage:
        wa_id = as_str(message.get("messageid")) or as_str(message.get("id")).rpartition(":")[2]
        if not wa_id:
            raise PayloadError("message has no id (messageid)")
        raw_chat = as_str(message.get("chatid"))
        if not raw_chat:
            raise PayloadError("message has no chatid")
        owner = as_str(message.get("owner")) or as_str(data.get("owner"))
        chat_record = data.get("chat")
        chat: dict[str, Any] = chat_record if isinstance(chat_record, dict) else {}
        from_me = as_bool(message.get("fromMe"))
        # For a customer's message the sender's phone JID names the chat too; for ours it does not.
        alternatives = [as_str(chat.get("wa_chatid"))]
        if not from_me:
            alternatives.append(as_str(message.get("sender_pn")))
        kind = message_kind(message)
        instance = as_str(data.get("instanceName")) or owner or "default"
        return InboundMessage(
            instance=instance,
            chat_id=chat_key(instance, normalise_chat_id(raw_chat, *alternatives)),
            message_id=f"{instance}:{wa_id}",
            wa_message_id=wa_id,
            sender=as_str(message.get("sender_pn")) or as_str(message.get("sender")),
            sender_name=as_str(message.get("senderName")),
            kind=kind,
            text=message_text(message, kind).strip(),
            timestamp_ms=timestamp_ms(message.get("messageTimestamp")),
            from_me=from_me,
            sent_by_api=as_bool(message.get("wasSentByApi")),
            is_group=as_bool(message.get("isGroup")) or raw_chat.endswith("@g.us"),
            media=media_ref(message, kind, wa_id),
            quoted_id=as_str(message.get("quoted")),
            edited_id=as_str(message.get("edited")),
        )
