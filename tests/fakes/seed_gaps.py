"""Seeds last week's declined questions and figures through the application's own stores.

The Kestra suite runs it (``python -c 'from tests.fakes.seed_gaps import main; main()'``) with
the commands' environment, so the report flow finds a week to report on: three ways of asking
for pizza, two for bitcoin, and a few answered batches.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, time, timedelta

from app.container import build_container
from app.domain.gaps import opaque, previous_week, week_start
from app.ports.gaps import DeclinedQuestion

QUESTIONS = (
    "Vocês vendem pizza?",
    "Tem pizza de calabresa?",
    "Vocês fazem pizza?",
    "Aceitam bitcoin?",
    "E bitcoin, aceitam?",
)


def main() -> None:
    container = build_container()
    hours, log, figures = container.hours(), container.gap_log(), container.figures()
    now = container.clock().now_ms()
    week = previous_week(hours.local(now).date())
    monday = datetime.combine(week_start(week), time(10), tzinfo=hours.local(0).tzinfo)
    for day, question in enumerate(QUESTIONS):
        at = int((monday + timedelta(days=day)).timestamp() * 1000)
        chat = f"suite/55419900001{day:02d}@s.whatsapp.net"
        log.record(DeclinedQuestion(opaque(f"seed-{day}"), at, chat, question, 0.21))
        figures.record(week, opaque(chat), opaque(f"seed-{day}"), True, 4_000 + day * 1_000)
        figures.record(week, opaque(chat), opaque(f"seed-answered-{day}"), False, 3_000)
    json.dump({"week": week, "questions": len(QUESTIONS)}, sys.stdout)


if __name__ == "__main__":
    main()
