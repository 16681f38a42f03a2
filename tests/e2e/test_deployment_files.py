"""The deployment files users run: docker-compose.yml, .env.example, the Dockerfile."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).parents[2]
SCHEMA = ROOT / "tests" / "fixtures" / "schemas" / "compose-spec.json"


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def test_compose_file_follows_the_compose_specification() -> None:
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(compose())


def test_compose_runs_every_service_conversa_needs_with_health_checks() -> None:
    services = compose()["services"]
    for name in ("postgres", "redis", "minio", "kestra"):
        assert "healthcheck" in services[name], name
    assert services["tunnel"]["profiles"] == ["tunnel"]
    assert services["kestra"]["build"]["dockerfile"] == "Dockerfile"
    assert set(compose()["volumes"]) >= {"postgres-data", "redis-data", "minio-data", "kestra-data"}


def test_every_variable_compose_needs_is_in_env_example() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    needed = set(re.findall(r"\$\{([A-Z_]+)[:}?]", text))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    defined = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert needed - defined == set()


def test_every_secret_the_flows_use_is_in_env_example() -> None:
    used = set()
    for flow in (ROOT / "flows").glob("*.yml"):
        used |= set(re.findall(r"secret\('([A-Z_]+)'\)", flow.read_text(encoding="utf-8")))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert used and {f"SECRET_{name}" for name in used} <= set(
        re.findall(r"^(SECRET_[A-Z_]+)=", example, re.M)
    )


def test_no_secret_value_is_written_in_a_flow() -> None:
    for flow in (ROOT / "flows").glob("*.yml"):
        text = flow.read_text(encoding="utf-8")
        for line in text.splitlines():
            if re.search(r"(TOKEN|KEY|PASSWORD|SECRET)\w*:", line):
                assert "secret(" in line or ("{{" not in line and line.strip().endswith(":")), line
