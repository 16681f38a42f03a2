"""Uazapi webhook bodies (real captures and synthetic ones) read into domain messages."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from app.adapters.uazapi.parser import UazapiWebhookParser
from app.domain.errors import PayloadError
from app.domain.messages import InboundMessage, MessageKind
from app.ports.webhook import IgnoredEvent

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uazapi"
ALL_FIXTURES = sorted(FIXTURES.glob("*.json"))
PARSER = UazapiWebhookParser()
CUSTOMER = "11565944224@s.whatsapp.net"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def parse_file(name: str) -> InboundMessage:
    result = PARSER.parse((FIXTURES / name).read_bytes())
    assert isinstance(result, InboundMessage), result
    return result


def parse_dict(data: Any) -> InboundMessage | IgnoredEvent:
    return PARSER.parse(json.dumps(data))


def test_there_are_fixtures() -> None:
    assert len(ALL_FIXTURES) >= 40


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_parses_to_a_message_or_an_ignored_event(path: Path) -> None:
    result = PARSER.parse(path.read_bytes())
    if isinstance(result, IgnoredEvent):
        assert result.reason.strip()
        assert result.event_type
        assert json.loads(path.read_bytes()).get("EventType", "").lower() != "messages"
    else:
        assert isinstance(result, InboundMessage)
        assert result.chat_id.startswith(result.instance + "/")
        assert result.message_id == f"{result.instance}:{result.wa_message_id}"
        assert result.wa_message_id
        assert result.timestamp_ms > 10**12  # milliseconds
        assert result.text == result.text.strip()
    # same bytes as str give the same answer
    assert PARSER.parse(path.read_text(encoding="utf-8")) == result


def test_text_message_fields() -> None:
    message = parse_file("titobahe__user-chat__from-others__text.sent.json")
    assert message.jid == CUSTOMER
    assert message.chat_id == "eKoB39/" + CUSTOMER
    assert message.instance == "eKoB39"
    assert message.message_id == "eKoB39:AC98212CD4909DE6799E78D93A824A3F"
    assert message.wa_message_id == "AC98212CD4909DE6799E78D93A824A3F"
    assert message.kind is MessageKind.TEXT
    assert message.text == "Oi"
    assert message.from_me is False
    assert message.sent_by_api is False
    assert message.is_group is False
    assert message.media is None
    assert message.sender == CUSTOMER
    assert message.sender_name == "Ana Cliente"
    assert message.timestamp_ms == 1_770_146_178_000
    assert not message.is_edit


def test_audio_message_has_media_reference() -> None:
    message = parse_file("titobahe__user-chat__from-others__audio.sent.json")
    assert message.kind is MessageKind.AUDIO
    assert message.media is not None
    assert message.media.mimetype.startswith("audio/ogg")
    assert message.media.message_id == message.wa_message_id
    assert message.media.seconds > 0
    assert message.media.size_bytes > 0


def test_document_media_reference_has_name_and_pages() -> None:
    message = parse_file("titobahe__user-chat__from-others__file.sent.json")
    assert message.kind is MessageKind.DOCUMENT
    assert message.media is not None
    assert message.media.mimetype == "application/pdf"
    assert message.media.file_name.endswith(".pdf")
    assert message.media.page_count == 6


@pytest.mark.parametrize(
    ("name", "kind", "has_media"),
    [
        ("titobahe__user-chat__from-others__image.sent.json", MessageKind.IMAGE, True),
        ("titobahe__user-chat__from-others__video.sent.json", MessageKind.VIDEO, True),
        ("titobahe__user-chat__from-others__gif.sent.json", MessageKind.VIDEO, True),
        ("titobahe__user-chat__from-others__file.sent.json", MessageKind.DOCUMENT, True),
        ("titobahe__user-chat__from-others__sticker.sent.json", MessageKind.STICKER, True),
        (
            "titobahe__user-chat__from-me__reaction.sent__MISLABELLED_actually_sticker.json",
            MessageKind.STICKER,
            True,
        ),
        ("titobahe__user-chat__from-others__location.sent.json", MessageKind.LOCATION, False),
        ("titobahe__user-chat__from-others__contact.sent.json", MessageKind.CONTACT, False),
        ("titobahe__user-chat__from-others__reaction.sent.json", MessageKind.REACTION, False),
        ("titobahe__user-chat__from-others__poll.sent.json", MessageKind.POLL, False),
        ("titobahe__user-chat__from-others__poll.vote.other.json", MessageKind.POLL_VOTE, False),
        ("titobahe__user-chat__from-me__poll.vote.me.json", MessageKind.POLL_VOTE, False),
        ("titobahe__user-chat__from-me__list.vote.other.json", MessageKind.LIST_RESPONSE, False),
        ("titobahe__user-chat__from-others__emoji.sent.json", MessageKind.TEXT, False),
    ],
)
def test_message_kinds(name: str, kind: MessageKind, has_media: bool) -> None:
    message = parse_file(name)
    assert message.kind is kind
    assert (message.media is not None) is has_media


def test_location_text_has_coordinates() -> None:
    message = parse_file("titobahe__user-chat__from-others__location.sent.json")
    assert message.text == "-8.0342513, -34.8921449"


def test_contact_text_is_the_display_name_or_vcard_summary() -> None:
    message = parse_file("titobahe__user-chat__from-others__contact.sent.json")
    assert message.text.startswith("Davi Exemplo")


def test_quoted_reply() -> None:
    message = parse_file("synthetic__user-chat__from-others__text.quoted.json")
    assert message.quoted_id == "3EB00EB51811DEDC4195E4"
    assert message.text == "Sim, esse mesmo! Ainda tem?"


def test_group_message() -> None:
    message = parse_file("schappo__abridged__group-chat__from-others__text_conversation.json")
    assert message.is_group is True
    assert message.jid.endswith("@g.us")
    assert message.sender.endswith("@s.whatsapp.net")


@pytest.mark.parametrize(
    "path",
    [p for p in ALL_FIXTURES if "from-me__" in p.name and "vote.other" not in p.name],
    ids=lambda p: p.stem,
)
def test_from_me_fixtures_are_from_me(path: Path) -> None:
    message = parse_file(path.name)
    assert message.from_me is True
    assert message.sent_by_api is False


@pytest.mark.parametrize(
    "path",
    [p for p in ALL_FIXTURES if "from-others__" in p.name and "vote.me" not in p.name],
    ids=lambda p: p.stem,
)
def test_from_others_fixtures_are_not_from_me(path: Path) -> None:
    result = PARSER.parse(path.read_bytes())
    assert isinstance(result, InboundMessage)
    assert result.from_me is False


@pytest.mark.parametrize(
    ("name", "edited_id"),
    [
        ("titobahe__user-chat__from-others__text.edited.json", "AC98212CD4909DE6799E78D93A824A3F"),
        ("titobahe__user-chat__from-me__text.edited.event.json", "ACF3BAA609D967CF59AF1F4A8CE59202"),
    ],
)
def test_edited_message(name: str, edited_id: str) -> None:
    message = parse_file(name)
    assert message.edited_id == edited_id
    assert message.is_edit
    assert message.wa_message_id != edited_id


@pytest.mark.parametrize(
    ("name", "event_type"),
    [
        ("synthetic__messages_update.read.json", "messages_update"),
        ("synthetic__presence.composing.json", "presence"),
        ("synthetic__chats.updated.json", "chats"),
        ("titobahe__connection__connected.event.json", "connection"),
        ("titobahe__groups__leave.other.json", "groups"),
    ],
)
def test_non_message_events_are_ignored(name: str, event_type: str) -> None:
    result = PARSER.parse((FIXTURES / name).read_bytes())
    assert isinstance(result, IgnoredEvent)
    assert result.event_type.lower() == event_type


def test_unknown_event_type_is_ignored_with_its_name() -> None:
    result = parse_dict({"EventType": "brand_new_thing"})
    assert isinstance(result, IgnoredEvent)
    assert "brand_new_thing" in result.reason


# --- bad input ----------------------------------------------------------------------------


def text_payload() -> dict[str, Any]:
    return copy.deepcopy(load("titobahe__user-chat__from-others__text.sent.json"))


def without(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    for key in keys:
        data["message"].pop(key, None)
    return data


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"this is not json", "not JSON"),
        (b"", "not JSON"),
        (b'{"EventType": "messages", ', "not JSON"),
        (b"\xff\xfe\x00", "not JSON"),
        (b"[1, 2, 3]", "list"),
        (b'"messages"', "str"),
        (b"null", "NoneType"),
        (b"{}", "EventType"),
        (b'{"EventType": "   "}', "EventType"),
        (b'{"EventType": 5}', "EventType"),
        (b'{"EventType": "messages"}', "message"),
        (b'{"EventType": "messages", "message": "Oi"}', "message"),
        (json.dumps(without(text_payload(), "chatid")).encode(), "chatid"),
        (json.dumps(without(text_payload(), "messageid", "id")).encode(), "id"),
    ],
)
def test_bad_bodies_raise_payload_error_with_one_line_reason(body: bytes, fragment: str) -> None:
    with pytest.raises(PayloadError) as info:
        PARSER.parse(body)
    reason = info.value.reason
    assert reason
    assert "\n" not in reason
    assert fragment in reason


# Regression: json.loads' RecursionError used to escape load_json.
def test_deeply_nested_body_is_a_payload_error() -> None:
    with pytest.raises(PayloadError):
        PARSER.parse("[" * 100_000)


def test_message_id_falls_back_to_the_id_field() -> None:
    data = without(text_payload(), "messageid")
    data["message"]["id"] = "552441045746:FALLBACK123"
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.wa_message_id == "FALLBACK123"


# --- defensive reading --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("False", False),
        ("false", False),
        ("true", True),
        ("True", True),
        (" TRUE ", True),
        ("", False),
        (True, True),
        (False, False),
        (None, False),
    ],
)
def test_booleans_and_the_strings_uazapi_sends_for_them(raw: object, expected: bool) -> None:
    data = text_payload()
    data["message"].update(fromMe=raw, wasSentByApi=raw, isGroup=raw)
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.from_me is expected
    assert message.sent_by_api is expected
    assert message.is_group is expected


def test_an_absent_boolean_is_false() -> None:
    data = without(text_payload(), "fromMe", "wasSentByApi", "isGroup")
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert (message.from_me, message.sent_by_api, message.is_group) == (False, False, False)


# Issue 8: a non-boolean fromMe (12345, ["x"]) counted as the owner typing and paused the chat.
@pytest.mark.parametrize("field", ["fromMe", "wasSentByApi", "isGroup"])
@pytest.mark.parametrize("raw", [12345, ["x"], {"a": 1}, 1, 0, 1.5, "yes", "1", "sim"])
def test_a_flag_that_is_not_a_boolean_is_a_malformed_body(field: str, raw: object) -> None:
    data = text_payload()
    data["message"][field] = raw
    with pytest.raises(PayloadError) as info:
        parse_dict(data)
    assert field in info.value.reason and "boolean" in info.value.reason


def test_lid_chat_with_phone_sender_normalises_to_the_phone_jid() -> None:
    data = text_payload()
    data["message"]["chatid"] = "322578300804080@lid"
    data["message"]["sender_pn"] = CUSTOMER
    data.pop("chat", None)
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.jid == CUSTOMER
    assert message.chat_id == "eKoB39/" + CUSTOMER


def test_lid_chat_with_device_suffixed_phone_sender_drops_the_device() -> None:
    data = text_payload()
    data["message"]["chatid"] = "322578300804080@lid"
    data["message"]["sender_pn"] = "11565944224:3@s.whatsapp.net"
    data.pop("chat", None)
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.jid == CUSTOMER


def test_lid_chat_from_me_uses_the_chat_record_not_our_own_number() -> None:
    data = load("titobahe__user-chat__from-me__text.sent.event.json")
    data["message"]["chatid"] = "322578300804080@lid"
    data["chat"] = {"wa_chatid": CUSTOMER}
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.from_me
    assert message.jid == CUSTOMER
    data.pop("chat")
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.jid == "322578300804080@lid"  # not the owner's sender_pn


def test_timestamp_in_seconds_becomes_milliseconds() -> None:
    data = text_payload()
    data["message"]["messageTimestamp"] = 1_770_146_178
    assert parse_dict(data).timestamp_ms == 1_770_146_178_000  # type: ignore[union-attr]
    data["message"]["messageTimestamp"] = "1770146178000"
    assert parse_dict(data).timestamp_ms == 1_770_146_178_000  # type: ignore[union-attr]
    data["message"]["messageTimestamp"] = "not a number"
    assert parse_dict(data).timestamp_ms == 0  # type: ignore[union-attr]


def test_instance_falls_back_to_owner_then_default() -> None:
    data = text_payload()
    data.pop("instanceName", None)
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.instance == "552441045746"
    data.pop("owner", None)
    data["message"].pop("owner", None)
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.instance == "default"
    assert message.chat_id == "default/" + CUSTOMER


def test_media_caption_becomes_the_text() -> None:
    data = load("titobahe__user-chat__from-others__image.sent.json")
    data["message"]["text"] = ""
    data["message"]["content"]["caption"] = "  Esse aqui tem em azul?  "
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.kind is MessageKind.IMAGE
    assert message.text == "Esse aqui tem em azul?"


def test_event_key_lowercase_alias_is_accepted() -> None:
    data = text_payload()
    data["event"] = data.pop("EventType")
    assert isinstance(parse_dict(data), InboundMessage)


# --- strict identity fields (issue 8) ------------------------------------------------------


@pytest.mark.parametrize(
    "chatid",
    [
        "11565944224@s.whatsapp.net\n2026-01-01 INFO forged log line",
        "11565944224@s.whatsapp.net\x1b[2J",
        "\u202e11565944224@s.whatsapp.net",
        "11565944224@evil.example",
        "11565944224",
        "abc@s.whatsapp.net",
        "1" * 30 + "@s.whatsapp.net",
        "../../etc/passwd",
        " 11565944224@s.whatsapp.net",
        "\ud800@s.whatsapp.net",
    ],
)
def test_a_chat_id_that_is_not_a_whatsapp_jid_is_rejected(chatid: str) -> None:
    data = text_payload()
    data["message"]["chatid"] = chatid
    with pytest.raises(PayloadError) as info:
        parse_dict(data)
    reason = info.value.reason
    assert "chatid" in reason and "not a WhatsApp chat id" in reason
    assert reason.isprintable() and len(reason) < 200


@pytest.mark.parametrize(
    "chatid",
    [
        "11565944224@s.whatsapp.net",
        "11565944224:12@s.whatsapp.net",
        "120363831949451165@g.us",
        "5511999999999-1600000000@g.us",
        "322578300804080@lid",
        "status@broadcast",
        "1700000000@broadcast",
        "120363000000000000@newsletter",
    ],
)
def test_every_kind_of_whatsapp_jid_is_accepted(chatid: str) -> None:
    data = text_payload()
    data["message"]["chatid"] = chatid
    data.pop("chat")
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)


@pytest.mark.parametrize("instance", ["eKo\nB39", "eKo\x00B39", "a/b", "x" * 65, "\u202eeKoB39", "eKo\tB39"])
def test_an_instance_name_uazapi_would_not_produce_is_rejected(instance: str) -> None:
    data = text_payload()
    data["instanceName"] = instance
    with pytest.raises(PayloadError) as info:
        parse_dict(data)
    assert "instance name" in info.value.reason
    assert info.value.reason.isprintable() and len(info.value.reason) < 200


@pytest.mark.parametrize(("field", "value"), [("instanceName", 5), ("owner", ["x"]), ("EventType", {})])
def test_identity_fields_of_another_type_are_rejected(field: str, value: object) -> None:
    data = text_payload()
    data[field] = value
    with pytest.raises(PayloadError) as info:
        parse_dict(data)
    assert field in info.value.reason


@pytest.mark.parametrize("wa_id", ["AC98 212", "AC98\n212", "x" * 129, "<script>"])
def test_a_message_id_whatsapp_would_not_produce_is_rejected(wa_id: str) -> None:
    data = text_payload()
    data["message"]["messageid"] = wa_id
    with pytest.raises(PayloadError) as info:
        parse_dict(data)
    assert "message id" in info.value.reason and len(info.value.reason) < 200


def test_a_malformed_body_still_carries_its_origin_for_the_authenticity_check() -> None:
    data = text_payload()
    data["message"]["fromMe"] = 12345
    with pytest.raises(PayloadError) as info:
        parse_dict(data)
    origin = info.value.origin
    assert origin is not None
    assert (origin.instance, origin.owner, origin.token) == ("eKoB39", "552441045746", data["token"])
    assert data["token"] not in repr(origin)


def test_the_origin_of_a_message_and_of_an_ignored_event() -> None:
    message = parse_file("titobahe__user-chat__from-others__text.sent.json")
    assert message.origin is not None and message.origin.message
    assert message.origin.token == "xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    event = PARSER.parse((FIXTURES / "titobahe__connection__connecting.event.json").read_bytes())
    assert isinstance(event, IgnoredEvent) and event.origin is not None
    assert not event.origin.message and event.origin.owner == ""


# Issue 8: a lone surrogate in any text field sent the message to the dead letters.
def test_lone_surrogates_are_repaired_not_refused() -> None:
    body = json.dumps(text_payload()).replace('"Ana Cliente"', '"Ana \\ud800 Cliente"')
    body = body.replace('"text": "Oi"', '"text": "Oi \\udfff tudo bem"')
    body = body.replace('"quoted": ""', '"quoted": "\\ud83d"')
    message = PARSER.parse(body.encode())
    assert isinstance(message, InboundMessage)
    assert message.text == "Oi \ufffd tudo bem"
    assert message.sender_name == "Ana \ufffd Cliente"
    for value in (message.text, message.sender_name, message.quoted_id):
        value.encode("utf-8")  # storable and printable


def test_bytes_that_are_not_utf8_inside_a_text_are_repaired() -> None:
    body = json.dumps(text_payload()).encode().replace(b'"text": "Oi"', b'"text": "Oi \xff\xfe!"')
    message = PARSER.parse(body)
    assert isinstance(message, InboundMessage)
    assert message.text == "Oi \ufffd\ufffd!"


def test_a_huge_event_type_is_not_echoed_whole() -> None:
    event = parse_dict({"EventType": "x" * 5_000_000 + "\n"})
    assert isinstance(event, IgnoredEvent)
    assert len(event.reason) < 200 and len(event.event_type) <= 60


@pytest.mark.parametrize("value", [1e308 * 10, float("nan"), "9" * 10_000, -5, True, [1], 2**80])
def test_odd_numbers_read_as_zero_not_a_crash(value: object) -> None:
    data = text_payload()
    data["message"]["messageTimestamp"] = value
    data["message"]["content"] = {"fileLength": value, "degreesLatitude": value}
    body = json.dumps(data).replace("Infinity", "1e999")
    message = PARSER.parse(body)
    assert isinstance(message, InboundMessage)
    assert message.timestamp_ms == 0


def test_a_status_broadcast_is_not_filed_under_the_senders_chat() -> None:
    data = text_payload()
    data["message"]["chatid"] = "status@broadcast"
    message = parse_dict(data)
    assert isinstance(message, InboundMessage)
    assert message.jid == "status@broadcast"


def test_media_remembers_its_instance() -> None:
    message = parse_file("titobahe__user-chat__from-others__audio.sent.json")
    assert message.media is not None and message.media.instance == "eKoB39"


def test_bounded_reads_as_null_only_what_is_nested_too_deep_or_too_long_a_number() -> None:
    from app.adapters.uazapi.parser import MAX_DEPTH, bounded

    plain = '{"a": [1, -2.5e3, {"b": "[[[ 99999 \\" ]"}], "c": null}'
    assert bounded(plain) == plain
    deep = "[" * (MAX_DEPTH + 50) + "]" * (MAX_DEPTH + 50)
    read = json.loads(bounded('{"token": "t", "x": ' + deep + ', "n": ' + "9" * 5000 + "}"))
    assert read["token"] == "t" and read["n"] is None
    level, depth = read["x"], 1
    while level:
        level, depth = level[0], depth + 1
    assert depth == MAX_DEPTH  # the body and the lists down to the limit, then null
    assert bounded("{oops") == "{oops"
