"""Static checks of flows/: Kestra 2.0 syntax only, safe commands, the right wiring.

A real Kestra executes these flows in the Kestra suite; these checks catch, without a
server, what Kestra 2.0 removed or what would be unsafe.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

FLOWS = sorted((Path(__file__).parents[2] / "flows").glob("*.yml"))
REMOVED_IN_2_0 = {
    "trigger conditions (use when:)": re.compile(r"^\s*conditions:", re.M),
    "runIf (use when:)": re.compile(r"^\s*runIf:", re.M),
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


def test_the_four_flows_exist() -> None:
    assert {load(p)["id"] for p in FLOWS} == {
        "receive-whatsapp",
        "process-conversation",
        "ingest-knowledge",
        "sweep-conversations",
    }


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
    scripts = [t for t in tasks(load(path)) if t["type"].endswith("python.Commands")]
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
    receive = next(t for t in tasks(flow) if t["id"] == "receive")
    assert receive["inputFiles"] == {"body.json": "{{ inputs.body }}"}
    assert receive["commands"] == ["conversa receive --body-file body.json"]


def test_process_is_started_without_waiting_and_retried_on_failure() -> None:
    receive = load(next(p for p in FLOWS if p.stem == "receive-whatsapp"))
    start = next(t for t in tasks(receive) if t["type"].endswith("flow.Subflow"))
    assert start["flowId"] == "process-conversation" and start["wait"] is False
    process = load(next(p for p in FLOWS if p.stem == "process-conversation"))
    task = next(t for t in tasks(process) if t["id"] == "process")
    assert task["retry"]["maxAttempts"] >= 2 and process["errors"]


def test_sweep_runs_every_minute() -> None:
    sweep = load(next(p for p in FLOWS if p.stem == "sweep-conversations"))
    assert sweep["triggers"][0]["cron"] == "* * * * *"
