"""Load in Kestra: many chats, each a burst of 3 messages within 2 s, through the webhook route.

Runs ``KestraLoadBench`` (tests/kestra) on Kestra 2.0.0's engine with the real flows, the real
``conversa``, Redis, S3 and the fake Uazapi, 4 worker threads and a 2 s quiet period, and prints
its figures: chats answered exactly once (target: all), duplicates and losses (target: 0), the
latency from each chat's last message to its first ``/send/text`` (target p95 <= quiet + 2 s),
``conversa`` runs per burst by command, CPU seconds per burst (the Kestra JVM, receive, process,
sweep) and the executions left in each state at the end (target: none RUNNING).

``--flows DIR`` replaces the shipped flows by those of DIR with the same name (to compare a variant).

A Kestra just started is slow for a minute (its JVM compiles the engine's hot paths): 20 warm-up
chats are answered first and left out of the figures (their latency is printed apart).

Usage: python bench/kestra_load.py [--chats 100] [--spread 300] [--threads 4] [--quiet-ms 2000]
       [--warmup-chats 20]
Needs what ``make test-kestra`` needs (Maven, a JDK 25, ``make .venv/.real``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "tests" / "kestra" / "target" / "kestra-load.log"  # the whole run, for the chats not answered
# The JVM's collections: to tell a pause from a queue.
GC_LOG = ROOT / "tests" / "kestra" / "target" / "kestra-load-gc.log"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--spread", type=int, default=300, help="seconds over which the chats start")
    parser.add_argument("--threads", type=int, default=4, help="Kestra worker threads")
    parser.add_argument("--timeout", type=int, default=600, help="seconds to wait for the answers")
    parser.add_argument("--quiet-ms", type=int, default=2000, help="CONVERSA_QUIET_MS of the commands")
    parser.add_argument(
        "--warmup-chats", type=int, default=20, help="chats answered first, not measured (0: a cold Kestra)"
    )
    parser.add_argument("--heap", default="1g", help="the Kestra JVM's -Xmx")
    parser.add_argument("--flows", type=Path, help="a folder of flows replacing their namesakes in flows/")
    args = parser.parse_args()
    properties = [
        "-Dtest=KestraLoadBench",
        f"-Dconversa.bench.chats={args.chats}",
        f"-Dconversa.bench.warmup.chats={args.warmup_chats}",
        f"-Dconversa.bench.spread.seconds={args.spread}",
        f"-Dconversa.bench.timeout.seconds={args.timeout}",
        f"-Dconversa.kestra.worker.threads={args.threads}",
        "-Dconversa.lease.ms=120000",
        f"-Dconversa.quiet.ms={args.quiet_ms}",
        "-Dconversa.sweep.grace.ms=60000",  # production's (the suite's 10 s is for its orphan scenario)
        f"-Dconversa.jvm.heap={args.heap}",
        f"-Dconversa.jvm.log=-Xlog:gc:file={GC_LOG}",
    ]
    if args.flows:
        properties.append(f"-Dconversa.bench.flows.override={args.flows.resolve()}")
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
