"""``conversa simulate``: talk to the bot in the terminal, or play a scenario file.

With ``--script`` the scenario runs on a virtual clock (a 24-hour gap takes no time) and
the command exits 1 if the scenario's expectations are not met. Without it, you type as
the customer in real time; ``/dono <texto>`` types as the owner, ``/equipe <texto>`` writes
in the team chat (``#status``…, with ``CONVERSA_TEAM_CHAT``), ``/sair`` quits.
"""

from __future__ import annotations

import argparse
import heapq
import select
import sys
import time
from typing import Any

from app.adapters.memory.clock import VirtualClock
from app.container import build_container
from app.entrypoints.report import emit, fail, setup_logging
from app.entrypoints.simulator.engine import Simulation
from app.entrypoints.simulator.scenario import Scenario, ScenarioError, Step, load_scenario
from app.settings import Settings

SETTLE_MS = 10 * 60 * 1000


def offline_settings(overrides: dict[str, Any], real: bool) -> Settings:
    """The simulator's settings: offline adapters unless ``--real``, plus the scenario's."""
    base: dict[str, Any] = {} if real else {"state": "memory", "dead_letters": "memory"}
    return Settings(**{**base, **overrides})


def play_step(sim: Simulation, scenario: Scenario, step: Step) -> None:
    if step.kind == "say":
        sim.customer_says(step.value)
    elif step.kind == "owner":
        sim.owner_says(step.value)
    elif step.kind == "duplicate":
        sim.redeliver()
    elif step.kind == "team":
        sim.team_says(step.value)
    elif step.kind == "forged_team":
        sim.forged_team(step.value)
    elif step.kind == "report":
        sim.send_report()
    else:
        sim.deliver((scenario.base_dir / step.value).read_bytes())


def run_script(args: argparse.Namespace) -> int:
    try:
        scenario = load_scenario(args.script)
        settings = offline_settings(scenario.settings, args.real)
    except ScenarioError as error:
        return fail("simulate", error.reason)
    except ValueError as error:
        return fail("simulate", f"invalid scenario settings: {error}".splitlines()[0])
    start_ms = scenario.start_ms if scenario.start_ms is not None else time.time_ns() // 1_000_000
    clock = VirtualClock(start_ms=start_ms)
    try:
        sim = Simulation(build_container(settings), clock, args.chat, sys.stdout, offline=not args.real)
    except ValueError as error:
        return fail("simulate", f"invalid scenario settings: {error}".splitlines()[0])
    print(f"# {scenario.name}")
    start = clock.now_ms()
    for step in scenario.steps:
        clock.schedule(start + step.at_ms, lambda s=step: play_step(sim, scenario, s))  # type: ignore[misc]
    last = start + (scenario.steps[-1].at_ms if scenario.steps else 0)
    clock.run_all(limit_ms=last + SETTLE_MS)
    failures = sim.check(scenario.expect)
    for failure in failures:
        sys.stderr.write(f"conversa simulate: expectation failed: {failure}\n")
    emit(
        {
            "status": "ok" if not failures else "failed",
            "scenario": scenario.name,
            "answers": sim.answers,
            "bot_messages": sim.bot_messages,
            "team_messages": sim.team_messages,
            "receive": dict(sim.statuses),
            "failures": failures,
        }
    )
    return 1 if failures else 0


class RealTimeClock(VirtualClock):
    """The virtual clock's scheduler, driven by wall-clock time for the interactive mode."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000

    def sleep_ms(self, ms: int) -> None:
        time.sleep(max(ms, 0) / 1000)
        self.run_due()

    def run_due(self) -> None:
        while self._queue and self._queue[0][0] <= self.now_ms():
            self.advance_to(self._queue[0][0])

    def advance_to(self, target_ms: int) -> None:
        while self._queue and self._queue[0][0] <= target_ms:
            _, _, callback = heapq.heappop(self._queue)
            callback()

    def seconds_to_next(self) -> float | None:
        return max((self._queue[0][0] - self.now_ms()) / 1000, 0) if self._queue else None

    def drain(self, limit_s: float = 120) -> None:
        """Let everything scheduled happen (the answer to the last message), within a limit."""
        deadline = time.monotonic() + limit_s
        while self._queue and time.monotonic() < deadline:
            time.sleep(self.seconds_to_next() or 0)
            self.run_due()


def run_interactive(args: argparse.Namespace) -> int:
    clock = RealTimeClock()
    settings = offline_settings({}, args.real)
    container = build_container(settings)
    sim = Simulation(container, clock, args.chat, sys.stdout)
    print(
        f"Conversa simulator — {container.business()}. Type as the customer; "
        "'/dono <texto>' types as the owner, '/equipe <texto>' in the team chat (with "
        "CONVERSA_TEAM_CHAT), '/sair' or Ctrl-D quits."
    )
    while True:
        ready, _, _ = select.select([sys.stdin], [], [], clock.seconds_to_next())
        if ready:
            line = sys.stdin.readline()
            if not line:  # end of input: wait for the bot to finish answering
                clock.drain()
                break
            if line.strip() in {"/sair", "/quit"}:
                break
            text = line.strip()
            if text.startswith("/dono "):
                sim.owner_says(text[len("/dono ") :])
            elif text.startswith("/equipe ") and sim.team_jid:
                sim.team_says(text[len("/equipe ") :])
            elif text:
                sim.customer_says(text)
        clock.run_due()
    emit({"status": "ok", "answers": sim.answers, "bot_messages": sim.bot_messages})
    return 0


def run(args: argparse.Namespace) -> int:
    setup_logging("WARNING")
    return run_script(args) if args.script else run_interactive(args)
