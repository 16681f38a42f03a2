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
    def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
        """Send one message; returns the provider's message id.

        ``track_id`` tags the message at the provider so :meth:`find_sent` can find it later
        (see :func:`app.domain.tracking.part_track_id`).
        """
        ...

    def find_sent(self, chat_id: str, track_id: str) -> bool:
        """Whether the provider has a message we sent to ``chat_id`` tagged ``track_id``.

        Raises when it cannot tell (provider unreachable, lookup refused): the caller must
        then neither send nor skip.
        """
        ...

    def send_typing(self, chat_id: str, duration_ms: int) -> None:
        """Show "typing…" in the chat for about ``duration_ms``."""
        ...

    def mark_read(self, chat_id: str, message_ids: list[str]) -> None: ...

    def flag_handoff(self, chat_id: str) -> None:
        """Flag the chat for the business's team: the bot handed it to a human (it did not know
        the answer, or the customer asked for a person). Flagging a chat twice is harmless."""
        ...

    def download_media(self, media: MediaRef, transcribe: bool = False) -> DownloadedMedia: ...
