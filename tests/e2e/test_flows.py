"""Static checks of flows/: Kestra 2.0 syntax only, safe commands, the right wiring.

Kestra 2.0.0's own engine loads and executes these flows in the Kestra suite
(``tests/kestra``, ``make test-kestra``); these checks catch, without a JVM, what Kestra 2.0
rejects or what would be unsafe.
"""

from __future__ import annotations

import re
import subprocess
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


def test_the_flows_exist() -> None:
    assert {load(p)["id"] for p in FLOWS} == {
        "receive-whatsapp",
        "process-conversation",
        "ingest-knowledge",
        "sweep-conversations",
        "purge-executions",
        "alert-on-failure",
        "report-knowledge-gaps",
    }


def test_the_weekly_report_runs_on_monday_morning_in_sao_paulo_and_sends_once() -> None:
    flow = load(FLOWS_DIR / "report-knowledge-gaps.yml")
    (trigger,) = flow["triggers"]
    assert trigger["type"] == "io.kestra.plugin.core.trigger.Schedule"
    assert (trigger["cron"], trigger["timezone"]) == ("0 8 * * 1", "America/Sao_Paulo")
    (task,) = flow["tasks"]
    assert task["commands"] == [". conversa-env", "conversa gaps --send"]
    assert all("secret(" in value for value in task["env"].values())


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_flow_uses_nothing_kestra_2_removed(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    used = [name for name, pattern in REMOVED_IN_2_0.items() if pattern.search(text)]
    assert used == []


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_flow_is_described_labelled_and_exposes_outputs(path: Path) -> None:
    flow = load(path)
    # The monitoring flow watches "conversa" from a namespace of its own (never itself).
    assert flow["id"] == path.stem
    assert flow["namespace"] == ("conversa.monitoring" if flow["id"] == "alert-on-failure" else "conversa")
    assert flow.get("description") and flow.get("labels", {}).get("app") == "conversa"
    assert flow.get("outputs"), "the 2.0 execution API returns flow outputs only"


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_commands_run_conversa_on_the_process_runner_without_templating_the_shell(path: Path) -> None:
    scripts = [t for t in tasks(load(path)) if t["type"] == "io.kestra.plugin.scripts.shell.Commands"]
    for task in scripts:
        assert task["taskRunner"]["type"] == "io.kestra.plugin.core.runner.Process"
        first, *commands = task["commands"]
        # Sourced first: only the CONVERSA_* settings (and the secrets the flow grants) stay.
        assert first == ". conversa-env"
        assert commands
        for command in commands:
            assert command.startswith("conversa "), command
            assert "{{" not in command, "values reach commands through env or files only"
        assert "timeout" in task


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_secrets_reach_commands_only_through_secret(path: Path) -> None:
    for task in tasks(load(path)):
        for name, value in (task.get("env") or {}).items():
            if any(word in name for word in ("TOKEN", "KEY", "SECRET", "PASSWORD", "INSTANCES")):
                assert value == f"{{{{ secret('{name.removeprefix('CONVERSA_')}') }}}}", (task["id"], name)


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_schedules_carry_the_timezone(path: Path) -> None:
    for trigger in load(path).get("triggers", []):
        if trigger["type"].endswith("trigger.Schedule"):
            assert trigger.get("timezone") == "America/Sao_Paulo", trigger["id"]


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_command_timeouts_are_below_the_lease(path: Path) -> None:
    """A run Kestra has not killed yet must not outlive its batch's lease (120 s by default)."""
    for task in tasks(load(path)):
        if task["id"] in {"process", "receive", "sweep", "tell-the-operator"}:
            minutes, seconds = re.fullmatch(r"PT(?:(\d+)M)?(?:(\d+)S)?", task["timeout"]).groups()  # type: ignore[union-attr]
            assert int(minutes or 0) * 60 + int(seconds or 0) < 120, task["id"]


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_triggers_supply_every_required_input(path: Path) -> None:
    flow = load(path)
    required = {i["id"] for i in flow.get("inputs", []) if i.get("required", True) and "defaults" not in i}
    for trigger in flow.get("triggers", []):
        assert required <= set(trigger.get("inputs", {})), trigger["id"]


def test_webhook_key_is_a_secret_and_the_body_goes_in_as_the_file_uazapi_sent() -> None:
    flow = load(next(p for p in FLOWS if p.stem == "receive-whatsapp"))
    (webhook,) = flow["triggers"]
    assert webhook["type"] == "io.kestra.plugin.core.trigger.Webhook"
    assert webhook["key"] == "{{ secret('WEBHOOK_KEY') }}"
    # Stored as a file, as sent: never parsed and re-serialised (toJson drops nulls, rewrites
    # numbers), never copied into the execution's inputs.
    assert webhook["fetchType"] == "STORE" and "inputs" not in webhook
    receive = next(t for t in tasks(flow) if t["id"] == "receive")
    assert receive["inputFiles"] == {"body.json": "{{ trigger.uri ?? inputs.body }}"}
    assert receive["commands"] == [". conversa-env", "conversa receive --body-file body.json"]


def test_a_rejected_body_fails_the_execution_without_retries() -> None:
    flow = load(next(p for p in FLOWS if p.stem == "receive-whatsapp"))
    names = [t["id"] for t in flow["tasks"]]
    rejected = next(t for t in flow["tasks"] if t["id"] == "rejected")
    assert rejected["type"] == "io.kestra.plugin.core.execution.Fail"
    assert "'rejected'" in rejected["runIf"]
    assert names.index("rejected") < names.index("start-processing")


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


def test_process_is_started_without_waiting_and_a_failure_left_to_the_sweep() -> None:
    receive = load(next(p for p in FLOWS if p.stem == "receive-whatsapp"))
    start = next(t for t in tasks(receive) if t["type"].endswith("flow.Subflow"))
    assert start["flowId"] == "process-conversation" and start["wait"] is False
    process = load(next(p for p in FLOWS if p.stem == "process-conversation"))
    task = next(t for t in tasks(process) if t["id"] == "process")
    assert "retry" not in task and any(e["type"].endswith("log.Log") for e in process["errors"])


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_only_a_flows_first_task_is_retried_by_kestra(path: Path) -> None:
    """Kestra 2.0.0 runs a retried task that is not its flow's first twice: the retry of its task
    run, and a fresh task run it creates at once (so the retry's interval is not kept either); and
    it may end the execution before the last task has run. Probed on the engine: a task failing
    every time after a first one ran six times with ``maxAttempts: 3``."""
    flow = load(path)
    retried = [t["id"] for t in tasks(flow) if "retry" in t]
    assert retried in ([], [flow["tasks"][0]["id"]]), retried
    assert "retry" not in flow


def test_every_message_starts_a_processor_that_waits_for_its_own_due_time() -> None:
    """No wait rests on a task property Kestra renders once and keeps with the cached flow (a
    LoopUntil interval, a Pause duration, a Subflow's scheduleDate: probed on 2.0.0, every later
    execution got the first one's). The due time travels as an input (rendered per execution)
    and is read by the loop's condition (rendered at every check)."""
    receive = load(next(p for p in FLOWS if p.stem == "receive-whatsapp"))
    start = next(t for t in tasks(receive) if t["id"] == "start-processing")
    assert "scheduleDate" not in start and "should_process" in start["runIf"]
    assert start["inputs"]["due"] == "{{ outputs.receive.vars.process_at }}"
    process = load(next(p for p in FLOWS if p.stem == "process-conversation"))
    loop, check, run = process["tasks"]
    assert loop["type"] == "io.kestra.plugin.core.flow.LoopUntil" and "inputs.due" in loop["condition"]
    assert "{{" not in loop["checkFrequency"]["interval"], "a constant: Kestra would keep the first rendering"
    # The chat's latest due time is read by a task whose failure only lets the command run, never
    # by kv() in an expression: a kv() caught mid-write (Kestra's local storage writes in place)
    # fails the execution.
    assert check["type"] == "io.kestra.plugin.core.kv.Get" and check["allowFailure"] is True
    assert "check-due" in process["variables"]["superseded"] and "superseded" in run["runIf"]
    expressions = [loop["condition"], run["runIf"], *process["variables"].values()]
    assert not [e for e in expressions + [o["value"] for o in process["outputs"]] if "kv(" in e]
    command = 'conversa process --chat "$CONVERSA_ARG_CHAT" ${CONVERSA_ARG_DUE:+--due'
    assert run["commands"][-1].startswith(command)
    assert "inputs.due" in run["env"]["CONVERSA_ARG_DUE"] and "--wait-ms" in run["commands"][-1]
    for flow in FLOWS:
        for task in tasks(load(flow)):
            assert "scheduleDate" not in task and "pauseDuration" not in task, (flow.stem, task["id"])


def test_the_sweep_runs_every_minute_and_never_twice_at_once() -> None:
    sweep = load(next(p for p in FLOWS if p.stem == "sweep-conversations"))
    assert sweep["triggers"][0]["cron"] == "* * * * *"
    assert sweep["concurrency"] == {"limit": 1, "behavior": "CANCEL"}


def test_failed_executions_are_watched_and_executions_purged() -> None:
    alert = load(next(p for p in FLOWS if p.stem == "alert-on-failure"))
    (trigger,) = alert["triggers"]
    assert trigger["type"] == "io.kestra.plugin.core.trigger.Flow" and trigger["states"] == ["FAILED"]
    assert trigger["dependsOn"][0]["namespace"] == "conversa"
    assert trigger["dependsOn"][0]["labels"] == {"failure": "final"}
    purge = load(next(p for p in FLOWS if p.stem == "purge-executions"))
    executions = next(t for t in purge["tasks"] if t["id"] == "executions")
    assert all(executions[f] is True for f in ("purgeExecution", "purgeLog", "purgeMetric", "purgeStorage"))


@pytest.mark.parametrize("path", [p for p in FLOWS if p.stem != "alert-on-failure"], ids=lambda p: p.stem)
def test_a_failure_no_retry_mends_is_labelled_first_thing_for_the_alert(path: Path) -> None:
    """alert-on-failure reports executions labelled failure=final. Kestra runs a flow's ``errors``
    branch only once the execution has failed for good (not on the FAILED before a task's retry),
    so every watched flow's branch sets that label, first, before anything that might fail."""
    first = load(path).get("errors", [{}])[0]
    assert first.get("type") == "io.kestra.plugin.core.execution.Labels"
    assert first.get("labels") == {"failure": "final"}


@pytest.mark.parametrize(
    ("due", "expected"),
    [("2026-12-02T18:00:02.500Z", ["--due", "2026-12-02T18:00:02.500Z"]), ("", [])],
)
def test_the_process_command_passes_its_due_time_only_when_it_has_one(
    tmp_path: Path, due: str, expected: list[str]
) -> None:
    """The flow's command line, run by /bin/sh as Kestra's Process runner does: a processor
    receive-whatsapp started says when its message is due; the sweep's (no due) do not."""
    process = load(next(p for p in FLOWS if p.stem == "process-conversation"))
    command = next(t for t in tasks(process) if t["id"] == "process")["commands"][-1]
    fake = tmp_path / "conversa"
    fake.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n', encoding="utf-8")
    fake.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "CONVERSA_ARG_CHAT": "main/5541999990000@s.whatsapp.net"}
    env["CONVERSA_ARG_DUE"] = due
    ran = subprocess.run(["/bin/sh", "-c", command], env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
    args = ran.stdout.splitlines()
    assert args[:3] == ["process", "--chat", env["CONVERSA_ARG_CHAT"]]
    assert args[3:-2] == expected and args[-2:] == ["--wait-ms", "2000"]
