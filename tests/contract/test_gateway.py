"""The messaging gateway contract, as far as a caller can observe it."""

from __future__ import annotations

import pytest

from app.domain.messages import MediaRef
from app.ports.messaging import MessagingGateway

CHAT = "main/5541988887777@s.whatsapp.net"


def test_send_text_returns_a_message_id(gateway: MessagingGateway) -> None:
    first = gateway.send_text(CHAT, "Olá! *Pão* quentinho às 17h.")
    second = gateway.send_text(CHAT, "Segunda parte")
    assert first and second and first != second


def test_typing_and_read_receipts_are_accepted(gateway: MessagingGateway) -> None:
    gateway.send_typing(CHAT, 1_500)
    gateway.mark_read(CHAT, ["ABC123", "DEF456"])


def test_downloading_unknown_media_raises_lookup_error(gateway: MessagingGateway) -> None:
    with pytest.raises(LookupError):
        gateway.download_media(MediaRef(message_id="NOPE0000"))
