"""Load in Kestra: many chats, each a burst of 3 messages within 2 s, through the webhook route.

Runs ``KestraLoadBench`` (tests/kestra) on Kestra 2.0.0's engine with the real flows, the real
``conversa``, Redis, S3 and the fake Uazapi, 4 worker threads and a 2 s quiet period, and prints
its figures: chats answered exactly once (target: all), duplicates and losses (target: 0), and the
latency from each chat's last message to its first ``/send/text`` (target p95 <= quiet + 2 s).

``--before`` runs the baseline instead: process-conversation as it was before the waiting moved
into Kestra (``bench/kestra/flows-before-item4/``: the command sleeps in its worker until quiet).

Usage: python bench/kestra_load.py [--chats 100] [--spread 100] [--threads 4] [--before]
Needs what ``make test-kestra`` needs (Maven, a JDK 25, ``make .venv/.real``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEFORE = ROOT / "bench" / "kestra" / "flows-before-item4"
LOG = ROOT / "tests" / "kestra" / "target" / "kestra-load.log"  # the whole run, for the chats not answered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--spread", type=int, default=100, help="seconds over which the chats start")
    parser.add_argument("--threads", type=int, default=4, help="Kestra worker threads")
    parser.add_argument("--timeout", type=int, default=600, help="seconds to wait for the answers")
    parser.add_argument("--before", action="store_true", help="the baseline flows (waiting in the worker)")
    args = parser.parse_args()
    properties = [
        "-Dtest=KestraLoadBench",
        f"-Dconversa.bench.chats={args.chats}",
        f"-Dconversa.bench.spread.seconds={args.spread}",
        f"-Dconversa.bench.timeout.seconds={args.timeout}",
        f"-Dconversa.kestra.worker.threads={args.threads}",
        "-Dconversa.lease.ms=120000",
    ]
    if args.before:
        properties.append(f"-Dconversa.bench.flows.override={BEFORE}")
    started = time.monotonic()
    run = subprocess.run(
        ["make", "-s", "test-kestra", f"MVN_ARGS={' '.join(properties)}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text(run.stdout + run.stderr, encoding="utf-8")
    figures = [line.removeprefix("BENCH ") for line in run.stdout.splitlines() if line.startswith("BENCH ")]
    if run.returncode != 0 or not figures:
        sys.stderr.write(run.stdout[-4000:] + run.stderr[-2000:])
        sys.stderr.write(f"kestra_load: the benchmark did not run (exit {run.returncode})\n")
        return 1
    print("\n".join(figures))
    print(f"wall time: {time.monotonic() - started:.0f} s (Maven, engine boot, services, ingest included)")
    print(f"full output (executions of chats left unanswered, if any): {LOG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
