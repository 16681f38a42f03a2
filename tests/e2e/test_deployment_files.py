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


def test_the_local_dead_letter_folder_outlives_the_task_and_the_container() -> None:
    """Behind Redis, receive keeps bodies in CONVERSA_DEAD_LETTER_DIR when Redis is down: a
    relative folder would be inside the task's working directory, which Kestra deletes."""
    services = compose()["services"]
    for name in ("kestra", "conversa-worker"):
        env = services[name]["environment"]
        folder = Path(env["CONVERSA_DEAD_LETTER_DIR"])
        assert env["CONVERSA_DEAD_LETTERS"] == "redis" and folder.is_absolute()
        mounts = [v.split(":") for v in services[name]["volumes"]]
        named = compose()["volumes"]
        assert any(folder.is_relative_to(target) and source in named for source, target in mounts)


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


def dockerfile_instructions() -> list[tuple[str, tuple[str, ...]]]:
    """The Dockerfile as Docker's own parser (moby/buildkit, via the `dockerfile` package) reads it."""
    import dockerfile

    return [(c.cmd.upper(), tuple(c.value)) for c in dockerfile.parse_file(str(ROOT / "Dockerfile"))]


def kestra_version_under_test() -> str:
    """The Kestra version whose engine runs the flows in tests/kestra (its pom.xml)."""
    pom = (ROOT / "tests" / "kestra" / "pom.xml").read_text(encoding="utf-8")
    found = re.search(r"<kestra\.version>([^<]+)</kestra\.version>", pom)
    assert found, "tests/kestra/pom.xml names no <kestra.version>"
    return found.group(1)


def test_worker_image_is_the_kestra_version_the_suite_runs() -> None:
    instructions = dockerfile_instructions()
    args = dict(v[0].split("=", 1) for cmd, v in instructions if cmd == "ARG" and "=" in v[0])
    (base,) = [v[0] for cmd, v in instructions if cmd == "FROM"]
    image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], base)
    assert image == f"kestra/kestra:v{kestra_version_under_test()}"


def test_worker_image_runs_as_root_with_conversa_on_the_path() -> None:
    instructions = dockerfile_instructions()
    users = [v[0] for cmd, v in instructions if cmd == "USER"]
    assert users == ["root"], users  # a plain user name: Dockerfiles have no inline comments
    paths = [v[1] for cmd, v in instructions if cmd == "ENV" and v[0] == "PATH"]
    assert paths and paths[-1].split(":")[0] == "/opt/conversa/bin"
    runs = " ".join(v[0] for cmd, v in instructions if cmd == "RUN")
    assert "/opt/conversa/bin/pip install" in runs and "/opt/conversa/bin/conversa --help" in runs


def test_separate_workers_can_reach_the_controller_over_grpc() -> None:
    """Kestra 2.0 workers dial a worker controller; the extra worker service must find it."""
    services = compose()["services"]
    config = kestra_configuration()["kestra"]
    for name in ("kestra", "conversa-worker"):  # both read the one mounted configuration
        assert services[name]["configs"] == [
            {"source": "kestra-config", "target": "/app/confs/application.yml"}
        ]
        assert services[name]["environment"]["MICRONAUT_CONFIG_FILES"] == "/app/confs/application.yml"
    port = config["controller"]["port"]
    controllers = config["worker"]["controllers"]
    assert controllers["type"] == "STATIC"
    # Kestra 2.0.0 reads an endpoint as {host, port}; a "host:port" string leaves it with none
    # ("Static configuration requires at least one endpoint"), as the in-process suite found.
    assert controllers["static"]["endpoints"] == [{"host": "kestra", "port": port}]
    assert services["conversa-worker"]["command"][:2] == ["server", "worker"]
    assert "kestra" in services["conversa-worker"]["depends_on"]


def kestra_configuration() -> dict[str, Any]:
    configuration: dict[str, Any] = yaml.safe_load(compose()["configs"]["kestra-config"]["content"])
    return configuration


def test_the_kestra_containers_hold_no_credential_but_the_secrets_kestra_hands_to_flows() -> None:
    """The flows' commands inherit the worker's environment: it must not hold Kestra's
    configuration (database password, encryption key) nor another service's credentials."""
    services = compose()["services"]
    for name in ("kestra", "conversa-worker"):
        service = services[name]
        assert service["env_file"] == ["conversa.env"], "not .env: it holds every password"
        for variable, value in service["environment"].items():
            allowed = (
                variable.startswith(("SECRET_", "CONVERSA_", "ENV_CONVERSA_"))
                or variable == "MICRONAUT_CONFIG_FILES"
            )
            assert allowed, f"{name} gets {variable}"
            assert "PASSWORD" not in str(value) and variable != "KESTRA_CONFIGURATION"
    assert "password" in kestra_configuration()["datasources"]["postgres"]
    example = (ROOT / "conversa.env.example").read_text(encoding="utf-8")
    names = re.findall(r"^([A-Z_]+)=", example, re.M)
    assert names and all(n.startswith("CONVERSA_") for n in names), names
    assert not [n for n in names if re.search(r"TOKEN|KEY|PASSWORD|SECRET|INSTANCES", n)], (
        "secrets go in .env"
    )
