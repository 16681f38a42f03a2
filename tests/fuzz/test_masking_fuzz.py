"""No phone number and no token in anything ``conversa receive`` prints (issue 16).

Generated bodies grown from the real captures put runs of 8 to 30 digits in every field a
body names — ``instanceName``, ``owner`` (top level and the message's), ``token``,
``EventType``, the chat id (well-formed or not: ``+5541…@s.whatsapp.net``, ``…@s.whatsapp.ne``),
the message id, the sender, the chat record — and sometimes drop ``instanceName`` (the owner's
number then names the instance). Each body goes through the real ``receive`` entrypoint in
three deployments (no token, one token, several instances) and a sample through real
``conversa receive`` processes. In stdout (the Kestra output lines and the result) and stderr
(log lines, the one-line error) no run of 8 or more digits may appear, and no configured
token. The only values left whole are the ones a caller needs: the ``chat_id`` of a message
taken in (the flow starts the chat's processor with it) and the dead letter's id (a digest).
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.bodies import INSTANCES, SEEDS, fresh_id, serialise, set_value
from tests.fuzz.harness import InProcess, Run, check
from tests.fuzz.test_receive_fuzz import EXAMPLES, FUZZ, conversa_receive

DIGIT_RUN = re.compile(r"\d{8,}")
SINGLE_TOKEN = next(iter(INSTANCES.values()))["token"]  # one instance's token, for any instance name
PATHS: list[tuple[str, ...]] = [
    ("instanceName",),
    ("owner",),
    ("token",),
    ("EventType",),
    ("chat", "wa_chatid"),
    ("chat", "name"),
    *(
        ("message", key)
        for key in (
            "chatid",
            "messageid",
            "id",
            "owner",
            "sender",
            "sender_pn",
            "senderName",
            "text",
            "quoted",
        )
    ),
]
SHAPES = [
    "{d}",
    "+{d}",
    "{d}@s.whatsapp.net",
    "+{d}@s.whatsapp.net",
    "{d}@s.whatsapp.ne",
    "{d}@lid",
    "{d}-{e}@g.us",
    "{d}:{e}@s.whatsapp.net",
    "{d} x",
    "x{d}",
    "loja{d}",
    "{d}/{e}",
    "٠١٢٣٤٥٦٧٨٩{d}",  # other scripts' digits are digits too
]
TALLY: Counter[str] = Counter()

digit_runs = st.text(alphabet="0123456789", min_size=8, max_size=30)


@st.composite
def digit_values(draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(SHAPES))
    return shape.format(d=draw(digit_runs), e=draw(digit_runs))


@st.composite
def numbered_bodies(draw: st.DrawFn) -> bytes:
    """A real capture with digit runs in many of its fields (each field: half the time)."""
    _, seed = draw(st.sampled_from(SEEDS))
    data: dict[str, Any] = json.loads(json.dumps(seed))
    changes: list[str] = []
    for path in PATHS:
        if draw(st.booleans()):
            value = draw(digit_values())
            set_value(data, path, value)
            changes.append(f"{path}={value}")
    if draw(st.integers(0, 4)) == 0:
        data.pop("instanceName", None)
    if draw(st.booleans()):
        fresh_id(data, seed, changes)
    return serialise(data, ascii_only=draw(st.booleans()))


def leaks(run: Run, tokens: set[str]) -> list[str]:
    """The digit runs and tokens in what a run printed, besides the chat key it returns and the
    hex digests that name a letter and the bytes read."""
    printed = run.stdout + run.stderr
    result = run.result
    for whole in (result.get("chat_id"), result.get("dead_letter_id"), result.get("body_sha256")):
        if whole:
            printed = printed.replace(str(whole), "")
    return DIGIT_RUN.findall(printed) + [t for t in tokens if t in run.stdout + run.stderr]


DEPLOYMENTS: dict[str, dict[str, Any]] = {
    "open": {},
    "single": {"uazapi_token": SINGLE_TOKEN},
    "several": {"uazapi_instances": json.dumps(INSTANCES)},
}
TOKENS = {SINGLE_TOKEN} | {i["token"] for i in INSTANCES.values()}


def test_no_digit_run_and_no_token_reaches_the_output_of_receive() -> None:
    worlds = {name: InProcess(options) for name, options in DEPLOYMENTS.items()}

    @settings(FUZZ, max_examples=EXAMPLES)
    @given(numbered_bodies())
    def one(body: bytes) -> None:
        TALLY["bodies"] += 1
        for name, world in worlds.items():
            run = world.receive(body)
            result = check(run, world.container.dead_letters())
            TALLY[f"{name} {result['status']}"] += 1
            assert leaks(run, TOKENS) == [], (name, run.stdout[-1_500:], run.stderr[-1_500:])

    one()
    assert TALLY["bodies"] == EXAMPLES
    assert TALLY["several rejected"] > 0 and TALLY["open buffered"] > 0 and TALLY["single rejected"] > 0


def test_no_digit_run_reaches_the_output_of_real_receive_processes(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONVERSA_")}
    env.update(CONVERSA_LOG_LEVEL="INFO", CONVERSA_UAZAPI_INSTANCES=json.dumps(INSTANCES))
    found: list[bytes] = []

    @settings(FUZZ, max_examples=int(os.environ.get("CONVERSA_FUZZ_PROCESSES", "16")))
    @given(numbered_bodies())
    def collect(body: bytes) -> None:
        found.append(body)

    collect()
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda ib: conversa_receive(ib[1], tmp_path, ib[0], env), enumerate(found)))
    for run, _letters in runs:
        assert run.code == 0, run.stderr[-1_000:]
        TALLY[f"process {run.result['status']}"] += 1
        assert leaks(run, TOKENS) == [], (run.stdout[-1_500:], run.stderr[-1_500:])
    print(f"\nmasking fuzz: {dict(sorted(TALLY.items()))}")
