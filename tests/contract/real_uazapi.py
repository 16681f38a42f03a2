"""The Uazapi HTTP gateway under the messaging gateway contract, against the fake Uazapi."""

from __future__ import annotations

from typing import Any

import pytest

from tests.servers.uazapi import make_uazapi_gateway


def _uazapi(request: pytest.FixtureRequest) -> Any:
    gateway = make_uazapi_gateway(request.getfixturevalue("uazapi"))
    request.addfinalizer(gateway.close)
    return gateway


FACTORIES = {"gateway": {"uazapi": _uazapi}}
