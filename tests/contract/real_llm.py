"""The chat-model answerer under the answerer contract, against the fake OpenAI endpoint."""

from __future__ import annotations

from typing import Any

import pytest

from app.adapters.llm.openai_chat import OpenAIChatAnswerer
from tests.servers.openai import OPENAI_TEST_KEY


def _openai(request: pytest.FixtureRequest) -> Any:
    fake = request.getfixturevalue("openai_fake")
    return OpenAIChatAnswerer(
        fake.url, "fake-model", OPENAI_TEST_KEY, "Padaria Grão Dourado", timeout_seconds=5, max_retries=0
    )


FACTORIES = {"answerer": {"openai": _openai}}
