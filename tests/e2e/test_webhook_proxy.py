"""The tunnel profile publishes only the webhook: ngrok → webhook-proxy (nginx) → Kestra.

A real nginx runs here as a plain process with the very server block compose mounts
(deploy/webhook-proxy.conf); only its listen address and Kestra's address are pointed at this
machine, where a stand-in records what reaches "Kestra".
"""

from __future__ import annotations

import base64
import http.client
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.servers.redis import free_port

ROOT = Path(__file__).parents[2]
CONFIG = ROOT / "deploy" / "webhook-proxy.conf"
WEBHOOK = "/api/v1/main/executions/webhook/conversa/receive-whatsapp/"


def example_webhook_key() -> str:
    """The key .env.example ships (SECRET_WEBHOOK_KEY, base64): the proxy must let it through."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    found = re.search(r"^SECRET_WEBHOOK_KEY=(\S+)", text, re.MULTILINE)
    assert found, "SECRET_WEBHOOK_KEY is not in .env.example"
    return base64.b64decode(found.group(1)).decode()


KEY = example_webhook_key()


@dataclass
class Kestra:
    """Stands for Kestra behind the proxy: records every request, answers 200 with a marker."""

    received: list[tuple[str, str, bytes]] = field(default_factory=list)

    def start(self) -> tuple[ThreadingHTTPServer, int]:
        kestra = self

        class Handler(BaseHTTPRequestHandler):
            def handle_any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                kestra.received.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"kestra")

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the tests assert on what was received."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, server.server_address[1]


@dataclass
class Proxy:
    port: int
    kestra: Kestra

    def send(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """One request with ``path`` sent exactly as written (no client-side normalizing)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            connection.putheader("Content-Length", str(len(body or b"")))
            connection.putheader("Content-Type", "application/json")
            connection.endheaders(body)
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()


def server_block(listen_port: int, kestra_port: int) -> str:
    """The compose file's config, listening on 127.0.0.1 and proxying to the stand-in."""
    text = CONFIG.read_text(encoding="utf-8")
    for compose_value, local_value in (
        ("listen 8080;", f"listen 127.0.0.1:{listen_port};"),
        ("http://kestra:8080", f"http://127.0.0.1:{kestra_port}"),
    ):
        assert text.count(compose_value) == 1, compose_value
        text = text.replace(compose_value, local_value)
    return text


def wait_for_port(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"nginx stopped: {log.read_text(errors='replace')}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nginx did not listen: {log.read_text(errors='replace')}")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(nginx).exists(), "nginx is missing: run scripts/install-system-packages.sh"
    kestra = Kestra()
    kestra_server, kestra_port = kestra.start()
    folder = tmp_path_factory.mktemp("nginx")
    folder.chmod(0o755)
    port = free_port()
    (folder / "webhook-proxy.conf").write_text(server_block(port, kestra_port), encoding="utf-8")
    temp_paths = " ".join(
        f"{kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # The official image's http{} around the same server block; nothing else is added.
    (folder / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'error.log'} warn;\nevents {{ worker_connections 64; }}\n"
        f"http {{\n  access_log off;\n  {temp_paths}\n  include {folder / 'webhook-proxy.conf'};\n}}\n",
        encoding="utf-8",
    )
    log = folder / "error.log"
    proc = subprocess.Popen(
        [nginx, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc, log)
        yield Proxy(port, kestra)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        kestra_server.shutdown()
        kestra_server.server_close()


def test_compose_puts_the_proxy_between_ngrok_and_kestra() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    proxy, tunnel = services["webhook-proxy"], services["tunnel"]
    assert tunnel["command"] == ["http", "webhook-proxy:8080"]
    assert "kestra" not in tunnel.get("depends_on", {}) and "webhook-proxy" in tunnel["depends_on"]
    assert proxy["image"].startswith("nginx:") and proxy["profiles"] == tunnel["profiles"] == ["tunnel"]
    assert proxy["volumes"] == ["./deploy/webhook-proxy.conf:/etc/nginx/conf.d/default.conf:ro"]
    assert "ports" not in proxy  # reachable by ngrok on the compose network only


def test_the_webhook_reaches_kestra_intact(proxy: Proxy) -> None:
    body = b'{"EventType":"messages","a":null,"b":1.50,"c":1e2,"d":"\\u00e9"}'
    proxy.kestra.received.clear()
    status, answer = proxy.send("POST", WEBHOOK + KEY, body)
    assert (status, answer) == (200, b"kestra")
    assert proxy.kestra.received == [("POST", WEBHOOK + KEY, body)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", WEBHOOK + KEY),  # the webhook, but not a POST
        ("PUT", WEBHOOK + KEY),
        ("GET", "/ui/"),
        ("GET", "/"),
        ("GET", "/api/v1/main/flows/search"),
        ("POST", "/api/v1/main/flows"),
        ("POST", "/api/v1/main/flows/import"),
        ("GET", "/api/v1/main/executions"),
        ("POST", "/api/v1/main/executions/conversa/receive-whatsapp"),  # the execution API
        ("POST", "/api/v1/main/executions/webhook/conversa/process-conversation/" + KEY),  # another flow
        ("POST", "/api/v1/executions/webhook/conversa/receive-whatsapp/" + KEY),  # no tenant
        ("POST", WEBHOOK),  # no key
        ("POST", WEBHOOK + KEY + "/extra"),
        ("POST", WEBHOOK + "../../../../flows/import"),  # walks out once normalized
        ("POST", WEBHOOK + ".."),
        ("POST", "/api/v1/main/flows/import/../../executions/webhook/conversa/receive-whatsapp/" + KEY),
        ("POST", WEBHOOK + "x/../" + KEY),  # lands on the webhook once normalized, sent raw
        ("POST", WEBHOOK + "%2e%2e%2f%2e%2e%2fflows"),  # the same, percent-encoded
        ("POST", WEBHOOK + KEY + "%2F..%2F..%2Fflows"),
        ("GET", "/health"),
    ],
)
def test_everything_but_the_webhook_is_not_found(proxy: Proxy, method: str, path: str) -> None:
    proxy.kestra.received.clear()
    status, _ = proxy.send(method, path, b"{}" if method in ("POST", "PUT") else None)
    assert status == 404
    assert proxy.kestra.received == []
