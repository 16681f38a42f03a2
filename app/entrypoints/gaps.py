"""``conversa gaps [--since 7d] [--send] [--week 2026-W49]``: what the bot could not answer.

Without ``--send``: the questions declined in the period, grouped (by meaning with FAISS, by
words with the keyword backend), most asked first, as one JSON object. With ``--send``: the
report of a whole week (``--week``, default the last whole one) written as Markdown to the
bucket and summarised to the team chat, once per week (a re-run says ``already_sent``).
"""

from __future__ import annotations

import argparse
import logging
import re

from app.domain.gaps import week_start
from app.domain.usecases.gaps_report import NoTeamChat
from app.domain.usecases.receive import iso_utc
from app.entrypoints.report import Stopwatch, command_container, counter, emit, fail, timer

log = logging.getLogger("conversa.gaps")
_PERIOD = re.compile(r"(\d{1,4})\s*(d|h)")


def period_ms(text: str) -> int:
    """``7d`` / ``24h`` → milliseconds; ValueError otherwise."""
    match = _PERIOD.fullmatch(text.strip().lower())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"--since {text!r} is not a period like 7d or 24h")
    return int(match.group(1)) * (86_400_000 if match.group(2) == "d" else 3_600_000)


def run(args: argparse.Namespace) -> int:
    watch = Stopwatch()
    container = command_container()
    try:
        since = period_ms(args.since)
        if args.week:
            week_start(args.week)
    except ValueError as error:
        return fail("gaps", str(error))
    try:
        gaps = container.gaps()
        if args.send:
            output = gaps.send(args.week).to_dict()
        elif args.week:
            report = gaps.week_report(args.week)
            output = {
                "status": "ok",
                "week": report.week,
                "summary": report.summary(),
                "markdown": report.markdown(),
                "gaps": [g.to_dict() for g in report.gaps],
            }
        else:
            now = container.clock().now_ms()
            found = gaps.gaps(now - since)
            output = {
                "status": "ok",
                "since": iso_utc(now - since),
                "grouping": gaps.grouping,
                "questions": sum(g.count for g in found),
                "gaps": [g.to_dict() for g in found],
            }
    except NoTeamChat as error:
        return fail("gaps", str(error))
    except Exception as error:
        return fail("gaps", f"{type(error).__name__}: {error}")
    log.info("gaps: %s", output["status"])
    emit(output, [counter("gaps." + str(output["status"])), timer("gaps.duration", watch.seconds)])
    return 0
