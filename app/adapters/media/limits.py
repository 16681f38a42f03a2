"""How much media the reader accepts, and the error that carries a polite note.

The limits keep one ``receive`` run (which Uazapi waits on) short and its memory bounded: a
100-page scan or a 20-minute voice note is declined with a note instead of being read.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.adapters.media.notes import TRUNCATED


@dataclass(frozen=True, slots=True)
class MediaLimits:
    max_bytes: int = 20_000_000
    max_pdf_pages: int = 30
    max_ocr_pages: int = 5
    max_audio_seconds: int = 300
    max_chars: int = 4_000
    max_image_pixels: int = 40_000_000


class Unreadable(Exception):
    """Media that will not be read: ``reason`` is logged, ``note`` goes to the customer.

    With no ``note`` the reader uses the generic "could not read" note of the message kind.
    """

    def __init__(self, reason: str, note: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.note = note


def check_size(size_bytes: int, limits: MediaLimits, note: str) -> None:
    if size_bytes > limits.max_bytes:
        raise Unreadable(f"{size_bytes} bytes exceeds the limit of {limits.max_bytes}", note)


def truncate(text: str, max_chars: int) -> str:
    """``text`` cut to about ``max_chars`` at a word boundary, with a marker when it was cut."""
    text = text.strip()
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    if space > max_chars * 0.8:
        cut = cut[:space]
    return f"{cut.rstrip()}\n{TRUNCATED}"
