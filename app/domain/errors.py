"""Errors the domain names, each carrying a one-line reason that Kestra can show."""


class ConversaError(Exception):
    """Base of Conversa's own errors."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = " ".join(reason.split())


class PayloadError(ConversaError):
    """A webhook body that is not JSON or misses what is needed."""


class ConfigurationError(ConversaError):
    """Settings that cannot work together."""
