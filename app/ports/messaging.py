"""Talking to WhatsApp through the provider (Uazapi in production)."""

from dataclasses import dataclass
from typing import Protocol

from app.domain.messages import MediaRef


@dataclass(frozen=True, slots=True)
class DownloadedMedia:
    data: bytes
    mimetype: str = ""
    transcription: str = ""


class MessagingGateway(Protocol):
    def send_text(self, chat_id: str, text: str) -> str:
        """Send one message; returns the provider's message id."""
        ...

    def send_typing(self, chat_id: str, duration_ms: int) -> None:
        """Show "typing…" in the chat for about ``duration_ms``."""
        ...

    def mark_read(self, chat_id: str, message_ids: list[str]) -> None: ...

    def download_media(self, media: MediaRef, transcribe: bool = False) -> DownloadedMedia: ...
