"""What well-formed input looks like, and how text from outside is made safe to keep and show.

- :func:`is_jid` / :func:`is_instance_name`: the grammar of what WhatsApp and Uazapi produce;
  anything else in a chat id or an instance name is a malformed body, not a new chat.
- :func:`repair`: text that cannot be encoded (a lone surrogate from a ``"\\ud800"`` escape)
  gets U+FFFD instead; a customer's message is never lost for one bad character.
- :func:`clip`: every value echoed into a reason, a log line or an output is cut to a sane
  length and has its control characters replaced, so input can neither forge log lines nor
  blow up an output.
- :func:`cap_text`: the part of a (possibly huge) message that retrieval and the model see.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable

from app.domain.messages import mask_digit_runs

ECHO_MAX_CHARS = 200
INSTANCE_MAX_CHARS = 64
MESSAGE_ID_MAX_CHARS = 128
REPLACEMENT = "\ufffd"

# Users are digits; a device suffix (":12") only on phone and lid JIDs; old-style groups are
# "<creator>-<timestamp>@g.us"; status updates go to "status@broadcast".
_JID = re.compile(
    r"\d{1,24}(?::\d{1,4})?@(?:s\.whatsapp\.net|lid)"
    r"|\d{1,24}(?:-\d{1,24})?@g\.us"
    r"|(?:status|\d{1,24})@broadcast"
    r"|\d{1,24}@newsletter"
)
_MESSAGE_ID = re.compile(rf"[A-Za-z0-9._\-]{{1,{MESSAGE_ID_MAX_CHARS}}}")
_OWNER = re.compile(r"\d{1,24}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_jid(value: str) -> bool:
    """A WhatsApp JID as Uazapi names chats: ``5511…@s.whatsapp.net``, ``…@g.us``, ``…@lid``,
    ``…@broadcast``, ``…@newsletter``."""
    return _JID.fullmatch(value) is not None


def is_instance_name(value: str) -> bool:
    """An Uazapi instance name: 1 to 64 printable characters, no ``/`` (it separates the chat key)."""
    return 0 < len(value) <= INSTANCE_MAX_CHARS and value.isprintable() and "/" not in value


def is_message_id(value: str) -> bool:
    """A WhatsApp message id (``3EB0…``, ``AC98…``): letters, digits, ``._-``, at most 128."""
    return _MESSAGE_ID.fullmatch(value) is not None


def is_owner(value: str) -> bool:
    """The business's own number as Uazapi sends it: digits."""
    return _OWNER.fullmatch(value) is not None


def repair(text: str) -> str:
    """``text`` with every code point UTF-8 cannot carry (lone surrogates) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub(REPLACEMENT, text)
    return text


def _printable(char: str) -> str:
    if char.isprintable():
        return char
    return " " if char.isspace() else "?"


def clip(value: str, limit: int = ECHO_MAX_CHARS) -> str:
    """A safe echo of ``value``: one line, no control characters, at most ``limit`` characters."""
    head = value[: limit + 1]
    cleaned = "".join(_printable(c) for c in repair(head))
    cleaned = " ".join(cleaned.split())
    return cleaned if len(value) <= limit and len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def describe(error: BaseException, limit: int = 300) -> str:
    """An exception as one safe line for a report: its type and its message, clipped."""
    return clip(f"{type(error).__name__}: {error}", limit)


# A "token" field at any level of JSON-in-a-JSON-string: the quotes escaped by as many backslashes.
_TOKEN_FIELD = re.compile(r'((\\*)"token\2"\s*:\s*\2")((?:[^"\\]|\\.)*?)(\2")', re.S)
BASE64_PREFIX = "base64:"  # how a body that is not UTF-8 is kept (see receive.body_text)


def mask_tokens(body: str) -> str:
    """``body`` with every JSON ``"token": "…"`` value hidden: Uazapi puts the instance token
    in each webhook, and a raw body shown to an operator must not reveal it. Also inside a
    double-encoded body (a JSON string holding the JSON: ``\\"token\\": \\"…\\"``)."""
    return _TOKEN_FIELD.sub(lambda m: f"{m.group(1)}***{m.group(4)}" if m.group(3) else m.group(0), body)


def mask_secrets(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with its ``token`` fields hidden (:func:`mask_tokens`) and every occurrence of
    a configured secret's exact value too, wherever it is."""
    masked = mask_tokens(text)
    for secret in secrets:
        if secret:
            masked = masked.replace(secret, "***")
    return masked


def shown_body(stored: str, secrets: Iterable[str] = (), limit: int | None = None) -> str:
    """A dead letter's body as an operator may see it: never a token, never a whole number.

    A body kept as base64 (it was not UTF-8) is decoded first (bad bytes as U+FFFD) and said
    so, so a token inside it is masked like any other; one that cannot be decoded is withheld.
    Then tokens and configured secrets are masked (before cutting: a cut must not leave half a
    token to be seen), runs of 8+ digits masked like phone numbers, and the text cut to
    ``limit`` characters, saying how much more there is.
    """
    text, note = stored, ""
    if stored.startswith(BASE64_PREFIX):
        try:
            text = base64.b64decode(stored[len(BASE64_PREFIX) :], validate=True).decode("utf-8", "replace")
        except ValueError:
            return "[withheld: kept as base64 that cannot be decoded]"
        note = "[kept as base64, not UTF-8: shown decoded] "
    text = repair(mask_digit_runs(mask_secrets(text, secrets)))
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}… [{len(text) - limit} more characters]"
    return note + text


def cap_text(text: str, limit: int) -> str:
    """At most about ``limit`` characters of ``text``: its start and its end (where a long
    pasted message usually asks its question), cut at word boundaries, joined by " […] "."""
    if len(text) <= limit:
        return text
    head_size = limit * 2 // 3
    head = text[:head_size]
    space = head.rfind(" ", max(head_size - 40, 0))
    head = (head[:space] if space > 0 else head).rstrip()
    tail_size = max(limit - len(head) - 5, 0)
    tail = text[len(text) - tail_size :] if tail_size else ""
    space = tail.find(" ", 0, 40)
    tail = (tail[space:] if space >= 0 else tail).lstrip()
    return f"{head} […] {tail}".rstrip()
