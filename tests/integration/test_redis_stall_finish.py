"""Redis stalls, cuts or drops after each command that finishes a reply: the reply still goes out once.

``conversa process`` runs as a process of its own against a real Redis through a proxy
(``tests/servers/redis_proxy.py``) and the fake Uazapi as a server process. The finishing
sequence is read off a reference run: the commands from the one that records the last part
as sent to the end of the run (history read and written, the batch acknowledged, the outbox
cleared — in whatever order ``process`` issues them). For each of these commands and each
way of breaking Redis right after it:

- ``stall``: the commands after it are held 2 s and then land (the run has given up by then);
- ``cut``: nothing after it reaches Redis;
- ``drop``: it lands but its answer never comes back, and Redis stays unreachable;

the broken run ends as it can; once the lease expires the sweep puts the batch back and
``process`` runs again (straight to Redis) until a run answers or finds nothing to do. Then
the fake Uazapi must have sent every part of the reply exactly once and the chat's history
must hold the exchange once: the customer's question and the whole answer. Twice: for an
answer (8 parts; 6 finishing commands today, 18 stall points) and for a handoff (a person asked for;
the chat is also flagged and paused: 7 commands, 21 stall points).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from app.entrypoints.simulator.webhooks import WebhookFactory
from tests.integration.test_kill_during_send import (
    LEASE_MS,
    PARTS,
    QUESTION,
    ROOT,
    Deployment,
    UazapiProcess,
    uazapi_process,
)
from tests.servers.redis_proxy import MODES, RedisProxy

__all__ = ["uazapi_process"]  # the fixture, shared with the kill test


@dataclass
class Run:
    name: str
    statuses: list[str] = field(default_factory=list)


def run_process(deployment: Deployment, chat: str, redis_url: str, run: Run) -> str:
    env = {**deployment.env(), "CONVERSA_REDIS_URL": redis_url}
    proc = subprocess.run(
        [sys.executable, "-m", "app.entrypoints.cli", "process", "--chat", chat, "--no-wait"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
    )
    lines = proc.stdout.decode().strip().splitlines()
    status = str(json.loads(lines[-1]).get("status")) if lines else f"exit {proc.returncode}"
    run.statuses.append(f"{status} ({proc.returncode}) {proc.stderr.decode()[-200:]}".strip())
    return status


def answer_until_done(deployment: Deployment, chat: str, run: Run) -> None:
    """Sweep and rerun ``process`` straight to Redis until it answers, or finds nothing twice."""
    idle = 0
    for _ in range(10):
        time.sleep(LEASE_MS / 1000 + 0.1)  # a broken run's lease expires
        deployment.sweep()
        status = run_process(deployment, chat, deployment.redis_url, run)
        if status == "answered":
            return
        idle = idle + 1 if status == "idle" else 0
        if idle == 2:
            return
    raise AssertionError(f"{run.name}: never answered: {run.statuses}")


def short(command: str) -> str:
    """``EVALSHA ns:chat:…:outbox`` → ``EVALSHA outbox``."""
    name, _, key = command.partition(" ")
    return f"{name} {key.rpartition(':')[2]}"


@pytest.fixture
def proxies(redis_url: str) -> Iterator[list[RedisProxy]]:
    made: list[RedisProxy] = []
    yield made
    for proxy in made:
        proxy.close()


HANDOFF_QUESTION = "Quero falar com um atendente"  # a person is asked for: a handoff that pauses the bot


def ask(deployment: Deployment, number: str, question: str) -> str:
    """The customer's question, taken in by ``receive``; returns the chat key."""
    body = WebhookFactory(f"{number}@s.whatsapp.net").message(question, int(time.time() * 1000))
    result = deployment.local().receive()(body)
    assert result.status == "buffered", result
    return str(result.chat_id)


@pytest.mark.parametrize(
    ("question", "prefix", "handoff"),
    [(QUESTION, "554", False), (HANDOFF_QUESTION, "553", True)],
    ids=["answer", "handoff"],
)
def test_redis_broken_after_each_finishing_command_sends_each_part_once_and_records_one_exchange(
    redis_url: str,
    uazapi_process: UazapiProcess,
    tmp_path: Path,
    proxies: list[RedisProxy],
    question: str,
    prefix: str,
    handoff: bool,
) -> None:
    """``handoff``: the reply hands the chat to a person, so its finishing sequence also flags
    the chat at Uazapi and pauses it (one more Redis command)."""
    deployment = Deployment(redis_url, uazapi_process, tmp_path)
    upstream = urlparse(redis_url).port
    assert upstream

    def proxy() -> RedisProxy:
        made = RedisProxy(upstream)
        proxies.append(made)
        return made

    # The reference: two untroubled runs through the proxy (the first loads the Lua scripts).
    probe = proxy()
    for number in (f"{prefix}1700000001", f"{prefix}1700000002"):
        chat = ask(deployment, number, question)
        probe.arm(-1, "stall")
        assert run_process(deployment, chat, probe.url, Run("reference")) == "answered"
    commands = list(probe.log)
    parts = [m["text"] for m in uazapi_process.sent(f"{prefix}1700000002")]
    assert len(parts) == PARTS if not handoff else parts, parts
    paused = any(c.startswith("HSET") and c.endswith(":state") for c in commands)
    assert paused == handoff, commands
    last_mark = max(i for i, c in enumerate(commands) if c.startswith("EVALSHA") and c.endswith(":outbox"))
    finishing = list(range(last_mark, len(commands)))
    assert any(commands[i].startswith("SET") and commands[i].endswith(":history") for i in finishing), (
        commands
    )

    def broken(index: int, mode: str, number: str) -> tuple[str, list[str], list[str], Run]:
        run = Run(f"{mode} after {short(commands[index])}")
        chat = ask(deployment, number, question)
        breaker = proxy()
        breaker.arm(index, mode)
        run_process(deployment, chat, breaker.url, run)
        while not breaker.settled():
            time.sleep(0.05)
        answer_until_done(deployment, chat, run)
        time.sleep(0.2)
        sent = [m["text"] for m in uazapi_process.sent(number)]
        turns = deployment.local().conversations().load(chat).turns
        return run.name, sent, [t.text for t in turns], run

    cases = [
        (i, mode, f"{prefix}18{m:02d}{n:06d}")
        for n, i in enumerate(finishing)
        for m, mode in enumerate(MODES)
    ]
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(lambda case: broken(*case), cases))

    print(
        f"finishing sequence {[short(commands[i]) for i in finishing]}: "
        f"{len(cases)} stall points tried ({len(finishing)} commands x {len(MODES)} modes)"
    )
    failures = []
    for name, sent, turns, run in outcomes:
        if sent != parts or turns != [question, "\n\n".join(parts)]:
            failures.append(
                f"{name}: {len(sent)} parts sent, {len(turns)} turns: {sent} {turns} {run.statuses}"
            )
    assert failures == [], "\n".join(failures)
