"""Builds the chat-model answerer from the settings (``CONVERSA_ANSWERER=openai``)."""

from __future__ import annotations

from app.adapters.llm.openai_chat import OpenAIChatAnswerer
from app.settings import Settings


def build_answerer(settings: Settings, business_name: str) -> OpenAIChatAnswerer:
    return OpenAIChatAnswerer(
        base_url=settings.openai_base_url,
        model=settings.openai_model,
        api_key=settings.openai_api_key.get_secret_value(),
        business_name=business_name,
        timeout_seconds=settings.openai_timeout_seconds,
        max_retries=settings.openai_max_retries,
        temperature=settings.openai_temperature,
        max_tokens=settings.openai_max_tokens,
        max_history_turns=settings.openai_history_turns,
    )
