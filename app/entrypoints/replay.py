"""``conversa replay``: feed dead letters back through ``receive``, oldest first.

One line per letter on stdout, then the JSON result. A letter leaves its stores only once
it was taken in (or recognised: a duplicate, an ignored event); exit code 0 when every
selected letter was, 1 otherwise (a letter that failed again, a store that cannot be
reached, an id found nowhere).
"""

from __future__ import annotations

import argparse
import sys

from app.domain.messages import mask_digit_runs
from app.domain.validation import clip
from app.entrypoints.report import command_container, counter, emit, fail


def run(args: argparse.Namespace) -> int:
    from app.domain.usecases.replay import LetterReplay, Selection

    if not (args.id or args.reason or args.source or args.all):
        return fail("replay", "say which dead letters: --id ID, --reason TEXT, --source NAME or --all")
    container = command_container()

    def report(letter: LetterReplay) -> None:
        where = ", ".join(letter.stores)
        status = f" {letter.status}" if letter.status else ""
        left = f" (still in {', '.join(letter.left_in)})" if letter.left_in else ""
        sys.stdout.write(f"{letter.outcome}{status}: {letter.id} [{letter.source}] from {where}: ")
        sys.stdout.write(f"{mask_digit_runs(clip(letter.reason, 300))}{left}\n")

    selection = Selection(tuple(args.id or ()), args.source or "", args.reason or "", args.limit)
    try:
        replay = container.replay(on_letter=report)
        result = replay(selection, dry_run=args.dry_run)
    except Exception as error:
        return fail("replay", f"{type(error).__name__}: {error}")
    output = result.to_dict()
    emit(output, [counter("replay.replayed", output["replayed"]), counter("replay.failed", output["failed"])])
    if result.ok:
        return 0
    problems = [f"{output['failed']} failed again"] if output["failed"] else []
    problems += [f"{u['store']} unreachable ({u['error']})" for u in output["unreachable"]]
    problems += [f"not found: {', '.join(result.missing)}"] if result.missing else []
    if any(letter.left_in for letter in result.letters):
        problems.append("some were taken in but are still in a store (replay them again to remove them)")
    sys.stderr.write(f"conversa replay: {'; '.join(problems)}\n")
    return 1
