"""The compose `flows` service loads flows/ through Kestra's documented import API.

Its shell script, taken from docker-compose.yml as compose would hand it to `/bin/sh -c`, runs
here with curl against a stand-in that enforces the endpoint's published OpenAPI description
(tests/servers/kestra_import.py; the description is tests/fixtures/kestra/). No Docker engine
is needed: only the service's URL and flows folder are pointed at this machine.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers.kestra_import import KestraImportStandIn, load_operation

ROOT = Path(__file__).parents[2]
FLOWS = sorted((ROOT / "flows").glob("*.yml"))
USER, PASSWORD = "admin@conversa.local", "Test-pass-1"


def flows_service() -> dict[str, Any]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    service: dict[str, Any] = compose["services"]["flows"]
    return service


def compose_script() -> str:
    """The script as the container's shell gets it: compose turns `$$` into `$`."""
    service = flows_service()
    assert service["entrypoint"] == ["/bin/sh", "-c"]
    (script,) = service["command"]
    # A lone `$` would be interpolated by compose from the host's environment, not the shell.
    assert not re.search(r"(?<!\$)\$(?!\$)", script.replace("$$", "")), "unescaped $ in the script"
    return str(script).replace("$$", "$")


def run_service(
    url: str, flows_dir: Path = ROOT / "flows", timezone: str = "America/Sao_Paulo"
) -> subprocess.CompletedProcess[str]:
    """Run the script with the service's environment, Kestra's URL and folder pointed here."""
    service = flows_service()
    env = {name: str(value) for name, value in service["environment"].items()}
    assert env["TIMEZONE"] == "${CONVERSA_TIMEZONE:-America/Sao_Paulo}"
    env["TIMEZONE"] = timezone  # what compose interpolates from .env
    env |= {"KESTRA_ADMIN_USER": USER, "KESTRA_ADMIN_PASSWORD": PASSWORD, "RETRY_DELAY_SECONDS": "1"}
    mounts = dict(volume.split(":")[1::-1] for volume in service["volumes"])
    assert mounts[env["FLOWS_DIR"]] == "./flows", "the script must read the mounted flows/"
    assert env["KESTRA_URL"] == "http://kestra:8080"
    env |= {"KESTRA_URL": url, "FLOWS_DIR": str(flows_dir), "PATH": os.environ["PATH"]}
    return subprocess.run(
        ["/bin/sh", "-c", compose_script()], env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def kestra() -> Iterator[KestraImportStandIn]:
    assert shutil.which("curl"), "curl is missing: run scripts/install-system-packages.sh"
    stand_in = KestraImportStandIn(USER, PASSWORD).start()
    yield stand_in
    stand_in.stop()


def test_the_description_kept_is_the_multipart_import_with_a_file_part() -> None:
    """The fixture is what the stand-in enforces: if it lost its body or auth, the checks would go."""
    path_item, schemes = load_operation()
    body = path_item["post"]["requestBody"]
    assert list(body["content"]) == ["multipart/form-data"] and body["required"] is True
    assert body["content"]["multipart/form-data"]["schema"]["properties"]["fileUpload"]["format"] == "binary"
    assert {"basicAuth": []} in path_item["post"]["security"] and schemes["basicAuth"]["scheme"] == "basic"


def test_the_flows_service_waits_for_a_healthy_kestra_and_runs_once() -> None:
    service = flows_service()
    assert service["depends_on"]["kestra"] == {"condition": "service_healthy"}
    assert service["restart"] == "no"


def test_the_flows_service_loads_every_flow_byte_for_byte(kestra: KestraImportStandIn) -> None:
    done = run_service(kestra.url)
    assert done.returncode == 0, done.stderr
    assert [u.filename for u in kestra.uploads] == [f.name for f in FLOWS]
    for upload, flow in zip(kestra.uploads, FLOWS, strict=True):
        assert upload.content == flow.read_bytes(), flow.name
        assert upload.tenant == "main" and upload.query == {"failOnError": "true"}
    assert f"{len(FLOWS)} flows loaded" in done.stdout


def test_the_flows_service_puts_the_business_timezone_in_the_schedules(kestra: KestraImportStandIn) -> None:
    done = run_service(kestra.url, timezone="America/Manaus")
    assert done.returncode == 0, done.stderr
    schedules = 0
    for upload, flow in zip(kestra.uploads, FLOWS, strict=True):
        assert upload.filename == flow.name
        sent = yaml.safe_load(upload.content)
        for trigger in sent.get("triggers", []):
            if trigger["type"].endswith("trigger.Schedule"):
                assert trigger["timezone"] == "America/Manaus", flow.name
                schedules += 1
        # Nothing else changed.
        assert upload.content.replace(b"America/Manaus", b"America/Sao_Paulo") == flow.read_bytes()
    assert schedules >= 3


def test_the_flows_service_stops_non_zero_naming_the_flow_kestra_refuses(
    kestra: KestraImportStandIn,
) -> None:
    """Kestra answers 200 for an invalid flow unless failOnError=true: the script must ask it."""
    kestra.refuse = {"receive-whatsapp.yml"}
    done = run_service(kestra.url)
    assert done.returncode != 0
    assert "receive-whatsapp.yml" in done.stderr and "were not imported" in done.stderr
    assert kestra.answers[-1] == 422  # refused once, not retried


def test_the_flows_service_retries_while_kestra_starts(kestra: KestraImportStandIn) -> None:
    kestra.unavailable_for = 2
    done = run_service(kestra.url)
    assert done.returncode == 0, done.stderr
    assert kestra.answers[:2] == [503, 503]
    assert [u.content for u in kestra.uploads] == [f.read_bytes() for f in FLOWS]


def test_the_flows_service_fails_when_there_is_no_flow(kestra: KestraImportStandIn, tmp_path: Path) -> None:
    done = run_service(kestra.url, flows_dir=tmp_path)
    assert done.returncode != 0 and "no flow found" in done.stderr
    assert kestra.answers == []


def curl(kestra: KestraImportStandIn, *args: str, path: str = "/api/v1/main/flows/import") -> int:
    """The HTTP status the stand-in answers to a curl request."""
    done = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", *args, kestra.url + path],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return int(done.stdout)


def test_the_stand_in_refuses_the_old_raw_yaml_request(kestra: KestraImportStandIn) -> None:
    """What the service used to send: the flow as a raw application/x-yaml body."""
    flow = FLOWS[0]
    auth = f"{USER}:{PASSWORD}"
    old = ["-u", auth, "-X", "POST", "-H", "Content-Type: application/x-yaml", "--data-binary", f"@{flow}"]
    assert curl(kestra, *old) == 415
    assert kestra.uploads == []


IMPORT = "/api/v1/main/flows/import"
AS_DOCUMENTED = "fileUpload=@{flow};type=application/octet-stream"


@pytest.mark.parametrize(
    ("args", "path", "status"),
    [
        (["-F", AS_DOCUMENTED], IMPORT, 401),  # no credential
        (["-u", "admin@conversa.local:wrong", "-F", AS_DOCUMENTED], IMPORT, 401),
        (["-u", "{auth}"], IMPORT, 405),  # GET
        (["-u", "{auth}", "-F", AS_DOCUMENTED], "/api/v1/flows/import", 404),  # no tenant
        (["-u", "{auth}", "-F", AS_DOCUMENTED], IMPORT + "?failOnError=yes", 400),  # not a boolean
        (["-u", "{auth}", "-F", AS_DOCUMENTED], IMPORT + "?overwrite=true", 400),  # undeclared
        (["-u", "{auth}", "-F", "file=@{flow};type=application/octet-stream"], IMPORT, 400),
        (["-u", "{auth}", "-F", "fileUpload=<{flow}"], IMPORT, 400),  # a text field, not a file
        (["-u", "{auth}", "-F", "fileUpload=@{flow};type=text/yaml"], IMPORT, 400),  # not as declared
        (["-u", "{auth}", "-F", AS_DOCUMENTED + ";filename=flow.txt"], IMPORT, 400),  # neither YAML nor ZIP
        (["-u", "{auth}", "-H", "Content-Type: application/json", "--data-binary", "@{flow}"], IMPORT, 415),
    ],
)
def test_the_stand_in_refuses_what_the_description_does_not_allow(
    kestra: KestraImportStandIn, args: list[str], path: str, status: int
) -> None:
    values = {"flow": str(FLOWS[0]), "auth": f"{USER}:{PASSWORD}"}
    assert curl(kestra, *[a.format(**values) for a in args], path=path) == status
    assert kestra.uploads == []


def test_the_stand_in_accepts_the_documented_request(kestra: KestraImportStandIn) -> None:
    """The other side of the refusals above: the same request, done as documented, passes."""
    auth = f"{USER}:{PASSWORD}"
    assert curl(kestra, "-u", auth, "-F", AS_DOCUMENTED.format(flow=FLOWS[0])) == 200
    assert [u.content for u in kestra.uploads] == [FLOWS[0].read_bytes()]
