"""A fake OpenAI-compatible endpoint (chat completions, audio transcriptions) on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.openai_server import FakeOpenAI

OPENAI_TEST_KEY = "sk-test-conversa"


@pytest.fixture(scope="session")
def openai_server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(api_key=OPENAI_TEST_KEY).start()
    yield server
    server.stop()


@pytest.fixture
def openai_fake(openai_server: FakeOpenAI) -> FakeOpenAI:
    """The session's fake, with no recorded requests and nothing scripted."""
    openai_server.reset()
    return openai_server
