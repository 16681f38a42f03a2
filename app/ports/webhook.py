"""Reading the provider's webhook body into a domain message."""

from dataclasses import dataclass, field
from typing import Protocol

from app.domain.authenticity import WebhookOrigin
from app.domain.messages import InboundMessage


@dataclass(frozen=True, slots=True)
class IgnoredEvent:
    """A webhook that is not a new message (receipts, presence, connection…)."""

    event_type: str
    reason: str
    origin: WebhookOrigin | None = field(default=None, repr=False, compare=False)


class WebhookParser(Protocol):
    def parse(self, body: bytes) -> InboundMessage | IgnoredEvent:
        """Raises :class:`app.domain.errors.PayloadError` when the body is unusable.

        Both results, and the error when the body is at least a JSON object, carry the body's
        :class:`~app.domain.authenticity.WebhookOrigin` (instance, token, owner) unchecked.
        """
        ...
