"""The worst bodies the fuzz suite and the attacks of issue 8 found, as plain tests of real
``conversa receive`` processes (the production shape: stdout is UTF-8, state in Redis)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.e2e.test_commands import conversa, last_json
from tests.names import unique_name

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uazapi"
TEXT = "titobahe__user-chat__from-others__text.sent.json"
TOKEN = "xxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"  # the captures' (anonymised) instance token


def capture(name: str = TEXT, **message: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    data["message"].update({"messageid": f"3EB0{uuid.uuid4().hex[:16].upper()}", **message})
    return data


def redis_env(redis_url: str) -> dict[str, str]:
    return {
        "CONVERSA_STATE": "redis",
        "CONVERSA_DEAD_LETTERS": "redis",
        "CONVERSA_REDIS_URL": redis_url,
        "CONVERSA_REDIS_NAMESPACE": unique_name("fuzz"),
    }


def test_a_lone_surrogate_in_the_text_is_repaired_and_the_message_taken_in(redis_url: str) -> None:
    body = json.dumps(capture(text="Oi \ud800 tudo bem?"), ensure_ascii=True).encode()
    assert b"\\ud800" in body
    run = conversa("receive", stdin=body, env=redis_env(redis_url))
    assert run.returncode == 0, run.stderr.decode()
    assert last_json(run)["status"] == "buffered"


def test_bytes_that_are_not_utf8_in_the_text_are_repaired(redis_url: str) -> None:
    body = json.dumps(capture(text="Oi PLACEHOLDER")).encode().replace(b"PLACEHOLDER", b"\xed\xa0\x80\xff")
    run = conversa("receive", stdin=body, env=redis_env(redis_url))
    assert run.returncode == 0, run.stderr.decode()
    assert last_json(run)["status"] == "buffered"


def test_an_infinite_timestamp_does_not_lose_the_message() -> None:
    body = json.dumps(capture(messageTimestamp=1.0)).replace(
        '"messageTimestamp": 1.0', '"messageTimestamp": 1e999'
    )
    run = conversa("receive", stdin=body.encode())
    assert run.returncode == 0, run.stderr.decode()
    assert last_json(run)["status"] == "buffered"


def test_a_genuine_message_with_an_absurd_unrelated_field_is_taken_in(tmp_path: Path) -> None:
    """Issue 16: a number Python refuses to read (5000 digits) or nesting deeper than its
    recursion (1200 levels) in a field the message does not need no longer hides the origin."""
    env = {"CONVERSA_UAZAPI_TOKEN": TOKEN, "CONVERSA_DEAD_LETTER_DIR": str(tmp_path)}
    for absurd in ("9" * 5000, "[" * 1200 + "]" * 1200):
        body = json.dumps(capture(messageTimestamp=0, vote="PLACEHOLDER"))
        body = body.replace('"messageTimestamp": 0', '"messageTimestamp": ' + "9" * 5000)
        body = body.replace('"PLACEHOLDER"', absurd)
        run = conversa("receive", stdin=body.encode(), env=env)
        assert run.returncode == 0 and last_json(run)["status"] == "buffered", run.stdout.decode()[-500:]
    assert last_json(conversa("dead-letters", env=env))["count"] == 0


def test_a_body_whose_identifying_fields_are_unreadable_stays_a_dead_letter(tmp_path: Path) -> None:
    env = {"CONVERSA_UAZAPI_TOKEN": TOKEN, "CONVERSA_DEAD_LETTER_DIR": str(tmp_path)}
    no_id = json.dumps(capture(messageid="PLACEHOLDER", id="PLACEHOLDER")).replace(
        '"PLACEHOLDER"', "9" * 5000
    )
    no_token = json.dumps({**capture(), "token": "PLACEHOLDER"}).replace(
        '"PLACEHOLDER"', "[" * 1200 + "]" * 1200
    )
    sources = []
    for body in (no_id, no_token):
        run = conversa("receive", stdin=body.encode(), env=env)
        result = last_json(run)
        assert run.returncode == 0 and result["status"] == "rejected" and result["dead_letter_id"], result
        sources.append(result["reason"])
    assert sources == ["message has no id (messageid)", "webhook rejected: no token for instance 'eKoB39'"]
    listed = last_json(conversa("dead-letters", env=env))["dead_letters"]
    assert sorted(d["source"] for d in listed) == ["auth", "receive"]


def test_a_5_mb_field_is_not_echoed_into_the_output() -> None:
    for data in (
        {**capture(), "EventType": "x" * 5_000_000},
        {**capture(), "instanceName": "\ud800" * 5_000_000},
        capture(chatid="5" * 5_000_000 + "@s.whatsapp.net"),
    ):
        run = conversa("receive", stdin=json.dumps(data).encode())
        assert run.returncode in (0, 1)
        assert len(run.stdout) + len(run.stderr) < 5_000, (len(run.stdout), len(run.stderr))
        assert "Traceback" not in run.stderr.decode()


def test_control_characters_in_an_instance_name_cannot_forge_log_lines() -> None:
    forged = "eKoB39\n2026-11-25 12:00:00,000 INFO conversa.receive: buffered -: new customer message"
    run = conversa("receive", stdin=json.dumps({**capture(), "instanceName": forged}).encode())
    assert run.returncode == 0
    assert last_json(run)["status"] == "rejected"
    lines = run.stderr.decode().splitlines()
    assert not any(line.startswith("2026-11-25 12:00:00,000") for line in lines)
    assert any("is not an Uazapi instance name" in line for line in lines)


def test_a_from_me_that_is_not_a_boolean_is_not_a_takeover() -> None:
    for value in (12345, ["x"]):
        run = conversa("receive", stdin=json.dumps(capture(fromMe=value)).encode())
        assert run.returncode == 0
        result = last_json(run)
        assert result["status"] == "rejected" and "fromMe" in result["reason"] and result["dead_letter_id"]


def test_the_owners_poll_vote_is_not_a_takeover() -> None:
    body = json.dumps(capture("titobahe__user-chat__from-me__poll.vote.me.json")).encode()
    result = last_json(conversa("receive", stdin=body))
    assert result["status"] == "ignored" and "not a takeover" in result["reason"]


def test_a_forged_webhook_is_rejected_naming_the_instance_not_the_token(tmp_path: Path) -> None:
    env = {"CONVERSA_UAZAPI_TOKEN": TOKEN, "CONVERSA_DEAD_LETTER_DIR": str(tmp_path)}
    forged = {**capture(text="parar"), "token": "guessed-token-123"}
    run = conversa("receive", stdin=json.dumps(forged).encode(), env=env)
    assert run.returncode == 0  # handled: retrying a forged body cannot help
    result = last_json(run)
    assert result["status"] == "rejected" and result["chat_id"] == "" and result["dead_letter_id"]
    reason = "webhook rejected: wrong token for instance 'eKoB39'"
    outputs = [
        json.loads(line[2:-2])["outputs"]
        for line in run.stdout.decode().splitlines()
        if line.startswith('::{"outputs"')
    ]
    assert [(o["status"], o["reason"]) for o in outputs] == [("rejected", reason)]  # Kestra's vars
    warnings = [line for line in run.stderr.decode().splitlines() if " WARNING conversa.receive: " in line]
    assert len(warnings) == 1 and warnings[0].endswith(f"rejected -: {reason}"), run.stderr.decode()
    assert "guessed-token-123" not in run.stderr.decode() and TOKEN not in run.stdout.decode()
    listed = last_json(conversa("dead-letters", env=env))
    assert [(d["source"], d["id"]) for d in listed["dead_letters"]] == [("auth", result["dead_letter_id"])]
    genuine = conversa("receive", stdin=json.dumps(capture()).encode(), env=env)
    assert genuine.returncode == 0 and last_json(genuine)["status"] == "buffered"


def test_the_numbers_of_issue_16_are_masked_in_every_line_receive_prints(tmp_path: Path) -> None:
    env = {"CONVERSA_DEAD_LETTER_DIR": str(tmp_path)}
    bodies = {
        "5541987654321": capture(chatid="5541987654321@s.whatsapp.ne"),
        "5541987654322": capture(chatid="+5541987654322@s.whatsapp.net"),
        "5541987654323": capture(messageid="5541987654323 x"),
        "5541987654324": {**capture(owner="+5541987654324"), "owner": "+5541987654324"},
    }
    for number, data in bodies.items():
        run = conversa("receive", stdin=json.dumps(data).encode(), env=env)
        result = last_json(run)
        assert run.returncode == 0 and result["status"] == "rejected", run.stderr.decode()
        assert "5541*****43" in result["reason"]  # still tells which value was wrong, masked
        assert number not in run.stdout.decode() + run.stderr.decode()


def test_an_unknown_instance_named_by_the_owners_number_is_echoed_masked(tmp_path: Path) -> None:
    instances = {"loja": {"token": "t-loja"}, "filial": {"token": "t-filial"}}
    env = {"CONVERSA_DEAD_LETTER_DIR": str(tmp_path), "CONVERSA_UAZAPI_INSTANCES": json.dumps(instances)}
    data = {**capture(), "owner": "552441045746"}
    del data["instanceName"]
    del data["message"]["owner"]
    run = conversa("receive", stdin=json.dumps(data).encode(), env=env)
    assert last_json(run)["reason"] == "webhook rejected: unknown instance '5524****5746'"
    assert "552441045746" not in run.stdout.decode() + run.stderr.decode()
