"""Shared fixtures. Each module of tests/servers/ starts one real server for the tests
(Redis, an S3 server, a fake Uazapi, a fake OpenAI-compatible endpoint) as a plain process
on 127.0.0.1; they are loaded here as pytest plugins."""

from pathlib import Path

SERVERS = Path(__file__).parent / "servers"
pytest_plugins = [f"tests.servers.{p.stem}" for p in sorted(SERVERS.glob("*.py")) if p.stem != "__init__"]
