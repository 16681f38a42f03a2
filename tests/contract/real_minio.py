"""The MinIO adapter under the blob store contract, on a real S3 server (nanio)."""

from __future__ import annotations

from typing import Any

import pytest


def _minio(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("make_minio_store")()


FACTORIES = {"blob_store": {"minio": _minio}}
