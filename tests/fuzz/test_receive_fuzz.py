"""Fuzzing ``conversa receive`` with mutated real Uazapi bodies (issue 8).

Thousands of bodies grown from ``tests/fixtures/uazapi/`` (fields deleted, types swapped,
huge strings, lone surrogates, control characters, deep nesting, truncation, bytes that are
not UTF-8) go through the ``receive`` entrypoint in this process, and a smaller sample
through real ``conversa receive`` processes. Every run must end with exit code 0 or 1, a JSON
object as its last stdout line, no traceback, bounded output and, when it fails, a dead
letter that is really in the store. With instance tokens configured, no body whose token is
not its instance's is ever taken in, and nothing is sent for it.

Derandomized (a fixed seed): CI sees the same bodies on every run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from app.adapters.memory.dead_letters import FileDeadLetterStore
from app.adapters.uazapi.parser import load_json
from app.domain.errors import PayloadError
from app.domain.messages import split_chat_key
from app.domain.validation import is_instance_name, is_jid
from tests.fuzz.bodies import INSTANCES, bodies, text_mutated_bodies
from tests.fuzz.harness import InProcess, Run, check

ROOT = Path(__file__).parents[2]
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
EXAMPLES = int(os.environ.get("CONVERSA_FUZZ_EXAMPLES", "1000"))
TALLY: Counter[str] = Counter()  # outcomes of the whole run, printed by the last test (-s)


def read(body: bytes) -> dict[str, Any] | None:
    """The body as the parser reads it (bytes that are not UTF-8 repaired; an absurd value that
    Python cannot read — a 5000-digit number, nesting past its recursion — as null), or None."""
    try:
        return load_json(body)
    except PayloadError:
        return None


def authentic(body: bytes) -> bool:
    """Whether ``body`` carries the right token (and owner) of a configured instance."""
    data = read(body)
    if data is None:
        return False
    name = data.get("instanceName")
    expected = INSTANCES.get(name) if isinstance(name, str) else None
    return bool(expected) and data.get("token") == expected["token"]  # type: ignore[index]


def from_me(body: bytes) -> object:
    message = (read(body) or {}).get("message")
    return message.get("fromMe") if isinstance(message, dict) else None


def check_semantics(result: dict[str, Any], body: bytes) -> None:
    """What a result may say about a body: a takeover only for a real ``fromMe``, chat keys
    only of a well-formed instance and JID."""
    if result["status"] == "takeover":
        flag = from_me(body)
        assert flag is True or (isinstance(flag, str) and flag.strip().lower() == "true"), flag
    if result.get("chat_id"):
        instance, jid = split_chat_key(result["chat_id"])
        assert is_instance_name(instance) and is_jid(jid), result["chat_id"]


def test_the_fuzz_grows_from_every_real_capture_and_knows_their_instances() -> None:
    assert len(INSTANCES) >= 3 and all(i["token"] and i["owner"] for i in INSTANCES.values())


def test_receive_survives_mutated_bodies_without_instance_tokens() -> None:
    world = InProcess()

    @settings(FUZZ, max_examples=EXAMPLES)
    @given(bodies())
    def one(body: bytes) -> None:
        sent_before = len(world.gateway.events)
        result = check(world.receive(body), world.container.dead_letters())
        check_semantics(result, body)
        TALLY[f"open {result['status']}"] += 1
        if result["status"] not in ("opted_out", "opted_in"):  # receive itself sends only those
            assert len(world.gateway.events) == sent_before, result

    one()


def test_receive_survives_mutated_bodies_and_takes_in_only_authentic_ones() -> None:
    world = InProcess({"uazapi_instances": json.dumps(INSTANCES)})

    @settings(FUZZ, max_examples=EXAMPLES)
    @given(bodies())
    def one(body: bytes) -> None:
        sent_before = len(world.gateway.events)
        run = world.receive(body)
        result = check(run, world.container.dead_letters())
        check_semantics(result, body)
        TALLY[f"auth {result['status']}"] += 1
        if not authentic(body):
            assert run.code == 0 and result["status"] == "rejected", (result, body[:300])
            assert len(world.gateway.events) == sent_before, "something was sent for a forged body"
            letter = world.container.dead_letters().get(result["dead_letter_id"])
            assert letter is not None and letter.source == "auth", result
        for token in {i["token"] for i in INSTANCES.values()}:
            assert token not in run.stderr and token not in run.stdout

    one()


def test_no_text_costs_a_customer_their_message() -> None:
    """Any text in a message's free-text fields (surrogates, controls, 5 MB) is taken in."""
    world = InProcess()

    @settings(FUZZ, max_examples=EXAMPLES // 5)
    @given(text_mutated_bodies())
    def one(body: bytes) -> None:
        result = check(world.receive(body), world.container.dead_letters())
        TALLY[f"text {result['status']}"] += 1
        assert result["status"] != "rejected", result  # buffered, or ignored for its kind, never lost

    one()


def sample(n: int) -> list[bytes]:
    """``n`` bodies from the same generator, for the runs as real processes."""
    found: list[bytes] = []

    @settings(FUZZ, max_examples=n, phases=[Phase.generate])
    @given(bodies())
    def collect(body: bytes) -> None:
        found.append(body)

    collect()
    return found


def conversa_receive(body: bytes, tmp: Path, index: int, env: dict[str, str]) -> tuple[Run, Path]:
    path, letters = tmp / f"body-{index}.json", tmp / f"dead-letters-{index % 4}"
    path.write_bytes(body)
    run = subprocess.run(
        [sys.executable, "-m", "app.entrypoints.cli", "receive", "--body-file", str(path)],
        capture_output=True,
        env={**env, "CONVERSA_DEAD_LETTER_DIR": str(letters)},
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    decoded = Run(
        run.returncode, run.stdout.decode("utf-8", "replace"), run.stderr.decode("utf-8", "replace")
    )
    return decoded, letters


@pytest.mark.parametrize("tokens", [False, True], ids=["open", "auth"])
def test_real_conversa_receive_processes_survive_a_sample(tmp_path: Path, tokens: bool) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVERSA_")}
    env["CONVERSA_LOG_LEVEL"] = "INFO"
    if tokens:
        env["CONVERSA_UAZAPI_INSTANCES"] = json.dumps(INSTANCES)
    bodies_ = sample(int(os.environ.get("CONVERSA_FUZZ_PROCESSES", "16")))
    with ThreadPoolExecutor(max_workers=8) as pool:
        runs = list(pool.map(lambda ib: conversa_receive(ib[1], tmp_path, ib[0], env), enumerate(bodies_)))
    for body, (run, letters) in zip(bodies_, runs, strict=True):
        result = check(run, FileDeadLetterStore(letters))
        TALLY[f"process {result['status']}"] += 1
        if tokens and not authentic(body):
            assert result["status"] == "rejected", result


def test_zz_tally(capsys: pytest.CaptureFixture[str]) -> None:
    """The counts of the whole fuzz run (shown with ``-s``), and that it ran what it claims."""
    with capsys.disabled():
        print(f"\nfuzz outcomes ({sum(TALLY.values())} bodies): {dict(sorted(TALLY.items()))}")
    if TALLY:  # when the tests above ran in this session
        assert sum(v for k, v in TALLY.items() if k.startswith("auth ")) >= EXAMPLES * 9 // 10
        assert TALLY["auth rejected"] > EXAMPLES // 3 and TALLY["open rejected"] > 0
        assert TALLY["open buffered"] + TALLY["open ignored"] + TALLY["open takeover"] > EXAMPLES // 10
