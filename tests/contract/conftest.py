"""One fixture per port, parametrised over every implementation of it.

The same suite runs against the in-memory fakes and the real adapters: an adapter is done
when it passes the contract its fake passes. Real adapters register themselves in
``IMPLEMENTATIONS`` from ``tests/contract/real_<technology>.py``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.adapters.dead_letter_stores import DeadLetterStores, NamedStore
from app.adapters.memory.buffer import MemoryIdempotencyGuard, MemoryMessageBuffer
from app.adapters.memory.dead_letters import FileDeadLetterStore, MemoryDeadLetterStore
from app.adapters.memory.stores import MemoryChatStateStore, MemoryConversationStore, MemoryReplyOutbox

Factory = Callable[[pytest.FixtureRequest], Any]

IMPLEMENTATIONS: dict[str, dict[str, Factory]] = {
    "buffer": {"memory": lambda request: MemoryMessageBuffer()},
    "conversations": {"memory": lambda request: MemoryConversationStore()},
    "chat_state": {"memory": lambda request: MemoryChatStateStore()},
    "idempotency": {"memory": lambda request: MemoryIdempotencyGuard()},
    "outbox": {"memory": lambda request: MemoryReplyOutbox()},
    "dead_letters": {
        "memory": lambda request: MemoryDeadLetterStore(),
        "file": lambda request: FileDeadLetterStore(request.getfixturevalue("tmp_path") / "dl"),
        "with-fallback": lambda request: DeadLetterStores(
            NamedStore("memory", MemoryDeadLetterStore()),
            NamedStore("file", FileDeadLetterStore(request.getfixturevalue("tmp_path") / "fallback")),
        ),
    },
}


def _memory_intake(request: pytest.FixtureRequest) -> Any:
    seen = MemoryIdempotencyGuard()
    return MemoryMessageBuffer(seen), seen


# The buffer and the guard of one deployment: they share the record of message ids taken in.
IMPLEMENTATIONS["intake"] = {"memory": _memory_intake}


def _keyword_kb(request: pytest.FixtureRequest) -> Any:
    from app.adapters.memory.knowledge import KeywordKnowledgeBase
    from app.settings import EXAMPLE_KNOWLEDGE_DIR

    return KeywordKnowledgeBase.from_folder(EXAMPLE_KNOWLEDGE_DIR)


def _extractive(request: pytest.FixtureRequest) -> Any:
    from app.adapters.llm.extractive import ExtractiveAnswerer

    return ExtractiveAnswerer("Padaria Grão Dourado")


def _recording_gateway(request: pytest.FixtureRequest) -> Any:
    from app.adapters.memory.gateway import RecordingGateway

    return RecordingGateway()


def _memory_blobs(request: pytest.FixtureRequest) -> Any:
    from app.adapters.memory.blobs import MemoryBlobStore

    return MemoryBlobStore()


def _memory_gap_log(request: pytest.FixtureRequest) -> Any:
    from app.adapters.memory.owner import MemoryGapLog

    return MemoryGapLog  # called with (retention_ms=…, max_kept=…)


def _memory_board(request: pytest.FixtureRequest) -> Any:
    from app.adapters.memory.owner import MemoryTeamBoard

    return MemoryTeamBoard()


def _memory_figures(request: pytest.FixtureRequest) -> Any:
    from app.adapters.memory.owner import MemoryFiguresStore

    return MemoryFiguresStore()


IMPLEMENTATIONS["gap_log_of"] = {"memory": _memory_gap_log}
IMPLEMENTATIONS["team_board"] = {"memory": _memory_board}
IMPLEMENTATIONS["figures"] = {"memory": _memory_figures}
IMPLEMENTATIONS["gateway"] = {"memory": _recording_gateway}
IMPLEMENTATIONS["blob_store"] = {"memory": _memory_blobs}
IMPLEMENTATIONS["knowledge"] = {"keyword": _keyword_kb}
IMPLEMENTATIONS["answerer"] = {"extractive": _extractive}

# Real adapters register in tests/contract/real_<technology>.py: FACTORIES = {port: {name: factory}}.
for _module in sorted(Path(__file__).parent.glob("real_*.py")):
    _factories = importlib.import_module(f"tests.contract.{_module.stem}").FACTORIES
    for _port, _by_name in _factories.items():
        IMPLEMENTATIONS.setdefault(_port, {}).update(_by_name)


def _port_fixture(port: str) -> Callable[..., Iterator[Any]]:
    @pytest.fixture(params=sorted(IMPLEMENTATIONS[port]))
    def fixture(request: pytest.FixtureRequest) -> Iterator[Any]:
        yield IMPLEMENTATIONS[port][request.param](request)

    return fixture


buffer = _port_fixture("buffer")
conversations = _port_fixture("conversations")
chat_state = _port_fixture("chat_state")
idempotency = _port_fixture("idempotency")
intake = _port_fixture("intake")
outbox = _port_fixture("outbox")
dead_letters = _port_fixture("dead_letters")
knowledge = _port_fixture("knowledge")
answerer = _port_fixture("answerer")
gateway = _port_fixture("gateway")
blob_store = _port_fixture("blob_store")
gap_log_of = _port_fixture("gap_log_of")
team_board = _port_fixture("team_board")
figures = _port_fixture("figures")
