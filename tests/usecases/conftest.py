"""A whole offline Conversa on a virtual clock, built by the real container."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers

from app.adapters.memory.clock import VirtualClock
from app.adapters.memory.gateway import RecordingGateway
from app.container import Container, build_container
from app.entrypoints.simulator.webhooks import WebhookFactory
from app.settings import Settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "uazapi"
JID = "5541988887777@s.whatsapp.net"
CHAT = f"simulador/{JID}"


def fixture_body(name: str, **message_overrides: Any) -> bytes:
    data = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    if message_overrides:
        data["message"].update(message_overrides)
    return json.dumps(data).encode()


@dataclass
class World:
    container: Container
    clock: VirtualClock
    gateway: RecordingGateway
    webhooks: WebhookFactory

    def say(self, text: str, **kwargs: Any) -> Any:
        return self.container.receive()(self.webhooks.message(text, self.clock.now_ms(), **kwargs))

    def process(self, wait_ms: int = 0) -> Any:
        return self.container.process()(CHAT, wait_ms)


def make_world(**settings: Any) -> World:
    base: dict[str, Any] = {"state": "memory", "dead_letters": "memory"}
    container = build_container(Settings(**{**base, **settings}))
    clock = VirtualClock()
    gateway = RecordingGateway()
    container.clock.override(providers.Object(clock))
    container.gateway.override(providers.Object(gateway))
    return World(container, clock, gateway, WebhookFactory(JID))


@pytest.fixture
def world() -> World:
    return make_world()
