"""Key names, in one place so that every adapter and script agrees on them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    namespace: str = "conversa"

    def chat(self, chat_key: str, part: str) -> str:
        return f"{self.namespace}:chat:{chat_key}:{part}"

    def buffer(self, chat_key: str) -> list[str]:
        """pending list, in-flight list, lease hash — then the two global indexes."""
        return [
            self.chat(chat_key, "pending"),
            self.chat(chat_key, "inflight"),
            self.chat(chat_key, "lease"),
            self.waiting,
            self.leases,
        ]

    @property
    def waiting(self) -> str:
        return f"{self.namespace}:waiting"

    @property
    def leases(self) -> str:
        return f"{self.namespace}:leases"

    def seen(self, message_id: str) -> str:
        return f"{self.namespace}:seen:{message_id}"

    @property
    def dead_letters(self) -> str:
        return f"{self.namespace}:dead-letters"
