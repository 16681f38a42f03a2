"""The commands as Kestra runs them: fresh processes, JSON on the last line, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).parents[2]
SCENARIOS = ROOT / "app" / "examples" / "scenarios"
FIXTURES = ROOT / "tests" / "fixtures" / "uazapi"


# The file dead-letter store of commands run by the tests: a folder of the test session's, never
# the checkout's var/ (a test's 5 MB bodies there would pile up run after run).
TEST_DEAD_LETTERS = tempfile.mkdtemp(prefix="conversa-test-dead-letters-")


def conversa(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONVERSA_")}
    full_env["CONVERSA_DEAD_LETTER_DIR"] = TEST_DEAD_LETTERS
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app.entrypoints.cli", *args],
        input=stdin,
        capture_output=True,
        env=full_env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


def last_json(run: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    lines = run.stdout.decode().strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def kestra_outputs(run: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    for line in run.stdout.decode().splitlines():
        if line.startswith("::{") and line.endswith("}::") and '"outputs"' in line:
            outputs: dict[str, Any] = json.loads(line[2:-2])["outputs"]
            # Every command reports the CPU it used (the Kestra load benchmark adds them up):
            # checked here, then left out so that the outputs compare with the result.
            assert outputs.pop("cpu_seconds") > 0
            return outputs
    raise AssertionError("no Kestra outputs line")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_scenario_meets_its_expectations(scenario: Path) -> None:
    run = conversa("simulate", "--script", str(scenario))
    assert run.returncode == 0, run.stderr.decode()
    result = last_json(run)
    assert result["status"] == "ok" and result["failures"] == []


def test_burst_scenario_prints_one_grouped_answer_for_three_messages() -> None:
    run = conversa("simulate", "--script", str(SCENARIOS / "burst.yaml"))
    result = last_json(run)
    assert result["answers"] == 1 and result["receive"]["buffered"] == 3
    transcript = run.stdout.decode()
    assert transcript.count("✓✓ 3 mensagem(ns) lida(s)") == 1
    first_bot_line = next(i for i, line in enumerate(transcript.splitlines()) if "🤖 Bot:" in line)
    customer_lines = [i for i, line in enumerate(transcript.splitlines()) if "👤 Cliente:" in line]
    assert len(customer_lines) == 3 and max(customer_lines) < first_bot_line


def test_a_scenario_whose_expectation_fails_exits_non_zero(tmp_path: Path) -> None:
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text("steps:\n  - {at: 0, say: 'Qual o horário?'}\nexpect:\n  answers: 2\n")
    run = conversa("simulate", "--script", str(scenario))
    assert run.returncode == 1
    assert "expected 2 answer(s), got 1" in run.stderr.decode()


def test_a_broken_scenario_file_gets_a_one_line_error(tmp_path: Path) -> None:
    scenario = tmp_path / "broken.yaml"
    scenario.write_text("steps:\n  - {at: soon, say: 'x'}\n")
    run = conversa("simulate", "--script", str(scenario))
    assert run.returncode == 1
    err = run.stderr.decode().strip().splitlines()
    assert err == ["conversa simulate: step 1: 'at' must be a number of seconds"]


def test_receive_a_text_message_from_a_file() -> None:
    body = FIXTURES / "titobahe__user-chat__from-others__text.sent.json"
    run = conversa("receive", "--body-file", str(body))
    assert run.returncode == 0, run.stderr.decode()
    result = last_json(run)
    assert result["status"] == "buffered" and result["should_process"] is True
    assert kestra_outputs(run) == result
    assert "11565944224" not in run.stderr.decode()  # phone numbers are masked in logs


def test_receive_reads_standard_input_and_ignores_status_events() -> None:
    body = (FIXTURES / "synthetic__messages_update.read.json").read_bytes()
    run = conversa("receive", stdin=body)
    assert run.returncode == 0
    assert last_json(run)["status"] == "ignored"


def test_a_malformed_body_is_rejected_not_failed_and_kept_as_one_dead_letter(tmp_path: Path) -> None:
    raw = b'{"EventType": "messages", "message": {"chatid": '
    run = conversa("receive", stdin=raw, env={"CONVERSA_DEAD_LETTER_DIR": str(tmp_path)})
    assert run.returncode == 0  # handled: retrying it cannot help
    warnings = [line for line in run.stderr.decode().splitlines() if " WARNING conversa.receive: " in line]
    assert len(warnings) == 1 and "not JSON" in warnings[0]
    assert not any(line.startswith("conversa receive:") for line in run.stderr.decode().splitlines())
    result = last_json(run)
    assert result["status"] == "rejected" and kestra_outputs(run) == result
    (kept,) = tmp_path.glob(f"*-{result['dead_letter_id']}-receive.json")  # <time>-<id>-<source>
    letter = json.loads(kept.read_text())
    assert letter["body"] == raw.decode() and letter["source"] == "receive"
    listed = last_json(conversa("dead-letters", env={"CONVERSA_DEAD_LETTER_DIR": str(tmp_path)}))
    assert listed["count"] == 1 and listed["dead_letters"][0]["reason"] == result["reason"]


def test_dead_letters_never_show_the_instance_token_but_keep_it_for_replay(tmp_path: Path) -> None:
    raw = b'{"EventType": "messages", "token": "s3cr3t-instance-token", "message": {"chatid": '
    env = {"CONVERSA_DEAD_LETTER_DIR": str(tmp_path)}
    assert last_json(conversa("receive", stdin=raw, env=env))["status"] == "rejected"
    listed = conversa("dead-letters", env=env)
    assert b"s3cr3t-instance-token" not in listed.stdout + listed.stderr
    assert '"token": "***"' in last_json(listed)["dead_letters"][0]["body"]
    (kept,) = tmp_path.glob("*.json")
    assert json.loads(kept.read_text())["body"] == raw.decode()  # whole, for replay


def test_dead_letters_never_show_the_token_base64_double_encoded_or_anywhere(tmp_path: Path) -> None:
    """Issue 16: a body kept as base64 (not UTF-8), a double-encoded one, and the configured
    token's exact value anywhere: none of it readable in what ``dead-letters`` prints."""
    secret = "secret1-instance-token"
    env = {"CONVERSA_DEAD_LETTER_DIR": str(tmp_path), "CONVERSA_UAZAPI_TOKEN": secret}
    not_utf8 = (
        b'{"EventType": "messages", "token": "' + secret.encode() + b'", "message": {"senderName": "\xff'
    )
    inner = json.dumps({"EventType": "messages", "token": secret, "message": {"chatid": "x"}})
    double = json.dumps(inner).encode()
    elsewhere = json.dumps(
        {"EventType": "messages", "tok": secret, "note": f"my token is {secret}!"}
    ).encode()
    for raw in (not_utf8, double, elsewhere):
        assert last_json(conversa("receive", stdin=raw, env=env))["status"] == "rejected"
    listed = conversa("dead-letters", env=env)
    printed = listed.stdout + listed.stderr
    assert secret.encode() not in printed and b"c2VjcmV0MS" not in printed  # nor its base64
    bodies = [d["body"] for d in last_json(listed)["dead_letters"]]
    assert len(bodies) == 3
    assert any(
        b.startswith("[kept as base64, not UTF-8: shown decoded] ") and '"token": "***"' in b for b in bodies
    )
    assert any('\\"token\\": \\"***\\"' in b for b in bodies)
    kept = [json.loads(p.read_text())["body"] for p in tmp_path.glob("*.json")]
    assert sum(secret in b or b.startswith("base64:") for b in kept) == 3  # the stores keep them whole


def test_dead_letters_show_each_body_once_clipped_within_a_byte_budget(tmp_path: Path) -> None:
    env = {"CONVERSA_DEAD_LETTER_DIR": str(tmp_path)}
    for i in range(6):
        raw = b'{"EventType": "messages", "n": ' + str(i).encode() + b', "pad": "' + b"x" * 200_000 + b'"'
        assert last_json(conversa("receive", stdin=raw, env=env))["status"] == "rejected"
    listed = conversa("dead-letters", "--limit", "100", env=env)
    assert (
        listed.stdout.count(b"x" * 1_900) == 6 and listed.stdout.count(b"x" * 2_001) == 0
    )  # once each, clipped
    result = last_json(listed)
    assert result["count"] == 6 and all(
        d["body"].endswith("more characters]") for d in result["dead_letters"]
    )
    assert len(listed.stdout) < 40_000
    budget = conversa("dead-letters", "--limit", "100", "--max-bytes", "5000", env=env)
    cut = last_json(budget)
    assert (cut["count"], cut["omitted"]) == (2, 4) and len(budget.stdout) < 12_000
    one = conversa("dead-letters", "--show", cut["dead_letters"][0]["id"], env=env)
    (whole,) = last_json(one)["dead_letters"]
    assert len(whole["body"]) == whole["body_chars"] > 200_000 and one.stdout.count(b"x" * 200_000) == 1
    assert conversa("dead-letters", "--show", "no-such-id", env=env).returncode == 1


def test_a_failed_command_prints_a_bounded_reason(tmp_path: Path) -> None:
    missing = "/nonexistent/" + "x" * 5_000 + "/body.json"
    run = conversa("receive", "--body-file", missing)
    assert run.returncode == 1
    (line,) = run.stderr.decode().splitlines()
    assert line.startswith("conversa receive: ") and len(line) <= 520
    assert len(last_json(run)["reason"]) <= 500


def test_receive_of_a_missing_body_file_fails_clearly() -> None:
    run = conversa("receive", "--body-file", "/nonexistent/body.json")
    assert run.returncode == 1
    assert run.stderr.decode().strip() == (
        "conversa receive: cannot read the body: No such file or directory: /nonexistent/body.json"
    )


def test_process_with_nothing_waiting_is_idle_and_sweep_finds_nothing() -> None:
    run = conversa("process", "--chat", "5541999990000@s.whatsapp.net", "--wait-ms", "0")
    assert run.returncode == 0 and last_json(run)["status"] == "idle"
    sweep = conversa("sweep")
    assert sweep.returncode == 0
    assert last_json(sweep) == {"requeued": [], "overdue": [], "count": 0, "deferred": 0}


def test_process_with_a_due_time_that_is_not_an_instant_fails_in_one_line() -> None:
    run = conversa("process", "--chat", "5541999990000@s.whatsapp.net", "--due", "amanhã")
    assert run.returncode == 1
    assert run.stderr.decode().strip().splitlines()[-1] == (
        "conversa process: ValueError: --due 'amanhã' is not an ISO-8601 instant"
        " like 2026-11-25T15:21:25.749Z"
    )


def test_library_chatter_stays_out_of_the_logs_kestra_shows() -> None:
    """Kestra shows a command's stderr in the execution's logs: faiss's INFO probing is noise there."""
    run = conversa(
        "process", "--chat", "5541999990000@s.whatsapp.net", "--no-wait", env={"CONVERSA_KNOWLEDGE": "faiss"}
    )
    assert run.returncode == 0 and last_json(run)["status"] == "idle"
    logged = run.stderr.decode().splitlines()
    assert [line for line in logged if " faiss" in line] == [] and any(
        "conversa.process" in x for x in logged
    )


def test_invalid_settings_fail_with_one_line() -> None:
    run = conversa("sweep", env={"CONVERSA_QUIET_MS": "soon"})
    assert run.returncode == 1
    assert run.stderr.decode().strip().splitlines() == [
        "conversa sweep: invalid settings: CONVERSA_QUIET_MS: "
        "Input should be a valid integer, unable to parse string as an integer"
    ]


def test_only_the_commands_that_call_uazapi_need_its_token(tmp_path: Path) -> None:
    """The flows give the Uazapi token to receive and process only, as an operator's shell lacks it.

    With ``CONVERSA_GATEWAY=uazapi`` set for the whole worker (as docker-compose.yml does),
    ``sweep``, ``ingest`` and ``dead-letters`` must still run without the token.
    """
    env = {
        "CONVERSA_GATEWAY": "uazapi",
        "CONVERSA_BUSINESS_NAME": "Café Azul",
        "CONVERSA_DEAD_LETTER_DIR": str(tmp_path),
    }
    assert conversa("sweep", env=env).returncode == 0
    assert conversa("ingest", env=env).returncode == 0
    assert conversa("dead-letters", env=env).returncode == 0
    run = conversa("process", "--chat", "5541999990000@s.whatsapp.net", "--wait-ms", "0", env=env)
    assert run.returncode == 1
    assert run.stderr.decode().strip().splitlines()[-1] == (
        "conversa process: ConfigurationError: gateway 'uazapi' needs CONVERSA_UAZAPI_TOKEN"
    )


def test_production_must_name_its_business_the_bakery_is_only_the_offline_example(tmp_path: Path) -> None:
    """With the Uazapi gateway and no CONVERSA_BUSINESS_NAME, every customer would be greeted as
    the example's bakery: receive and process refuse in one line (the body is kept for replay)."""
    env = {
        "CONVERSA_GATEWAY": "uazapi",
        "CONVERSA_UAZAPI_TOKEN": "token-de-teste",
        "CONVERSA_DEAD_LETTER_DIR": str(tmp_path),
    }
    reason = "gateway 'uazapi' needs CONVERSA_BUSINESS_NAME (how the assistant names the business)"
    expected = f"ConfigurationError: {reason}"
    body = FIXTURES / "titobahe__user-chat__from-others__text.sent.json"
    received = conversa("receive", "--body-file", str(body), env=env)
    assert received.returncode == 1
    (line,) = [x for x in received.stderr.decode().splitlines() if x.startswith("conversa receive:")]
    assert line.startswith(f"conversa receive: {expected}; the body is kept as dead letter ")
    assert last_json(conversa("dead-letters", env=env))["count"] == 1  # replayable once the name is set
    run = conversa("process", "--chat", "5541999990000@s.whatsapp.net", "--no-wait", env=env)
    assert run.returncode == 1
    assert run.stderr.decode().strip().splitlines()[-1] == f"conversa process: {expected}"
    asked = conversa("ask", "oi", env=env)
    assert asked.returncode == 1 and asked.stderr.decode().splitlines() == [f"conversa ask: {reason}"]
    assert conversa("sweep", env=env).returncode == 0  # what does not talk to customers still runs
    named = conversa("ask", "oi", env={**env, "CONVERSA_BUSINESS_NAME": "Café Azul"})
    assert named.returncode == 0 and "Café Azul" in json.loads(named.stdout)["text"]
    offline = conversa("ask", "oi")  # the memory gateway: the bundled example's bakery
    assert "Padaria Grão Dourado" in json.loads(offline.stdout)["text"]


FAST = {"CONVERSA_QUIET_MS": "200", "CONVERSA_TYPING_MIN_MS": "0", "CONVERSA_TYPING_MAX_MS": "50"}


def test_interactive_simulator_answers_what_is_typed() -> None:
    run = conversa("simulate", stdin="Qual o horário de vocês?\n".encode(), env=FAST)
    assert run.returncode == 0, run.stderr.decode()
    result = last_json(run)
    assert result["answers"] == 1 and any("6h30" in m for m in result["bot_messages"])
    assert "👤 Cliente: Qual o horário de vocês?" in run.stdout.decode()


def test_interactive_simulator_lets_the_owner_take_over() -> None:
    typed = "/dono oi, aqui é o dono\nqual o horário?\n".encode()
    run = conversa("simulate", stdin=typed, env=FAST)
    out = run.stdout.decode()
    assert "🧑‍💼 Dono (pelo celular): oi, aqui é o dono" in out
    assert "human takeover in progress" in out
    assert last_json(run)["answers"] == 0
