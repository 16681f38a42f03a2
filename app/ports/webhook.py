"""Reading the provider's webhook body into a domain message."""

from dataclasses import dataclass
from typing import Protocol

from app.domain.messages import InboundMessage


@dataclass(frozen=True, slots=True)
class IgnoredEvent:
    """A webhook that is not a new message (receipts, presence, connection…)."""

    event_type: str
    reason: str


class WebhookParser(Protocol):
    def parse(self, body: bytes) -> InboundMessage | IgnoredEvent:
        """Raises :class:`app.domain.errors.PayloadError` when the body is unusable."""
        ...
