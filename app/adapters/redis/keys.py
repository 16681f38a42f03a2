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
        """The list dead letters were kept in before they had stable ids (migrated when read)."""
        return f"{self.namespace}:dead-letters"

    @property
    def dead_letter_items(self) -> str:
        """Hash: dead-letter id → the letter (JSON)."""
        return f"{self.namespace}:dead-letters:items"

    @property
    def dead_letter_times(self) -> str:
        """Sorted set: dead-letter id scored by the time of its last ``put``."""
        return f"{self.namespace}:dead-letters:times"

    @property
    def dead_letter_bytes(self) -> str:
        """Hash: source → the bytes its letters take (their JSON), kept by the put and delete scripts."""
        return f"{self.namespace}:dead-letters:bytes"

    def dead_letter_source(self, source: str) -> str:
        """Sorted set: the ids of one source's dead letters, scored like ``dead_letter_times``."""
        return f"{self.namespace}:dead-letters:source:{source}"
