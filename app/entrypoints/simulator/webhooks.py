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

    def message(self, text: str, at_ms: int, from_me: bool = False, by_api: bool = False) -> bytes:
        """A text message as Uazapi would POST it (``fromMe``/``wasSentByApi`` as given)."""
        wa_id = f"SIM{next(self._ids):06d}{uuid.uuid4().hex[:10].upper()}"  # unique, like WhatsApp's
        sender = f"{self.owner}@s.whatsapp.net" if from_me else self.chat_id
        body = {
            "BaseUrl": "http://simulator.local",
            "EventType": "messages",
            "instanceName": self.instance,
            "owner": self.owner,
            "token": self.token,
            "chatSource": "updated",
            "chat": {"wa_chatid": self.chat_id, "wa_isGroup": False, "name": self.customer_name},
            "message": {
                "id": f"{self.owner}:{wa_id}",
                "messageid": wa_id,
                "chatid": self.chat_id,
                "fromMe": from_me,
                "wasSentByApi": by_api,
                "isGroup": False,
                "type": "text",
                "messageType": "Conversation",
                "mediaType": "",
                "text": text,
                "content": text,
                "sender": sender,
                "sender_pn": sender,
                "senderName": "Dono" if from_me else self.customer_name,
                "messageTimestamp": at_ms,
                "quoted": "",
                "edited": "",
            },
        }
        return json.dumps(body, ensure_ascii=False).encode("utf-8")
