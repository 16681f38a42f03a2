"""Scenario files: timed messages to play on a virtual clock, and what must happen.

```yaml
name: Burst of three messages
settings: {quiet_ms: 5000}          # optional CONVERSA_* settings, lower-case, no prefix
start: "2026-12-02T23:00:00-03:00"  # optional: when the virtual clock starts (default: now)
steps:
  - {at: 0, say: "Oi"}              # the customer types
  - {at: 1, owner: "Deixa comigo"}  # the owner types on the phone (human takeover)
  - {at: 2, duplicate: true}        # Uazapi delivers the previous webhook again
  - {at: 3, webhook: "payload.json"}# a raw webhook body (path relative to the scenario)
  - {at: 4, team: "#status"}        # someone writes in the team chat (CONVERSA_TEAM_CHAT)
  - {at: 5, forged_team: "#bot 55…"}# the same, in a body with a wrong instance token
  - {at: 6, report: true}           # the weekly report is sent (conversa gaps --send)
expect:
  answers: 1                        # batches the bot answered
  bot_says: ["entrega"]             # substrings some bot message to the customer must contain
  bot_never_says: ["..."]
  team_says: ["Atendimento humano"] # substrings some message to the team chat must contain
  team_messages: 1                  # how many messages the team chat got
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from app.domain.errors import ConversaError

STEP_KINDS = ("say", "owner", "duplicate", "webhook", "team", "forged_team", "report")


class ScenarioError(ConversaError):
    """A scenario file that cannot be played."""


@dataclass(frozen=True)
class Step:
    at_ms: int
    kind: str
    value: str


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: list[Step]
    settings: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, Any] = field(default_factory=dict)
    base_dir: Path = Path(".")
    start_ms: int | None = None  # when the scenario starts (its ``start``), else now


def _step(raw: Any, index: int) -> Step:
    if not isinstance(raw, dict):
        raise ScenarioError(f"step {index + 1} is not a mapping")
    kinds = [k for k in STEP_KINDS if k in raw]
    if len(kinds) != 1:
        raise ScenarioError(f"step {index + 1} needs exactly one of {', '.join(STEP_KINDS)}")
    try:
        at_ms = round(float(raw.get("at", 0)) * 1000)
    except (TypeError, ValueError):
        raise ScenarioError(f"step {index + 1}: 'at' must be a number of seconds") from None
    return Step(at_ms, kinds[0], str(raw[kinds[0]]))


def load_scenario(path: str | Path) -> Scenario:
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"cannot read scenario {file}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"scenario {file} is not valid YAML: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise ScenarioError(f"scenario {file} needs a 'steps' list")
    steps = sorted((_step(s, i) for i, s in enumerate(data["steps"])), key=lambda s: s.at_ms)
    start_ms = None
    if data.get("start") is not None:
        try:
            start = datetime.fromisoformat(str(data["start"]))
        except ValueError:
            raise ScenarioError(
                f"scenario {file}: 'start' must be an ISO date-time with its offset"
            ) from None
        if start.tzinfo is None:
            raise ScenarioError(f"scenario {file}: 'start' needs its UTC offset (…T23:00:00-03:00)")
        start_ms = int(start.timestamp() * 1000)
    return Scenario(
        start_ms=start_ms,
        name=str(data.get("name", file.stem)),
        steps=steps,
        settings=dict(data.get("settings") or {}),
        expect=dict(data.get("expect") or {}),
        base_dir=file.parent,
    )
