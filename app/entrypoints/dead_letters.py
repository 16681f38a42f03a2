"""``conversa dead-letters``: what could not be handled, with the reason, newest first.

Lists every store that may hold dead letters (the configured one and, behind Redis, the
local fallback folder), each letter with the store it is in. A store that cannot be
reached is named with its error, the others are still listed, and the JSON line still
comes last (exit code 1 then). Bodies are shown with their Uazapi ``token`` masked; the
stores keep them whole, for ``conversa replay``.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from app.container import build_container
from app.domain.validation import mask_tokens
from app.entrypoints.report import emit, fail, setup_logging


def run(args: argparse.Namespace) -> int:
    container = build_container()
    setup_logging(container.settings().log_level)
    letters: list[dict[str, Any]] = []
    stores: list[dict[str, Any]] = []
    unreachable: list[dict[str, str]] = []
    try:
        named_stores = container.dead_letters().stores
    except Exception as error:
        return fail("dead-letters", f"{type(error).__name__}: {error}")
    for named in named_stores:
        try:
            found = named.store.list(args.limit)
        except Exception as error:
            reason = " ".join(f"{type(error).__name__}: {error}".split())
            unreachable.append({"store": named.name, "error": reason})
            continue
        stores.append({"store": named.name, "count": len(found)})
        letters += [
            {**asdict(letter), "body": mask_tokens(letter.body), "store": named.name} for letter in found
        ]
    letters.sort(key=lambda d: d["at_ms"], reverse=True)
    result = {
        "count": len(letters[: args.limit]),
        "dead_letters": letters[: args.limit],
        "stores": stores,
        "unreachable": unreachable,
    }
    if unreachable:
        names = ", ".join(f"{u['store']} ({u['error']})" for u in unreachable)
        listed = "; listed the others" if stores else ""
        return fail("dead-letters", f"cannot reach {names}{listed}", result)
    emit(result)
    return 0
