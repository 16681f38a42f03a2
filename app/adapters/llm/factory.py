"""Builds the chat-model answerer from the settings (``CONVERSA_ANSWERER=openai``).

Settings are read with defaults (``getattr``) so this works before the fields exist in
:class:`app.settings.Settings`; every name below is a ``CONVERSA_*`` variable.
"""

from __future__ import annotations

from typing import Any

from app.adapters.llm.openai_chat import OpenAIChatAnswerer


def secret(value: Any) -> str:
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if reveal else value or "")


def build_answerer(settings: Any) -> OpenAIChatAnswerer:
    temperature = getattr(settings, "openai_temperature", 0.2)
    return OpenAIChatAnswerer(
        base_url=str(getattr(settings, "openai_base_url", "https://api.openai.com/v1")),
        model=str(getattr(settings, "openai_model", "gpt-4o-mini")),
        api_key=secret(getattr(settings, "openai_api_key", "")),
        business_name=str(getattr(settings, "business_name", "nossa loja")),
        timeout_seconds=float(getattr(settings, "openai_timeout_seconds", 30.0)),
        max_retries=int(getattr(settings, "openai_max_retries", 1)),
        temperature=None if temperature is None else float(temperature),
        max_tokens=int(getattr(settings, "openai_max_tokens", 800)),
        max_history_turns=int(getattr(settings, "openai_history_turns", 12)),
    )
