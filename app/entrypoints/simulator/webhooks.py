"""Uazapi-shaped webhook bodies for the simulator, so every message goes through the parser."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field

OWNER = "554130000000"
INSTANCE = "simulador"


@dataclass
class WebhookFactory:
    chat_id: str
    customer_name: str = "Cliente"
    token: str = "simulated-token"
    instance: str = INSTANCE
    owner: str = OWNER
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def message(
        self,
        text: str,
        at_ms: int,
        from_me: bool = False,
        by_api: bool = False,
        chat_id: str = "",
        name: str = "",
        token: str = "",
    ) -> bytes:
        """A text message as Uazapi would POST it (``fromMe``/``wasSentByApi`` as given), in the
        customer's chat or in ``chat_id`` (the team chat), signed with ``token`` if given."""
        wa_id = f"SIM{next(self._ids):06d}{uuid.uuid4().hex[:10].upper()}"  # unique, like WhatsApp's
        chat = chat_id or self.chat_id
        sender = f"{self.owner}@s.whatsapp.net" if from_me else chat
        name = name or ("Dono" if from_me else self.customer_name)
        body = {
            "BaseUrl": "http://simulator.local",
            "EventType": "messages",
            "instanceName": self.instance,
            "owner": self.owner,
            "token": token or self.token,
            "chatSource": "updated",
            "chat": {"wa_chatid": chat, "wa_isGroup": chat.endswith("@g.us"), "name": name},
            "message": {
                "id": f"{self.owner}:{wa_id}",
                "messageid": wa_id,
                "chatid": chat,
                "fromMe": from_me,
                "wasSentByApi": by_api,
                "isGroup": chat.endswith("@g.us"),
                "type": "text",
                "messageType": "Conversation",
                "mediaType": "",
                "text": text,
                "content": text,
                "sender": sender,
                "sender_pn": sender,
                "senderName": name,
                "messageTimestamp": at_ms,
                "quoted": "",
                "edited": "",
            },
        }
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
