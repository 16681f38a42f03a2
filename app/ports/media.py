"""Turning voice notes, photos and documents into text as each message arrives."""

from dataclasses import dataclass
from typing import Protocol

from app.domain.messages import InboundMessage


@dataclass(frozen=True, slots=True)
class Extraction:
    """The text of a message; ``note`` says politely why it could not be read, if so."""

    text: str
    note: str = ""


class MediaReader(Protocol):
    def read(self, message: InboundMessage) -> Extraction: ...
