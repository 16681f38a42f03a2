"""``conversa dead-letters``: what could not be handled, with the reason, newest first.

Lists every store that may hold dead letters (the configured one and, behind Redis, the
local fallback folder), each letter with the store it is in. A store that cannot be
reached is named with its error, the others are still listed, and the JSON line still
comes last (exit code 1 then).

Never a token, never a whole phone number: bodies are shown through
:func:`~app.domain.validation.shown_body` (``token`` fields masked, in double-encoded JSON
too; a body kept as base64 decoded first; every occurrence of a configured instance token
masked; runs of 8+ digits masked), reasons likewise. The stores keep bodies whole, for
``conversa replay``.

Bounded: each body is shown once (the Kestra output line carries the listing without the
bodies), cut to ``--body-chars``, and the listing stops at ``--max-bytes`` (``omitted`` says
how many letters were left out). ``--show ID`` prints one letter's whole body, masked.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.domain.messages import mask_digit_runs
from app.domain.validation import clip, mask_secrets, shown_body
from app.entrypoints.report import command_container, emit, fail
from app.ports.dead_letters import DeadLetter

REASON_CHARS = 500


def configured_secrets(container: Any) -> list[str]:
    """The instance tokens of the settings: their exact values are masked wherever they occur."""
    try:
        return [token for _, token, _ in container.settings().uazapi_instance_list() if token]
    except Exception:  # settings that do not read: the fields are still masked
        return []


def shown(letter: DeadLetter, store: str, secrets: list[str], body_chars: int | None) -> dict[str, Any]:
    reason = mask_digit_runs(clip(mask_secrets(letter.reason, secrets), REASON_CHARS))
    body = shown_body(letter.body, secrets, body_chars)
    return {
        "id": letter.id,
        "source": letter.source,
        "reason": reason,
        "at_ms": letter.at_ms,
        "store": store,
        "body_chars": len(letter.body),
        "body": body,
    }


def without_bodies(result: dict[str, Any]) -> dict[str, Any]:
    """What goes to Kestra's outputs: the listing without the bodies (each body is printed once)."""
    letters = [{k: v for k, v in d.items() if k != "body"} for d in result.get("dead_letters", [])]
    return {**result, "dead_letters": letters}


def show_one(container: Any, letter_id: str, secrets: list[str]) -> int:
    stores = container.dead_letters()
    try:
        letter = stores.get(letter_id)
    except Exception as error:
        return fail("dead-letters", f"{type(error).__name__}: {error}")
    if letter is None:
        return fail("dead-letters", f"no dead letter {clip(letter_id, 60)!r}")
    result = {"count": 1, "dead_letters": [shown(letter, "", secrets, None)], "omitted": 0}
    emit(result, outputs=without_bodies(result))
    return 0


def run(args: argparse.Namespace) -> int:
    container = command_container()
    secrets = configured_secrets(container)
    if args.show:
        return show_one(container, args.show, secrets)
    found: list[tuple[DeadLetter, str]] = []
    stores: list[dict[str, Any]] = []
    unreachable: list[dict[str, str]] = []
    try:
        named_stores = container.dead_letters().stores
    except Exception as error:
        return fail("dead-letters", f"{type(error).__name__}: {error}")
    for named in named_stores:
        try:
            listed = named.store.list(args.limit)
        except Exception as error:
            reason = " ".join(f"{type(error).__name__}: {error}".split())
            unreachable.append({"store": named.name, "error": reason})
            continue
        stores.append({"store": named.name, "count": len(listed)})
        found += [(letter, named.name) for letter in listed]
    found.sort(key=lambda item: item[0].at_ms, reverse=True)
    letters: list[dict[str, Any]] = []
    size = 0
    for letter, store in found[: max(args.limit, 0)]:
        entry = shown(letter, store, secrets, max(args.body_chars, 0))
        size += len(json.dumps(entry, ensure_ascii=False).encode("utf-8"))
        if size > args.max_bytes and letters:
            break
        letters.append(entry)
    result = {
        "count": len(letters),
        "dead_letters": letters,
        "omitted": len(found[: max(args.limit, 0)]) - len(letters),
        "stores": stores,
        "unreachable": unreachable,
    }
    if unreachable:
        names = ", ".join(f"{u['store']} ({u['error']})" for u in unreachable)
        listed_others = "; listed the others" if stores else ""
        return fail("dead-letters", f"cannot reach {names}{listed_others}", result)
    emit(result, outputs=without_bodies(result))
    return 0
