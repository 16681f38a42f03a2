"""A real Redis for the tests: ``redis-server`` on a free port, or ``CONVERSA_REDIS_URL``."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RedisServer:
    """A ``redis-server`` process of our own (one that a test may stop, pause or kill)."""

    proc: subprocess.Popen[bytes]
    port: int
    workdir: str

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a paused server could not act on SIGTERM
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_redis_server(port: int | None = None) -> RedisServer:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed (apt-get install redis-server)"
    port = port or free_port()
    workdir = tempfile.mkdtemp(prefix="conversa-redis-")
    proc = subprocess.Popen(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            workdir,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        proc.kill()
        raise RuntimeError("redis-server did not start")
    return RedisServer(proc, port, workdir)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if os.environ.get("CONVERSA_REDIS_URL"):
        yield os.environ["CONVERSA_REDIS_URL"]
        return
    server = start_redis_server()
    yield server.url
    server.stop()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A Redis server for one test alone: it may pause (SIGSTOP) or stop it."""
    server = start_redis_server()
    yield server
    server.stop()
