"""Chat ids, chat keys and the phone masking used in logs."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.messages import (
    Batch,
    BufferedMessage,
    MessageKind,
    chat_key,
    mask_phone,
    normalise_chat_id,
    split_chat_key,
)

PHONE = "5511987654321@s.whatsapp.net"


@pytest.mark.parametrize(
    ("chat_id", "alternatives", "expected"),
    [
        (PHONE, (), PHONE),
        ("123456789012345@lid", (PHONE,), PHONE),
        ("123456789012345@lid", ("", "  ", PHONE), PHONE),
        ("123456789012345@lid", (), "123456789012345@lid"),
        ("123456789012345@lid", ("987@lid",), "123456789012345@lid"),
        ("5511987654321:12@s.whatsapp.net", (), PHONE),
        ("123@lid", ("5511987654321:7@s.whatsapp.net",), PHONE),
        ("5511987654321", (), PHONE),
        ("  5511987654321  ", (), PHONE),
        ("120363000000000000@g.us", (PHONE,), "120363000000000000@g.us"),
        (PHONE, ("120363000000000000@g.us",), "120363000000000000@g.us"),
        ("", (), ""),
        ("", ("", PHONE), PHONE),
    ],
)
def test_normalise_chat_id(chat_id: str, alternatives: tuple[str, ...], expected: str) -> None:
    assert normalise_chat_id(chat_id, *alternatives) == expected


@pytest.mark.parametrize(
    ("key", "parts"),
    [
        ("loja/" + PHONE, ("loja", PHONE)),
        (PHONE, ("", PHONE)),
        ("a/b/" + PHONE, ("a/b", PHONE)),
    ],
)
def test_chat_key_round_trip(key: str, parts: tuple[str, str]) -> None:
    assert split_chat_key(key) == parts
    if parts[0]:
        assert chat_key(*parts) == key


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        (PHONE, "5511*****4321@s.whatsapp.net"),
        ("loja/" + PHONE, "loja/5511*****4321@s.whatsapp.net"),
        ("5511987654321", "5511*****4321"),
        ("12345678", "******78"),
        ("123456789012345@lid", "1234*******2345@lid"),
    ],
)
def test_mask_phone_examples(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@settings(max_examples=200, deadline=None)
@given(
    digits=st.text(alphabet="0123456789", min_size=3, max_size=20),
    domain=st.sampled_from(["", "@s.whatsapp.net", "@lid", "@g.us"]),
    instance=st.sampled_from(["", "loja/", "eKoB39/"]),
)
def test_property_mask_phone_never_reveals_the_number(digits: str, domain: str, instance: str) -> None:
    masked = mask_phone(instance + digits + domain)
    assert masked.startswith(instance)
    assert masked.endswith(domain)
    user = masked[len(instance) : len(masked) - len(domain)]
    assert len(user) == len(digits)
    assert digits not in masked
    assert "*" in user
    revealed = re.sub(r"\*", "", user)
    assert len(revealed) <= 8
    assert len(revealed) < len(digits)


def test_batch_combines_text_and_notes() -> None:
    batch = Batch(
        chat_id="loja/" + PHONE,
        token="t",
        messages=(
            BufferedMessage("m1", "Oi"),
            BufferedMessage("m2", "  ", kind=MessageKind.AUDIO, note="áudio ilegível"),
            BufferedMessage("m3", "Quanto custa?"),
        ),
    )
    assert batch.combined_text() == "Oi\nQuanto custa?"
    assert batch.notes() == ["áudio ilegível"]
    assert batch.key == "m1,m2,m3"


def test_buffered_message_round_trip() -> None:
    original = BufferedMessage("m1", "Oi", MessageKind.IMAGE, 5, "Ana", "WA1", "sem OCR")
    assert BufferedMessage.from_dict(original.to_dict()) == original
    assert BufferedMessage.from_dict({"message_id": 7}) == BufferedMessage("7", "")
