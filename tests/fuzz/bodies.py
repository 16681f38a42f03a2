"""Mutated Uazapi webhook bodies for the fuzz suite, grown from the real captures.

Every body starts as one of the real payloads in ``tests/fixtures/uazapi/`` and gets a few
mutations: a field deleted, a value swapped for another type, a huge string, lone surrogates
and control characters, deep nesting, then maybe a serialisation accident (truncated, bytes
that are not UTF-8, surrogates written raw) or a body that is not a Uazapi event at all.
"""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uazapi"
SEEDS: list[tuple[str, dict[str, Any]]] = [
    (p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in sorted(FIXTURES.glob("*.json"))
]

# What each instance of the captures would be configured with (the auth-on runs).
INSTANCES = {
    name: {"token": token, "owner": owner}
    for name, token, owner in sorted(
        {
            (str(data["instanceName"]), str(data["token"]), str(data["owner"]))
            for _, data in SEEDS
            if data.get("owner") and data.get("EventType") == "messages"
        }
    )
}

# The fields that decide what happens to a message: mutated more often than the CRM noise.
HOT_PATHS: list[tuple[str | int, ...]] = [
    ("EventType",),
    ("instanceName",),
    ("owner",),
    ("token",),
    ("message",),
    ("chat",),
    ("chat", "wa_chatid"),
    *(
        ("message", key)
        for key in (
            "chatid",
            "messageid",
            "id",
            "fromMe",
            "wasSentByApi",
            "isGroup",
            "text",
            "content",
            "messageType",
            "type",
            "mediaType",
            "edited",
            "quoted",
            "vote",
            "owner",
            "sender",
            "sender_pn",
            "senderName",
            "messageTimestamp",
        )
    ),
    ("message", "content", "caption"),
    ("message", "content", "degreesLatitude"),
    ("message", "content", "fileLength"),
]

NEST = "\x00nest:"  # a placeholder replaced by deep nesting once the body is serialised
NEST_JSON = '"\\u0000nest:'  # how json.dumps writes its start
DIGITS = "\x00digits:"  # a placeholder replaced by a number literal of that many digits
DIGITS_JSON = '"\\u0000digits:'


def value_paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    items: Any = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    paths: list[tuple[str | int, ...]] = []
    for key, value in items:
        paths.append((*prefix, key))
        paths.extend(value_paths(value, (*prefix, key)))
    return paths


def _has(node: Any, key: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(key, str) and key in node
    return isinstance(node, list) and isinstance(key, int) and key < len(node)


def _parent(data: Any, path: tuple[str | int, ...]) -> Any:
    for key in path[:-1]:
        if not _has(data, key):
            return None
        data = data[key]
    return data


def set_value(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    parent, key = _parent(data, path), path[-1]
    if (isinstance(parent, dict) and isinstance(key, str)) or _has(parent, key):
        parent[key] = value


def delete(data: Any, path: tuple[str | int, ...]) -> None:
    parent, key = _parent(data, path), path[-1]
    if isinstance(parent, dict):
        parent.pop(key, None)
    elif isinstance(parent, list) and isinstance(key, int) and key < len(parent):
        del parent[key]


any_char = st.characters(blacklist_categories=())  # surrogates, controls, format characters too
weird_text = st.text(any_char, max_size=30)
special = st.sampled_from(
    [
        12345,
        ["x"],
        {},
        [],
        "",
        "true",
        "False",
        " TRUE ",
        "1",
        "yes",
        0,
        1,
        -1,
        2**64,
        1e308,
        -0.0,
        "\ud800",
        "\udfff oi",
        "\x00",
        "a\nb",
        "\x1b[2J",
        "\u202e",
        "\ufeff",
        "5511987654321@s.whatsapp.net",
        "5511987654321@s.whatsapp.net\nINFO forged",
        "status@broadcast",
        "120363000000000000@g.us",
        "322578300804080@lid",
        "../../../etc/passwd",
        "%s%s%n",
        "messages",
        "presence",
        "parar",
        "voltar",
    ]
)
huge = st.builds(
    lambda n, c: c * n,
    st.sampled_from([1_000, 70_000, 1_000_000, 1_000, 70_000, 5_000_000]),  # 5 MB one time in six
    st.sampled_from(["x", "é", "\ud800", "\n", "😀", " ", "\x00", "9"]),
)
long_text = st.builds(  # the 5 MB texts are the input-limit tests' (tests/usecases/test_input_limits.py)
    lambda n, c: c * n,
    st.sampled_from([1_000, 70_000, 300_000]),
    st.sampled_from(["x", "\ud800", "\n", "😀"]),
)
nested = st.sampled_from([50, 900, 5_000, 200_000]).map(lambda depth: f"{NEST}{depth}")
digits = st.sampled_from([20, 400, 4_301, 100_000]).map(lambda count: f"{DIGITS}{count}")
small_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | weird_text,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(weird_text, kids, max_size=3),
    max_leaves=8,
)
replacement = st.one_of(special, weird_text, huge, nested, digits, small_json)


def fresh_id(data: dict[str, Any], seed: dict[str, Any], changes: list[str]) -> None:
    """Give a mutated message its own WhatsApp id (derived from its changes) if it kept the
    capture's: otherwise most bodies would be duplicates of the first one taken in."""
    message, original = data.get("message"), seed.get("message")
    if (
        isinstance(message, dict)
        and isinstance(original, dict)
        and message.get("messageid") == original.get("messageid")
    ):
        digest = hashlib.sha256("\n".join(changes).encode("utf-8", "surrogatepass")).hexdigest()
        message["messageid"] = "3EB0" + digest[:16].upper()


def describe(path: tuple[str | int, ...], value: Any) -> str:
    """A short, distinct description of one change (a huge value by its start and length)."""
    shown = f"{value[:40]}…{len(value)}" if isinstance(value, str) else repr(value)[:80]
    return f"{path!r}={type(value).__name__}:{shown}"


@st.composite
def mutation(draw: st.DrawFn, data: dict[str, Any]) -> str:
    paths = value_paths(data)
    pool = HOT_PATHS if draw(st.booleans()) or not paths else paths
    path = draw(st.sampled_from(pool))
    if draw(st.integers(0, 3)) == 0:
        delete(data, path)
        return f"{path!r} deleted"
    value = draw(replacement)
    set_value(data, path, copy.deepcopy(value))  # sampled values are shared objects
    return describe(path, value)


def serialise(data: Any, ascii_only: bool) -> bytes:
    text = json.dumps(data, ensure_ascii=ascii_only)
    while NEST_JSON in text:  # '"\u0000nest:900"' → 900 levels of lists
        start = text.index(NEST_JSON)
        end = text.index('"', start + 1)
        depth = int(text[start + len(NEST_JSON) : end])
        text = text[:start] + "[" * depth + "]" * depth + text[end + 1 :]
    while DIGITS_JSON in text:  # '"\u0000digits:5000"' → a 5000-digit number
        start = text.index(DIGITS_JSON)
        end = text.index('"', start + 1)
        count = int(text[start + len(DIGITS_JSON) : end])
        text = text[:start] + "9" * count + text[end + 1 :]
    return text.encode("utf-8", "surrogatepass")  # a raw surrogate is bytes that are not UTF-8


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """One webhook body: a real capture, mutated."""
    # Hypothesis favours 0 and the bounds: the rarer branches test for values in the middle.
    if draw(st.integers(0, 19)) == 13:  # now and then, not a Uazapi body at all
        return draw(
            st.one_of(
                st.binary(max_size=64),
                st.sampled_from(
                    [b"", b"null", b"[]", b"{}", b'"messages"', b"[" * 100_000, b"\xef\xbb\xbf{}"]
                ),
            )
        )
    _, seed = draw(st.sampled_from(SEEDS))
    data = json.loads(json.dumps(seed))
    changes = [draw(mutation(data)) for _ in range(draw(st.integers(1, 4)))]
    if draw(st.integers(0, 3)) != 2:  # mostly a new message: another body, another id
        fresh_id(data, seed, changes)
    body = serialise(data, ascii_only=draw(st.booleans()))
    accident = draw(st.integers(0, 9))
    if accident == 5:  # cut short, as a dropped connection delivers it
        body = body[: draw(st.integers(0, max(len(body) - 1, 0)))]
    elif accident == 6:  # bytes that are not UTF-8 somewhere
        at = draw(st.integers(0, len(body)))
        body = body[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00"])) + body[at:]
    return body


TEXT_PATHS: list[tuple[str | int, ...]] = [
    ("message", "text"),
    ("message", "senderName"),
    ("message", "quoted"),
    ("chat", "name"),
    ("chat", "wa_name"),
    ("BaseUrl",),
]
MESSAGE_SEEDS = [(n, d) for n, d in SEEDS if d.get("EventType") == "messages" and "from-others" in n]


@st.composite
def text_mutated_bodies(draw: st.DrawFn) -> bytes:
    """A customer's real message whose free-text fields hold any text at all: lone surrogates,
    control characters, bidi overrides, huge strings. None of it may cost the message."""
    _, seed = draw(st.sampled_from(MESSAGE_SEEDS))
    data = json.loads(json.dumps(seed))
    changes = []
    for path in draw(st.lists(st.sampled_from(TEXT_PATHS), min_size=1, max_size=4, unique=True)):
        value = draw(st.one_of(weird_text, long_text))
        set_value(data, path, value)
        changes.append(describe(path, value))
    fresh_id(data, seed, changes)
    return serialise(data, ascii_only=draw(st.booleans()))
