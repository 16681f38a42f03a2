"""The README tells the truth about the settings and the scenarios."""

from __future__ import annotations

from pathlib import Path

from app.settings import Settings

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    missing = [name for name in Settings.model_fields if f"`CONVERSA_{name.upper()}`" not in README]
    assert missing == []


def test_every_example_scenario_is_documented() -> None:
    scenarios = sorted(p.name for p in (ROOT / "app" / "examples" / "scenarios").glob("*.yaml"))
    assert scenarios and all(f"`{name}`" in README for name in scenarios)


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
