"""A real S3-compatible server for the MinIO adapter: ``nanio`` (PyPI) on 127.0.0.1.

nanio verifies request signatures, so a wrong secret is refused as MinIO would refuse it.
Set ``CONVERSA_S3_ENDPOINT`` (+ ``CONVERSA_S3_ACCESS_KEY``/``CONVERSA_S3_SECRET_KEY``) to use
an existing server instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.servers.redis import free_port


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    access_key: str
    secret_key: str


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    if os.environ.get("CONVERSA_S3_ENDPOINT"):
        yield S3Server(
            os.environ["CONVERSA_S3_ENDPOINT"],
            os.environ.get("CONVERSA_S3_ACCESS_KEY", ""),
            os.environ.get("CONVERSA_S3_SECRET_KEY", ""),
        )
        return
    binary = shutil.which("nanio") or os.path.join(os.path.dirname(os.sys.executable), "nanio")
    assert os.path.exists(binary), "nanio is not installed (pip install nanio)"
    port, data = free_port(), tempfile.mkdtemp(prefix="conversa-s3-")
    server = S3Server(f"127.0.0.1:{port}", "conversa-test", "conversa-test-secret")
    env = {**os.environ, "NANIO_ACCESS_KEY": server.access_key, "NANIO_SECRET_KEY": server.secret_key}
    proc = subprocess.Popen(
        [
            binary,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--data-dir",
            data,
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from minio import Minio

    client = Minio(server.endpoint, server.access_key, server.secret_key, secure=False)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.list_buckets()
            break
        except Exception:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("nanio did not start") from None
            time.sleep(0.1)
    yield server
    proc.terminate()
    proc.wait(timeout=10)
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture
def make_minio_store(s3_server: S3Server) -> Callable[..., object]:
    """Builds a MinioBlobStore on a fresh bucket (or the given one)."""
    from app.adapters.minio.blobs import MinioBlobStore

    def make(bucket: str | None = None, secret_key: str | None = None) -> MinioBlobStore:
        return MinioBlobStore(
            s3_server.endpoint,
            s3_server.access_key,
            secret_key or s3_server.secret_key,
            bucket or f"t-{uuid.uuid4().hex[:12]}",
        )

    return make
