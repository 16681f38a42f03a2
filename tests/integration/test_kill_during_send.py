"""SIGKILL ``conversa process`` in the middle of a reply, at many points: each part is delivered once.

A real Redis (``tests/servers/redis.py``), the fake Uazapi as a server process of its own
(``python -m tests.fakes.uazapi_server``), and ``conversa process --no-wait`` as a fresh process
for every run, as Kestra runs it. The customer asks a question whose answer is 8 parts. Kill
points, for every part k:

- ``typing``: part k's attempt is recorded and its typing indicator (``/message/presence``)
  is on the wire; the text itself was never sent;
- ``in_flight``: its ``/send/text`` reached Uazapi, which takes 1 s to send it and sends it
  although the client is gone by then;
- ``delivered``: Uazapi sent it and its answer has not come back, so the outbox never
  ticked it off (the double delivery of issue 8);

and ``random``: runs killed at random instants, several times in a row, while every send
takes Uazapi a little while.

After a kill the chat's batch stays leased to the dead process until the lease (1.5 s)
expires; the sweep puts it back and ``process`` runs again, until a run answers. Then the
messages the fake Uazapi sent to the chat are counted: every part exactly once, in order, with
its tracking id.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from app.container import Container, build_container
from app.entrypoints.simulator.webhooks import WebhookFactory
from app.settings import Settings
from tests.names import unique_name

ROOT = Path(__file__).parents[2]
TOKEN = "kill-test-token-5d1e"
QUESTION = "Quais as formas de pagamento?"
PARTS = 8
LEASE_MS = 1_500
IN_FLIGHT_S = 1.0  # how long Uazapi takes over a send in the in_flight scenarios (< the lease)
RANDOM_STALL_S = 0.4  # longest a send takes Uazapi in the random scenarios
STUCK_S = 30.0  # a stall the killed run never sees the end of
RANDOM_CHATS, RANDOM_KILLS = 8, 3


# --- the fake Uazapi as a server process ---------------------------------------------------


class UazapiProcess:
    """``python -m tests.fakes.uazapi_server``, driven through its ``/_fake/`` controls."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.uazapi_server", "--port", "0", "--token", TOKEN],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method="GET" if body is None else "POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def requests(self, path: str, number: str) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = self.control(
            f"/_fake/requests?{urlencode({'path': path, 'number': number})}"
        )
        return calls

    def sent(self, number: str) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.control(f"/_fake/messages?number={number}")
        return messages

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def uazapi_process() -> Iterator[UazapiProcess]:
    server = UazapiProcess()
    yield server
    server.stop()


# --- one deployment: Redis, the fake Uazapi, the commands as processes ---------------------


@dataclass
class Deployment:
    redis_url: str
    uazapi: UazapiProcess
    tmp: Path
    namespace: str = field(default_factory=lambda: unique_name("kill-send"))

    def settings(self, **overrides: Any) -> dict[str, str]:
        values: dict[str, Any] = {
            "state": "redis",
            "redis_url": self.redis_url,
            "redis_namespace": self.namespace,
            "dead_letters": "file",
            "dead_letter_dir": str(self.tmp / "dead-letters"),
            "gateway": "uazapi",
            "uazapi_url": self.uazapi.url,
            "uazapi_token": TOKEN,
            "business_name": "Padaria Grão Dourado",  # required with the Uazapi gateway
            "uazapi_timeout_seconds": 10,
            "quiet_ms": 0,
            "typing_min_ms": 0,
            "typing_max_ms": 0,
            "typing_ms_per_char": 0,
            "reply_max_chars": 60,
            "reply_max_parts": PARTS,
            "lease_ms": LEASE_MS,
            "max_attempts": 100,
            "log_level": "WARNING",
        }
        values.update(overrides)
        return {f"CONVERSA_{k.upper()}": str(v) for k, v in values.items()}

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONVERSA_")}
        return {**env, **self.settings()}

    def local(self) -> Container:
        """A container in this process on the same Redis, with the offline gateway: nothing it does
        calls Uazapi. One per call: containers are not shared between the test's threads."""
        settings = {k.removeprefix("CONVERSA_").lower(): v for k, v in self.settings().items()}
        settings.update(gateway="memory", uazapi_token="")
        return build_container(Settings(**settings))  # type: ignore[arg-type]

    def ask(self, number: str) -> str:
        """The customer's question, taken in by ``receive``; returns the chat key."""
        body = WebhookFactory(f"{number}@s.whatsapp.net").message(QUESTION, int(time.time() * 1000))
        result = self.local().receive()(body)
        assert result.status == "buffered", result
        return str(result.chat_id)

    def sweep(self) -> None:
        self.local().sweep()()

    def start_process(self, chat: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "app.entrypoints.cli", "process", "--chat", chat, "--no-wait"],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )


@dataclass
class Outcome:
    name: str
    runs: int = 0
    kills: int = 0
    texts: list[str] = field(default_factory=list)
    track_ids: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)


def finished(proc: subprocess.Popen[bytes], outcome: Outcome, kill: bool = False) -> str:
    """SIGKILL the run if ``kill`` (and it still runs), else wait for it; what it reported, or "killed"."""
    if kill and proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=120)
    outcome.runs += 1
    if proc.returncode == -signal.SIGKILL:
        outcome.kills += 1
        return "killed"
    lines = stdout.decode().strip().splitlines()
    result = json.loads(lines[-1]) if lines else {}
    outcome.log.append(f"{result.get('status')}: {result.get('reason')} {stderr.decode()[-300:]}")
    return str(result.get("status"))


def answer_after_kills(
    deployment: Deployment, chat: str, outcome: Outcome, kill_when: list[Callable[[], bool] | float]
) -> None:
    """Run ``process`` once per entry of ``kill_when`` and SIGKILL it when the condition holds (or
    after that many seconds); then sweep and rerun, unkilled, until a run answers.

    A run that ends before its kill instant counts as unkilled; "idle" twice in a row after the
    dead run's lease expired and the sweep ran means a killed run had answered before dying.
    """
    idle = 0
    for when in kill_when:
        proc = deployment.start_process(chat)
        if isinstance(when, float):
            time.sleep(when)
        else:
            deadline = time.monotonic() + 30
            while proc.poll() is None and not when() and time.monotonic() < deadline:
                time.sleep(0.02)
            if proc.poll() is not None or time.monotonic() >= deadline:
                finished(proc, outcome, kill=True)
                raise AssertionError(f"{outcome.name}: the kill point was never reached: {outcome.log}")
        if finished(proc, outcome, kill=True) == "answered":
            return
        time.sleep(LEASE_MS / 1000 + 0.1)  # the dead run's lease expires
        deployment.sweep()
    for _ in range(20):
        status = finished(deployment.start_process(chat), outcome)
        if status == "answered":
            return
        idle = idle + 1 if status == "idle" else 0
        if idle == 2:
            return
        time.sleep(LEASE_MS / 1000 + 0.1)
        deployment.sweep()
    raise AssertionError(f"{outcome.name}: never answered: {outcome.log}")


def count(deployment: Deployment, number: str, outcome: Outcome) -> Outcome:
    time.sleep(IN_FLIGHT_S + 0.1)  # anything Uazapi was still sending is sent by now
    sent = deployment.uazapi.sent(number)
    outcome.texts = [m["text"] for m in sent]
    outcome.track_ids = [m["track_id"] for m in sent]
    return outcome


# --- the scenarios -------------------------------------------------------------------------


def targeted(deployment: Deployment, number: str, mode: str, part: int) -> Outcome:
    """Kill the first run at ``mode`` of part ``part`` (0-based), then answer."""
    uazapi, outcome = deployment.uazapi, Outcome(f"{mode} part {part + 1}")
    chat = deployment.ask(number)
    if mode == "typing":
        uazapi.control(
            "/_fake/slow", {"path": "/message/presence", "seconds": STUCK_S, "after": part, "number": number}
        )

        def reached() -> bool:
            calls = uazapi.requests("/message/presence", number)
            return len(calls) == part + 1 and calls[-1]["status"] == 0

    elif mode == "in_flight":
        uazapi.control(
            "/_fake/slow", {"path": "/send/text", "seconds": IN_FLIGHT_S, "after": part, "number": number}
        )

        def reached() -> bool:
            calls = uazapi.requests("/send/text", number)
            return len(calls) == part + 1 and calls[-1]["status"] == 0

    else:
        stall = {"path": "/send/text", "seconds": STUCK_S, "after": part, "number": number, "delivered": True}
        uazapi.control("/_fake/slow", stall)

        def reached() -> bool:
            return len(uazapi.sent(number)) == part + 1

    answer_after_kills(deployment, chat, outcome, [reached])
    return count(deployment, number, outcome)


def at_random(deployment: Deployment, number: str, seed: int, span_s: float) -> Outcome:
    """Kill RANDOM_KILLS runs in a row at random instants while every send takes Uazapi a while."""
    rng, outcome = random.Random(seed), Outcome(f"random seed {seed}")
    chat = deployment.ask(number)
    for _ in range(PARTS * (RANDOM_KILLS + 1)):
        delivered = rng.random() < 0.5  # stall before or after Uazapi sends it
        seconds = rng.uniform(0.02, RANDOM_STALL_S if not delivered else 0.3)
        body = {"path": "/send/text", "seconds": seconds, "number": number, "delivered": delivered}
        deployment.uazapi.control("/_fake/slow", body)
    answer_after_kills(deployment, chat, outcome, [rng.uniform(0.0, span_s) for _ in range(RANDOM_KILLS)])
    return count(deployment, number, outcome)


def test_a_process_killed_anywhere_in_a_send_delivers_each_part_exactly_once(
    redis_url: str, uazapi_process: UazapiProcess, tmp_path: Path
) -> None:
    deployment = Deployment(redis_url, uazapi_process, tmp_path)

    # The reference: one run, no trouble.
    reference_number = "5541900000000"
    started = time.monotonic()
    reference = Outcome("reference")
    answer_after_kills(deployment, deployment.ask(reference_number), reference, [])
    span_s = time.monotonic() - started
    parts = count(deployment, reference_number, reference).texts
    assert len(parts) == PARTS and len(set(parts)) == PARTS, parts

    jobs: list[Callable[[], Outcome]] = []
    for m, mode in enumerate(("typing", "in_flight", "delivered")):
        for part in range(PARTS):
            number = f"55419{m + 1:02d}{part:06d}"
            jobs.append(lambda n=number, mo=mode, p=part: targeted(deployment, n, mo, p))
    for seed in range(RANDOM_CHATS):
        number = f"55419{90:02d}{seed:06d}"
        jobs.append(lambda n=number, s=seed: at_random(deployment, n, s, span_s + PARTS * 0.25))
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda job: job(), jobs))

    duplicates = {o.name: {t: n - 1 for t, n in Counter(o.texts).items() if n > 1} for o in outcomes}
    random_kills = sum(o.kills for o in outcomes if o.name.startswith("random"))
    summary = (
        f"kill test: {len(outcomes)} chats, {sum(o.runs for o in outcomes)} runs of process, "
        f"{sum(o.kills for o in outcomes)} killed ({random_kills} at random instants), "
        f"{sum(len(o.texts) for o in outcomes)} parts delivered for "
        f"{len(outcomes) * PARTS} expected, {sum(sum(d.values()) for d in duplicates.values())} duplicates"
    )
    print(summary)  # pytest -s shows it
    assert {name: d for name, d in duplicates.items() if d} == {}, summary
    for outcome in outcomes:
        assert outcome.texts == parts, f"{outcome.name}: {outcome.texts} ({outcome.log})"
        assert len(set(outcome.track_ids)) == PARTS and all(outcome.track_ids), outcome.track_ids
    assert sum(o.kills for o in outcomes) - random_kills == 3 * PARTS  # every targeted kill point was reached
