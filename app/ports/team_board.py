"""The team's board: which chats wait for a person, and which the bot stays quiet in.

``#status`` in the team chat reads it. A chat is put up when it is handed off, and taken
down when a person takes it (the owner writes in it, ``#pausar``) or gives it back (``#bot``).
Paused chats are noted with the time their pause ends; an ended pause is no longer listed.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class WaitingChat:
    chat_id: str
    since_ms: int
    reason: str = ""
    name: str = ""


class TeamBoard(Protocol):
    def open(self, waiting: WaitingChat) -> None:
        """The chat waits for a person (again: its entry is replaced)."""
        ...

    def close(self, chat_id: str) -> None:
        """The chat no longer waits for a person (harmless when it did not)."""
        ...

    def waiting(self, since_ms: int) -> list[WaitingChat]:
        """The chats waiting since ``since_ms`` or later, oldest first; older ones are forgotten."""
        ...

    def note_paused(self, chat_id: str, until_ms: int) -> None:
        """The bot is quiet in the chat until ``until_ms`` (0: not paused any more)."""
        ...

    def paused(self, now_ms: int) -> list[tuple[str, int]]:
        """(chat, until) of every chat still paused at ``now_ms``, the soonest to end first."""
        ...
