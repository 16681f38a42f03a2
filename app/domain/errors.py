"""Errors the domain names, each carrying a one-line reason that Kestra can show."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.domain.authenticity import WebhookOrigin


class ConversaError(Exception):
    """Base of Conversa's own errors."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = " ".join(reason.split())


class PayloadError(ConversaError):
    """A webhook body that is not JSON or misses what is needed.

    ``origin`` is what the body said about where it comes from, when that much could be read:
    a malformed body is checked for authenticity like any other.
    """

    def __init__(self, reason: str, origin: WebhookOrigin | None = None) -> None:
        super().__init__(reason)
        self.origin = origin


class ConfigurationError(ConversaError):
    """Settings that cannot work together."""
