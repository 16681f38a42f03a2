"""Cold start of ``conversa receive``: what every WhatsApp message pays before any work.

Compares, as medians of N fresh processes:
  1. ``python -c pass``                      — the interpreter alone
  2. a bare import of receive's dependencies — the third-party packages the receive path loads
  3. ``conversa receive`` on a text message  — in-memory adapters, the offline default
and prints the ratio 3 / 2 (target: at most 1.3) and which heavy libraries the path loads
(target: none of langchain, faiss, numpy).

Usage: python bench/cold_start.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BODY = ROOT / "tests" / "fixtures" / "uazapi" / "titobahe__user-chat__from-others__text.sent.json"
HEAVY = ("langchain", "langchain_core", "faiss", "numpy", "redis", "httpx", "minio", "torch")

PROBE = """
import sys, json
from app.entrypoints.cli import main
import io, contextlib
sys.argv = ["conversa", "receive", "--body-file", sys.argv[1]]
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main(sys.argv[1:])
    except SystemExit:
        pass
stdlib = set(sys.stdlib_module_names)
tops = sorted({m.split(".")[0] for m in sys.modules} - stdlib - {"app", "__main__", "_distutils_hack"})
tops = [t for t in tops if not t.startswith("_") and getattr(sys.modules[t], "__spec__", None)]
print(json.dumps(tops))
"""


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CONVERSA_")}
    clean.update({"CONVERSA_DEAD_LETTERS": "memory", "CONVERSA_LOG_LEVEL": "WARNING"})
    return clean


def interleaved_medians(commands: list[list[str]], runs: int) -> list[float]:
    """Median wall time of each command, run in turn so that machine noise hits all alike."""
    times: list[list[float]] = [[] for _ in commands]
    for cmd in commands:  # warm the page cache
        subprocess.run(cmd, capture_output=True, env=env(), cwd=ROOT, check=True)
    for _ in range(runs):
        for i, cmd in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True, env=env(), cwd=ROOT, check=True)
            times[i].append(time.perf_counter() - start)
    return [statistics.median(t) for t in times]


def receive_dependencies() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(BODY)], capture_output=True, env=env(), cwd=ROOT, check=True
    )
    deps: list[str] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return deps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    # Installed packages ship compiled bytecode; give the checkout's sources the same (this
    # environment may set PYTHONDONTWRITEBYTECODE, which would recompile them on every run).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "app")], check=True)
    deps = receive_dependencies()
    heavy = [d for d in deps if d in HEAVY]
    py = sys.executable
    bare_import = "import " + ", ".join(deps) if deps else "pass"
    t_pass, t_bare, t_receive = interleaved_medians(
        [
            [py, "-c", "pass"],
            [py, "-c", bare_import],
            [py, "-m", "app.entrypoints.cli", "receive", "--body-file", str(BODY)],
        ],
        runs,
    )
    print(f"runs per figure            : {runs} (median, the three commands interleaved)")
    print(f"receive imports (3rd party): {', '.join(deps)}")
    print(f"heavy libraries on the path: {', '.join(heavy) or 'none'}")
    print(f"python -c pass             : {t_pass * 1000:7.1f} ms")
    print(f"bare import of those deps  : {t_bare * 1000:7.1f} ms")
    print(f"conversa receive (memory)  : {t_receive * 1000:7.1f} ms")
    print(f"receive / bare import      : {t_receive / t_bare:7.2f}  (target <= 1.30)")
    print(f"receive - bare import      : {(t_receive - t_bare) * 1000:7.1f} ms of Conversa's own work")


if __name__ == "__main__":
    main()
