"""The messaging gateway contract, as far as a caller can observe it."""

from __future__ import annotations

import uuid

import pytest

from app.domain.messages import MediaRef
from app.ports.messaging import MessagingGateway

CHAT = "main/5541988887777@s.whatsapp.net"
OTHER_CHAT = "main/5541977776666@s.whatsapp.net"


def test_send_text_returns_a_message_id(gateway: MessagingGateway) -> None:
    first = gateway.send_text(CHAT, "Olá! *Pão* quentinho às 17h.")
    second = gateway.send_text(CHAT, "Segunda parte")
    assert first and second and first != second


def test_typing_and_read_receipts_are_accepted(gateway: MessagingGateway) -> None:
    gateway.send_typing(CHAT, 1_500)
    gateway.mark_read(CHAT, ["ABC123", "DEF456"])


def test_a_handoff_flag_is_accepted_and_can_be_repeated(gateway: MessagingGateway) -> None:
    gateway.flag_handoff(CHAT)
    gateway.flag_handoff(CHAT)  # a retried batch flags again: harmless


def test_downloading_unknown_media_raises_lookup_error(gateway: MessagingGateway) -> None:
    with pytest.raises(LookupError):
        gateway.download_media(MediaRef(message_id="NOPE0000"))


def test_a_text_sent_with_a_track_id_is_found_by_it(gateway: MessagingGateway) -> None:
    track_id = f"{uuid.uuid4().hex[:16]}-1"
    assert not gateway.find_sent(CHAT, track_id)
    assert gateway.send_text(CHAT, "Primeira parte", track_id=track_id)
    assert gateway.find_sent(CHAT, track_id)
    assert gateway.find_sent(CHAT, track_id)  # a lookup changes nothing


def test_find_sent_tells_parts_and_chats_apart(gateway: MessagingGateway) -> None:
    batch = uuid.uuid4().hex[:16]
    gateway.send_text(CHAT, "Parte 1", track_id=f"{batch}-1")
    gateway.send_text(OTHER_CHAT, "Parte 2 para outro", track_id=f"{batch}-2")
    gateway.send_text(CHAT, "Sem rastreio")
    assert gateway.find_sent(CHAT, f"{batch}-1")
    assert not gateway.find_sent(CHAT, f"{batch}-2")  # sent, but to another chat
    assert not gateway.find_sent(OTHER_CHAT, f"{batch}-1")
    assert not gateway.find_sent(CHAT, f"{batch}-3")  # never sent
    assert not gateway.find_sent(CHAT, "")  # an untracked text is no answer to any lookup
