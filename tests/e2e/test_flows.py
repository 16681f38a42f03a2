"""Static checks of flows/: Kestra 2.0 syntax only, safe commands, the right wiring.

Kestra 2.0.0's own engine loads and executes these flows in the Kestra suite
(``tests/kestra``, ``make test-kestra``); these checks catch, without a JVM, what Kestra 2.0
rejects or what would be unsafe.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

FLOWS_DIR = Path(__file__).parents[2] / "flows"
FLOWS = sorted(FLOWS_DIR.glob("*.yml"))
REMOVED_IN_2_0 = {
    "trigger conditions (use when:)": re.compile(r"^\s*conditions:", re.M),
    "when: on a task (2.0.0 rejects it: use runIf)": re.compile(
        r"^\s+- id: .*\n(?:\s+\w+: .*\n)*?\s+when:", re.M
    ),
    "Pebble `is string` (no such test in 2.0.0)": re.compile(r"\bis\s+string\b"),
    "the json filter (use toJson)": re.compile(r"\|\s*json\b"),
    "the json() function (use fromJson)": re.compile(r"(?<![A-Za-z])json\("),
    "pluginDefaults": re.compile(r"pluginDefaults|taskDefaults"),
    "ForEach (use Loop)": re.compile(r"flow\.(ForEach|ForEachItem|EachSequential|EachParallel)\b"),
    "core aliases": re.compile(r"io\.kestra\.core\."),
}


def load(path: Path) -> dict[str, Any]:
    flow: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return flow


def tasks(flow: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    pending = list(flow.get("tasks", [])) + list(flow.get("errors", []))
    while pending:
        task = pending.pop()
        found.append(task)
        pending.extend(task.get("tasks", []))
    return found


def test_the_five_flows_exist() -> None:
    assert {load(p)["id"] for p in FLOWS} == {
        "receive-whatsapp",
        "process-conversation",
        "ingest-knowledge",
        "sweep-conversations",
        "report-knowledge-gaps",
    }


def test_the_weekly_report_runs_on_monday_morning_in_sao_paulo_and_sends_once() -> None:
    flow = load(FLOWS_DIR / "report-knowledge-gaps.yml")
    (trigger,) = flow["triggers"]
    assert trigger["type"] == "io.kestra.plugin.core.trigger.Schedule"
    assert (trigger["cron"], trigger["timezone"]) == ("0 8 * * 1", "America/Sao_Paulo")
    (task,) = flow["tasks"]
    assert task["commands"] == ["conversa gaps --send"]
    assert all("secret(" in value for value in task["env"].values())


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_flow_uses_nothing_kestra_2_removed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    used = [name for name, pattern in REMOVED_IN_2_0.items() if pattern.search(text)]
    assert used == []


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_flow_is_described_labelled_and_exposes_outputs(path: Path) -> None:
    flow = load(path)
    assert flow["id"] == path.stem and flow["namespace"] == "conversa"
    assert flow.get("description") and flow.get("labels", {}).get("app") == "conversa"
    assert flow.get("outputs"), "the 2.0 execution API returns flow outputs only"


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_commands_run_conversa_on_the_process_runner_without_templating_the_shell(path: Path) -> None:
    scripts = [t for t in tasks(load(path)) if t["type"] == "io.kestra.plugin.scripts.shell.Commands"]
    assert scripts
    for task in scripts:
        assert task["taskRunner"]["type"] == "io.kestra.plugin.core.runner.Process"
        for command in task["commands"]:
            assert command.startswith("conversa "), command
            assert "{{" not in command, "values reach commands through env or files only"
        assert "timeout" in task


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_triggers_supply_every_required_input(path: Path) -> None:
    flow = load(path)
    required = {i["id"] for i in flow.get("inputs", []) if i.get("required", True) and "defaults" not in i}
    for trigger in flow.get("triggers", []):
        assert required <= set(trigger.get("inputs", {})), trigger["id"]


def test_webhook_key_is_a_secret_and_the_body_goes_in_as_a_file() -> None:
    flow = load(next(p for p in FLOWS if p.stem == "receive-whatsapp"))
    (webhook,) = flow["triggers"]
    assert webhook["type"] == "io.kestra.plugin.core.trigger.Webhook"
    assert webhook["key"] == "{{ secret('WEBHOOK_KEY') }}"
    # A JSON body arrives parsed (toJson turns it back into text); any other body must reach
    # `conversa receive` as sent, to be kept raw as a dead letter (toJson would quote it).
    body = webhook["inputs"]["body"]
    assert "trigger.body | toJson" in body and "trigger.body is map" in body
    receive = next(t for t in tasks(flow) if t["id"] == "receive")
    assert receive["inputFiles"] == {"body.json": "{{ inputs.body }}"}
    assert receive["commands"] == ["conversa receive --body-file body.json"]


def test_every_command_task_is_the_shell_plugin() -> None:
    """python.Commands in 2.0 manages Python with uv and downloads it at run time; conversa needs none."""
    for path in FLOWS:
        for task in tasks(load(path)):
            assert not task["type"].startswith("io.kestra.plugin.scripts.python."), (path.stem, task["id"])


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_no_flow_starts_itself(path: Path) -> None:
    """2.0.0 refuses a flow with a Subflow to itself ("Recursive call to flow")."""
    flow = load(path)
    for task in tasks(flow):
        if task["type"].endswith("flow.Subflow"):
            assert task["flowId"] != flow["id"], task["id"]


def test_process_is_started_without_waiting_and_retried_on_failure() -> None:
    receive = load(next(p for p in FLOWS if p.stem == "receive-whatsapp"))
    start = next(t for t in tasks(receive) if t["type"].endswith("flow.Subflow"))
    assert start["flowId"] == "process-conversation" and start["wait"] is False
    process = load(next(p for p in FLOWS if p.stem == "process-conversation"))
    task = next(t for t in tasks(process) if t["id"] == "process")
    assert task["retry"]["maxAttempts"] >= 2 and process["errors"]


def test_process_waits_for_quiet_in_kestra_not_in_a_worker() -> None:
    """The command never sleeps for quiet; the loop comes back after its ``retry_in`` (no worker held).

    Kestra 2.0.0 schedules every LoopUntil iteration through the executor, whatever the
    interval (PT0S is refused at run time), so the interval itself is the wait: a Pause in
    the loop would add a second round trip per iteration.
    """
    process = load(next(p for p in FLOWS if p.stem == "process-conversation"))
    (loop,) = process["tasks"]
    assert loop["type"] == "io.kestra.plugin.core.flow.LoopUntil"
    (run,) = loop["tasks"]
    assert run["commands"] == ['conversa process --chat "$CHAT_ID" --no-wait']
    assert "come_back" in loop["condition"]
    assert "outputs.process.vars.retry_in" in loop["checkFrequency"]["interval"]
    assert loop["checkFrequency"]["maxIterations"] > 0 and loop["failOnMaxReached"] is True


def test_sweep_runs_every_minute() -> None:
    sweep = load(next(p for p in FLOWS if p.stem == "sweep-conversations"))
    assert sweep["triggers"][0]["cron"] == "* * * * *"
