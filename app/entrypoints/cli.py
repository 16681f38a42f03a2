"""``conversa``: the one-shot commands that Kestra flows run.

Each subcommand imports only what it needs, at call time: this module itself imports
nothing heavier than argparse, so ``conversa receive`` starts fast for every message.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="conversa", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    receive = sub.add_parser("receive", help="take in one Uazapi webhook body")
    receive.add_argument("--body-file", help="file holding the raw body (default: standard input)")

    process = sub.add_parser("process", help="answer what waits for one chat")
    process.add_argument(
        "--chat",
        required=True,
        help="chat key from receive: instance/jid, e.g. main/5511999999999@s.whatsapp.net",
    )
    waiting = process.add_mutually_exclusive_group()
    waiting.add_argument("--wait-ms", type=int, default=None, help="longest wait for quiet in this run")
    waiting.add_argument(
        "--no-wait",
        action="store_true",
        help="never sleep for quiet: answer if the chat is quiet, else return 'waiting' with retry_in_ms",
    )

    process.add_argument(
        "--due",
        help="when the message this run was started for is due (ISO-8601): if a later message made "
        "the chat due later, exit 'superseded' at once (that message's processor answers)",
    )

    sub.add_parser("sweep", help="requeue expired leases and list chats left unanswered")

    alert = sub.add_parser("alert", help="tell the operator an execution failed (once per flow and hour)")
    alert.add_argument("--flow", required=True, help="the flow whose execution failed")
    alert.add_argument("--execution", required=True, help="the failed execution's id")

    ingest = sub.add_parser("ingest", help="build the knowledge index from documents")
    where = ingest.add_mutually_exclusive_group()
    where.add_argument("--source", help="a local folder of documents")
    where.add_argument("--prefix", help="a prefix in the knowledge bucket (default: CONVERSA_DOCS_PREFIX)")

    ask = sub.add_parser("ask", help="answer questions from the knowledge base, without WhatsApp")
    ask.add_argument(
        "--source", help="a local folder of documents, indexed in memory by the configured backend"
    )
    ask.add_argument("question", nargs="*", help="questions (default: one per line of standard input)")

    dead = sub.add_parser("dead-letters", help="list what could not be handled, newest first")
    dead.add_argument("--limit", type=int, default=20)
    dead.add_argument("--body-chars", type=int, default=2_000, help="characters of each body shown")
    dead.add_argument("--max-bytes", type=int, default=1_000_000, help="the most the listing prints")
    dead.add_argument("--show", metavar="ID", help="one letter with its whole body (masked)")

    replay = sub.add_parser("replay", help="feed dead letters back through receive, oldest first")
    which = replay.add_mutually_exclusive_group()
    which.add_argument("--id", action="append", help="a dead letter's id (repeatable)")
    which.add_argument("--all", action="store_true", help="every dead letter (narrowed by --reason/--source)")
    replay.add_argument("--reason", help="the letters whose reason contains this text (any case)")
    replay.add_argument("--source", help="the letters of this source: receive, auth…")
    replay.add_argument("--limit", type=int, default=1000, help="at most this many letters per store")
    replay.add_argument("--dry-run", action="store_true", help="list what would be replayed, change nothing")

    gaps = sub.add_parser("gaps", help="what the bot could not answer, grouped; the weekly report")
    gaps.add_argument("--since", default="7d", help="the period to list: 7d, 24h… (default 7d)")
    gaps.add_argument(
        "--week", help="an ISO week (2026-W49): its report (default with --send: the last whole week)"
    )
    gaps.add_argument(
        "--send",
        action="store_true",
        help="write the week's report to the bucket and send its summary to the team chat, once",
    )

    simulate = sub.add_parser("simulate", help="chat with the bot in the terminal, offline")
    simulate.add_argument("--script", help="play a scenario file on a virtual clock and print the transcript")
    simulate.add_argument(
        "--real", action="store_true", help="use the adapters configured in the environment"
    )
    simulate.add_argument("--chat", default="5541999990000@s.whatsapp.net", help="the customer's chat id")
    return parser


def _command(name: str) -> Callable[[argparse.Namespace], int]:
    if name == "receive":
        from app.entrypoints.receive import run
    elif name == "process":
        from app.entrypoints.process import run
    elif name == "sweep":
        from app.entrypoints.sweep import run
    elif name == "alert":
        from app.entrypoints.alert import run
    elif name == "ingest":
        from app.entrypoints.ingest import run
    elif name == "ask":
        from app.entrypoints.ask import run
    elif name == "dead-letters":
        from app.entrypoints.dead_letters import run
    elif name == "replay":
        from app.entrypoints.replay import run
    elif name == "gaps":
        from app.entrypoints.gaps import run
    else:
        from app.entrypoints.simulate import run
    return run


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = _command(args.command)
    from pydantic import ValidationError

    try:
        return command(args)
    except ValidationError as error:  # bad CONVERSA_* settings: say which, in one line
        from app.entrypoints.report import fail

        problems = "; ".join(
            f"CONVERSA_{'_'.join(map(str, e['loc'])).upper() or 'SETTINGS'}: {e['msg']}"
            for e in error.errors()
        )
        return fail(args.command, f"invalid settings: {problems}")


if __name__ == "__main__":
    sys.exit(main())
