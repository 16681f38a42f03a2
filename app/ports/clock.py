"""Time, injected so that debounce and session rules can be tested without waiting."""

from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch."""
        ...

    def sleep_ms(self, ms: int) -> None:
        """Wait; a virtual clock just moves on."""
        ...
