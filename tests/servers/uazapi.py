"""A fake Uazapi on 127.0.0.1 for the gateway's tests (see tests/fakes/uazapi_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.adapters.uazapi.client import UazapiGateway
from tests.fakes.uazapi_server import FakeUazapi

UAZAPI_TEST_TOKEN = "uaz-test-token-7f3c9a"


def make_uazapi_gateway(server: FakeUazapi, **overrides: Any) -> UazapiGateway:
    """A gateway pointed at ``server`` with backoffs small enough that retries cost nothing."""
    options: dict[str, Any] = {
        "token": UAZAPI_TEST_TOKEN,
        "timeout_s": 5.0,
        "max_retries": 3,
        "backoff_base_s": 0.001,
        "backoff_max_s": 0.01,
    }
    options.update(overrides)
    return UazapiGateway(server.url, **options)


@pytest.fixture(scope="session")
def uazapi_server() -> Iterator[FakeUazapi]:
    server = FakeUazapi(token=UAZAPI_TEST_TOKEN).start()
    yield server
    server.stop()


@pytest.fixture
def uazapi(uazapi_server: FakeUazapi) -> FakeUazapi:
    """The session's fake with no recorded requests, no media and nothing scripted."""
    uazapi_server.reset()
    return uazapi_server


@pytest.fixture
def uazapi_gateway(uazapi: FakeUazapi) -> Iterator[UazapiGateway]:
    gateway = make_uazapi_gateway(uazapi)
    yield gateway
    gateway.close()
