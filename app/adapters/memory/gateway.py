"""A messaging gateway that records what the bot would have sent: the simulator's phone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.domain.messages import MediaRef
from app.ports.messaging import DownloadedMedia


@dataclass(frozen=True, slots=True)
class SentEvent:
    kind: str  # "text" | "typing" | "read" | "handoff"
    chat_id: str
    text: str = ""
    duration_ms: int = 0
    track_id: str = ""


class RecordingGateway:
    """Keeps every call in ``events``; ``on_event`` lets the simulator print bubbles live.

    Media it was given with :meth:`add_media` can be downloaded; anything else is missing,
    as an expired WhatsApp file would be.
    """

    def __init__(self, on_event: Callable[[SentEvent], None] | None = None) -> None:
        self.events: list[SentEvent] = []
        self._media: dict[str, DownloadedMedia] = {}
        self._on_event = on_event
        self._count = 0

    def _record(self, event: SentEvent) -> None:
        self.events.append(event)
        if self._on_event:
            self._on_event(event)

    def texts(self, chat_id: str | None = None) -> list[str]:
        return [e.text for e in self.events if e.kind == "text" and chat_id in (None, e.chat_id)]

    def add_media(self, message_id: str, media: DownloadedMedia) -> None:
        self._media[message_id] = media

    def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
        self._count += 1
        self._record(SentEvent("text", chat_id, text, track_id=track_id))
        return f"sim-{self._count}"

    def find_sent(self, chat_id: str, track_id: str) -> bool:
        """Whether a text tagged ``track_id`` went to ``chat_id``: what Uazapi's ``/message/find`` tells."""
        return bool(track_id) and any(
            e.kind == "text" and e.chat_id == chat_id and e.track_id == track_id for e in self.events
        )

    def send_typing(self, chat_id: str, duration_ms: int) -> None:
        self._record(SentEvent("typing", chat_id, duration_ms=duration_ms))

    def mark_read(self, chat_id: str, message_ids: list[str]) -> None:
        self._record(SentEvent("read", chat_id, text=",".join(message_ids)))

    def flag_handoff(self, chat_id: str) -> None:
        self._record(SentEvent("handoff", chat_id))

    def download_media(self, media: MediaRef, transcribe: bool = False) -> DownloadedMedia:
        if media.message_id not in self._media:
            raise LookupError(f"media {media.message_id} is not available")
        return self._media[media.message_id]
