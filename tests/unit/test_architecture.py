"""The house is one-way: entrypoints → container → adapters → domain → ports.

Read from the source (``ast``), so a new import against the grain fails here before review.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
# What each layer must not import (app.<layer>, or a third-party package).
FORBIDDEN = {
    "domain": {"adapters", "entrypoints", "container", "settings"},
    "ports": {"adapters", "entrypoints", "container", "settings"},
    "adapters": {"entrypoints", "container", "settings"},
    "entrypoints": {"adapters"},
}
PURE = ("domain", "ports")  # no I/O or heavy library either
THIRD_PARTY_IN_PURE = {"redis", "httpx", "minio", "langchain", "langchain_text_splitters", "faiss", "numpy"}
# The simulator replaces the gateway and the clock by the terminal's: its own fakes, on purpose.
ALLOWED = {
    ("entrypoints/simulate.py", "app.adapters.memory.clock"),
    ("entrypoints/simulator/engine.py", "app.adapters.memory.gateway"),
}


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def violations() -> list[str]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        where = path.relative_to(APP)
        layer = where.parts[0] if len(where.parts) > 1 else where.stem
        for module in sorted(imports(path)):
            parts = module.split(".")
            if parts[0] == "app" and len(parts) > 1 and parts[1] in FORBIDDEN.get(layer, set()):
                if (where.as_posix(), module) not in ALLOWED:
                    found.append(f"{where} imports {module}")
            elif layer in PURE and parts[0] in THIRD_PARTY_IN_PURE:
                found.append(f"{where} imports {module}")
    return found


def test_every_import_goes_with_the_grain() -> None:
    assert violations() == []


def test_the_check_sees_an_import_against_the_grain(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from app.adapters.redis.buffer import RedisMessageBuffer\nimport numpy as np\n")
    assert imports(bad) == {"app.adapters.redis.buffer", "numpy"}
