"""A ``receive`` killed with SIGKILL at any instant leaves its message taken in or retryable.

Against a real Redis, ``conversa receive`` (``killable_receive``: the real entrypoint with its
ports wrapped) is killed

1. at every port-call boundary, just before and just after each call (parse, the "seen?"
   check, chat state, media extraction, the buffer's append), three messages per point;
2. at random instants of its work (timed SIGKILLs after it signalled ``ready``), with a
   media extraction that takes 30 ms, as a real one takes seconds.

Each delivery is then retried (Uazapi and Kestra retry), and the buffer is read: every
message must be in it exactly once (0 lost, 0 doubled). ``CONVERSA_KILL_TEST_RUNS`` sets
how many timed kills (default 60).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis as redis_lib

from app.adapters.redis.keys import Keys
from app.container import build_container
from app.settings import Settings
from tests.names import unique_name

ROOT = Path(__file__).parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "uazapi" / "titobahe__user-chat__from-others__text.sent.json"
CHAT = "eKoB39/11565944224@s.whatsapp.net"
TIMED_RUNS = int(os.environ.get("CONVERSA_KILL_TEST_RUNS", "60"))


def body(wa_id: str) -> bytes:
    data = json.loads(FIXTURE.read_text())
    data["message"].update(text=f"mensagem {wa_id}", messageid=wa_id, id=f"552441045746:{wa_id}")
    return json.dumps(data).encode()


def environment(redis_url: str, namespace: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVERSA_")}
    env.update(
        CONVERSA_STATE="redis",
        CONVERSA_DEAD_LETTERS="redis",
        CONVERSA_REDIS_URL=redis_url,
        CONVERSA_REDIS_NAMESPACE=namespace,
        CONVERSA_DEAD_LETTER_DIR=str(tmp_path / "dead-letters"),
        **extra,
    )
    return env


def killable(path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.killable_receive", "--body-file", str(path)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


class Deliveries:
    """The messages of one test: their bodies on disk, the retries, and the buffer's verdict."""

    def __init__(self, redis_url: str, tmp_path: Path) -> None:
        self.redis_url, self.tmp_path = redis_url, tmp_path
        self.namespace = unique_name("kill")
        self.ids: list[str] = []

    def new(self) -> Path:
        wa_id = f"K{len(self.ids):05d}{uuid.uuid4().hex[:8].upper()}"
        self.ids.append(wa_id)
        path = self.tmp_path / f"{wa_id}.json"
        path.write_bytes(body(wa_id))
        return path

    def env(self, **extra: str) -> dict[str, str]:
        return environment(self.redis_url, self.namespace, self.tmp_path, **extra)

    def retry_all(self) -> Counter[str]:
        """Deliver every message again, as Uazapi or Kestra would; the statuses seen."""
        settings = Settings(
            state="redis", dead_letters="redis", redis_url=self.redis_url, redis_namespace=self.namespace
        )
        receive = build_container(settings).receive()
        return Counter(receive(body(wa_id)).status for wa_id in self.ids)

    def buffered(self) -> Counter[str]:
        client = redis_lib.Redis.from_url(self.redis_url)
        pending = client.lrange(Keys(self.namespace).chat(CHAT, "pending"), 0, -1)
        client.close()
        return Counter(json.loads(raw)["wa_message_id"] for raw in pending)

    def verdict(self) -> dict[str, int]:
        counts = self.buffered()
        return {
            "deliveries": len(self.ids),
            "buffered_once": sum(1 for i in self.ids if counts[i] == 1),
            "lost": sum(1 for i in self.ids if counts[i] == 0),
            "doubled": sum(1 for i in self.ids if counts[i] > 1),
        }


def traced_calls(deliveries: Deliveries) -> list[str]:
    run = subprocess.run(
        [sys.executable, "-m", "tests.integration.killable_receive", "--body-file", str(deliveries.new())],
        env=deliveries.env(TRACE_CALLS="1"),
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    return [line[5:] for line in run.stderr.decode().splitlines() if line.startswith("call ")]


def test_a_kill_at_every_port_call_loses_nothing(redis_url: str, tmp_path: Path) -> None:
    deliveries = Deliveries(redis_url, tmp_path)
    calls = traced_calls(deliveries)
    assert calls[0] == "parser.parse" and calls[-1].startswith("buffer.append"), calls
    points = [f"{n}:{when}" for n in range(len(calls)) for when in ("before", "after")]
    runs = [(point, deliveries.new()) for point in points for _ in range(3)]

    def kill_at(point: str, path: Path) -> int:
        proc = killable(path, deliveries.env(KILL_AT=point))
        proc.communicate(timeout=60)
        return proc.returncode

    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda run: kill_at(*run), runs))
    assert codes == [-signal.SIGKILL] * len(runs), list(zip(points, codes, strict=False))
    statuses = deliveries.retry_all()
    verdict = deliveries.verdict()
    print(f"\nkill at each of {len(points)} port-call boundaries ({', '.join(calls)}): {verdict}; {statuses}")
    assert set(statuses) <= {"buffered", "duplicate"}
    assert verdict["lost"] == 0 and verdict["doubled"] == 0
    assert verdict["buffered_once"] == verdict["deliveries"] == len(runs) + 1


def test_timed_kills_at_random_instants_lose_nothing(redis_url: str, tmp_path: Path) -> None:
    deliveries = Deliveries(redis_url, tmp_path)
    slow = {"MEDIA_DELAY_MS": "30", "READY": "1"}

    def run_until_exit(path: Path, kill_after_s: float | None) -> tuple[float, int]:
        proc = killable(path, deliveries.env(**slow))
        assert proc.stderr is not None
        assert proc.stderr.readline().strip() == b"ready"
        start = time.monotonic()
        if kill_after_s is not None:
            time.sleep(kill_after_s)
            proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        return time.monotonic() - start, proc.returncode

    work_s = max(run_until_exit(deliveries.new(), None)[0] for _ in range(3))
    rng = random.Random(8)
    delays = [rng.uniform(0, work_s * 1.2) for _ in range(TIMED_RUNS)]
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda delay: run_until_exit(deliveries.new(), delay)[1], delays))
    killed = sum(1 for code in outcomes if code == -signal.SIGKILL)
    statuses = deliveries.retry_all()
    verdict = deliveries.verdict()
    print(
        f"\n{TIMED_RUNS} timed kills within {work_s * 1.2 * 1000:.0f} ms of work: "
        f"{killed} killed, {TIMED_RUNS - killed} finished first; {verdict}; {statuses}"
    )
    assert killed >= TIMED_RUNS // 2  # most signals did land in the middle of the work
    assert set(statuses) <= {"buffered", "duplicate"}
    assert verdict["lost"] == 0 and verdict["doubled"] == 0
    assert verdict["buffered_once"] == verdict["deliveries"]
