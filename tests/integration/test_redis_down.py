"""Nothing is lost when Redis is down or hung, and what was kept can be replayed.

``conversa receive`` with ``CONVERSA_DEAD_LETTERS=redis`` (what docker-compose.yml sets)
against a Redis that refuses connections or is paused (SIGSTOP): it fails within one
timeout, keeps the body in the local fallback folder, says where in its one-line error and
prints no traceback; ``conversa dead-letters`` lists the folder and names Redis as
unreachable; once Redis is back, ``conversa replay`` takes the bodies in and removes them.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import redis

from app.adapters.redis.connection import connect
from tests.e2e.test_commands import conversa, last_json
from tests.names import unique_name
from tests.servers.redis import RedisServer, free_port

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uazapi"


def env_for(url: str, folder: Path, **extra: str) -> dict[str, str]:
    return {
        "CONVERSA_STATE": "redis",
        "CONVERSA_DEAD_LETTERS": "redis",
        "CONVERSA_REDIS_URL": url,
        "CONVERSA_REDIS_NAMESPACE": unique_name("down"),
        "CONVERSA_DEAD_LETTER_DIR": str(folder),
        **extra,
    }


def body(text: str, wa_id: str) -> bytes:
    data = json.loads((FIXTURES / "titobahe__user-chat__from-others__text.sent.json").read_text())
    data["message"].update(text=text, messageid=wa_id, id=f"552441045746:{wa_id}")
    return json.dumps(data).encode()


def error_lines(run: subprocess.CompletedProcess[bytes]) -> list[str]:
    return [line for line in run.stderr.decode().splitlines() if line.startswith("conversa ")]


def assert_kept_in_folder(
    run: subprocess.CompletedProcess[bytes], folder: Path, raw: bytes
) -> dict[str, Any]:
    """Exit 1, no traceback, one error line naming the folder, the body in it, JSON last."""
    assert run.returncode == 1
    assert "Traceback" not in run.stderr.decode()
    (line,) = error_lines(run)
    assert str(folder) in line and "redis" in line
    result = last_json(run)
    assert result["dead_letter_id"] and str(folder) in result["dead_letter_store"]
    (kept,) = folder.glob(f"*-{result['dead_letter_id']}-*.json")
    assert json.loads(kept.read_text())["body"] == raw.decode()
    return result


def test_receive_with_redis_refusing_keeps_the_body_in_the_local_folder(tmp_path: Path) -> None:
    env = env_for(f"redis://127.0.0.1:{free_port()}/0", tmp_path / "dl")
    raw = body("Oi, vocês entregam?", "DOWN1")
    run = conversa("receive", stdin=raw, env=env)
    result = assert_kept_in_folder(run, tmp_path / "dl", raw)
    assert result["status"] == "error" and "ConnectionError" in result["reason"]


def test_receive_with_redis_hung_fails_after_one_timeout(own_redis: RedisServer, tmp_path: Path) -> None:
    env = env_for(own_redis.url, tmp_path / "dl")
    raw = body("Oi", "HUNG1")
    own_redis.proc.send_signal(signal.SIGSTOP)
    try:
        start = time.monotonic()
        run = conversa("receive", stdin=raw, env=env)
        elapsed = time.monotonic() - start
    finally:
        own_redis.proc.send_signal(signal.SIGCONT)
    assert_kept_in_folder(run, tmp_path / "dl", raw)
    assert "TimeoutError" in error_lines(run)[0]
    # One 1 s timeout plus Python's start-up, on a machine that may be busy; before the
    # timeouts it took 10.4 s (redis-py's defaults): the bound is loose on purpose.
    assert elapsed <= 5.0, f"receive took {elapsed:.2f} s against a hung Redis"


def test_a_malformed_body_with_redis_down_is_rejected_and_kept_locally(tmp_path: Path) -> None:
    env = env_for(f"redis://127.0.0.1:{free_port()}/0", tmp_path / "dl")
    run = conversa("receive", stdin=b"{oops", env=env)
    result = assert_kept_in_folder(run, tmp_path / "dl", b"{oops")
    assert result["status"] == "rejected" and "not JSON" in result["reason"]


def test_dead_letters_lists_what_it_can_reach_and_names_what_it_cannot(tmp_path: Path) -> None:
    env = env_for(f"redis://127.0.0.1:{free_port()}/0", tmp_path / "dl")
    kept = last_json(conversa("receive", stdin=b"{oops", env=env))["dead_letter_id"]
    run = conversa("dead-letters", env=env)
    assert run.returncode == 1 and "Traceback" not in run.stderr.decode()
    (line,) = error_lines(run)
    assert line.startswith("conversa dead-letters: cannot reach redis (ConnectionError")
    listed = last_json(run)
    assert [d["id"] for d in listed["dead_letters"]] == [kept]
    assert listed["dead_letters"][0]["store"] == f"file {tmp_path / 'dl'}"
    assert [u["store"] for u in listed["unreachable"]] == ["redis"]


def test_after_the_outage_replay_takes_the_bodies_in_and_removes_them(
    own_redis: RedisServer, tmp_path: Path
) -> None:
    folder = tmp_path / "dl"
    down = env_for(f"redis://127.0.0.1:{free_port()}/0", folder)
    for i, text in enumerate(["Oi", "vocês entregam?"]):
        assert conversa("receive", stdin=body(text, f"OUT{i}"), env=down).returncode == 1
    # Rejected, but kept in the local folder only (Redis is down): a failure, exit 1.
    assert conversa("receive", stdin=b"{oops", env=down).returncode == 1
    assert len(list(folder.glob("*.json"))) == 3

    up = {**down, "CONVERSA_REDIS_URL": own_redis.url, "CONVERSA_QUIET_MS": "0"}
    dry = conversa("replay", "--all", "--dry-run", env=up)
    assert dry.returncode == 0 and last_json(dry)["selected"] == 3
    assert len(list(folder.glob("*.json"))) == 3  # a dry run changes nothing

    run = conversa("replay", "--all", env=up)
    result = last_json(run)
    assert run.returncode == 1  # the malformed body fails again and stays
    assert (result["replayed"], result["failed"]) == (2, 1)
    outcomes = [(x["outcome"], x["status"]) for x in result["letters"]]
    assert outcomes == [("replayed", "buffered"), ("replayed", "buffered"), ("failed", "rejected")]
    assert result["buffered_chats"] == ["eKoB39/11565944224@s.whatsapp.net"]
    (left,) = folder.glob("*.json")
    assert json.loads(left.read_text())["body"] == "{oops"
    lines = run.stdout.decode().splitlines()
    assert sum(line.startswith("replayed buffered: ") for line in lines) == 2

    chat = result["buffered_chats"][0]
    answered = last_json(conversa("process", "--chat", chat, "--wait-ms", "0", env=up))
    assert answered["status"] == "answered" and answered["messages"] == 2
    again = last_json(conversa("receive", stdin=body("Oi", "OUT0"), env=up))
    assert again["status"] == "duplicate"


def test_replay_by_reason_and_of_a_duplicate(own_redis: RedisServer, tmp_path: Path) -> None:
    env = env_for(own_redis.url, tmp_path / "dl")
    assert last_json(conversa("receive", stdin=b"{oops", env=env))["status"] == "rejected"
    raw = body("Oi", "DUP1")
    assert last_json(conversa("receive", stdin=raw, env=env))["status"] == "buffered"
    down = {**env, "CONVERSA_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    assert conversa("receive", stdin=raw, env=down).returncode == 1  # a retry Uazapi sent during an outage

    nothing = conversa("replay", "--reason", "no such reason", env=env)
    assert nothing.returncode == 0 and last_json(nothing)["selected"] == 0
    run = conversa("replay", "--reason", "connectionerror", env=env)
    result = last_json(run)
    assert run.returncode == 0 and result["replayed"] == 1
    assert result["letters"][0]["status"] == "duplicate"  # taken in before: the letter just goes
    listed = last_json(conversa("dead-letters", env=env))
    assert [d["reason"][:20] for d in listed["dead_letters"]] == ["webhook body is not "]


def test_a_body_rejected_three_times_by_kestra_retries_is_one_dead_letter(
    redis_url: str, tmp_path: Path
) -> None:
    env = env_for(redis_url, tmp_path / "dl")
    runs = [conversa("receive", stdin=b'{"EventType": ', env=env) for _ in range(3)]
    ids = {last_json(run)["dead_letter_id"] for run in runs}
    assert len(ids) == 1
    listed = last_json(conversa("dead-letters", env=env))
    assert listed["count"] == 1 and listed["dead_letters"][0]["store"] == "redis"


def test_a_hung_redis_costs_one_timeout_then_fails_fast(own_redis: RedisServer) -> None:
    """No retry multiplies the timeout, and a command does not wait for a hung server twice."""
    client = connect(own_redis.url, connect_timeout_s=0.5, socket_timeout_s=0.5, fail_fast_s=1.0)
    client.set("k", "v")
    own_redis.proc.send_signal(signal.SIGSTOP)
    try:
        timings = []
        for call in (
            lambda: client.get("k"),
            lambda: client.get("k"),
            lambda: client.pipeline().get("k").execute(),
        ):
            start = time.monotonic()
            try:
                call()
            except redis.TimeoutError:
                timings.append(time.monotonic() - start)
        assert len(timings) == 3
        # The first call waits out its 0.5 s timeout once (not multiplied by retries); the next
        # ones fail without waiting again. Loose bounds: the machine may be busy.
        assert 0.4 < timings[0] < 3.0 and max(timings[1:]) < timings[0] / 2, timings
    finally:
        own_redis.proc.send_signal(signal.SIGCONT)
    time.sleep(1.0)
    assert client.get("k") == b"v"  # the server answers again: so does the client


def test_replay_needs_to_be_told_which_letters(tmp_path: Path) -> None:
    run = conversa("replay", env={"CONVERSA_DEAD_LETTER_DIR": str(tmp_path)})
    assert run.returncode == 1
    assert error_lines(run) == [
        "conversa replay: say which dead letters: --id ID, --reason TEXT, --source NAME or --all"
    ]
    assert last_json(run)["status"] == "error"
