"""Voice note → text, by the provider (Uazapi), an OpenAI-compatible API, or nobody.

The local engine (faster-whisper) lives in :mod:`app.adapters.media.whisper`.
"""

from __future__ import annotations

from typing import Protocol

from app.adapters.media.limits import Unreadable
from app.adapters.media.notes import AUDIO_FAILED
from app.domain.messages import MediaRef
from app.ports.messaging import DownloadedMedia

EXTENSIONS = {
    "ogg": ".ogg",
    "opus": ".ogg",
    "mpeg": ".mp3",
    "mp3": ".mp3",
    "mp4": ".m4a",
    "m4a": ".m4a",
    "aac": ".m4a",
    "wav": ".wav",
    "x-wav": ".wav",
    "webm": ".webm",
    "amr": ".amr",
    "flac": ".flac",
}


class Transcriber(Protocol):
    """``via_provider``: the reader downloads with ``transcribe=True`` and the provider transcribes."""

    via_provider: bool

    def transcribe(self, audio: DownloadedMedia, media: MediaRef) -> str: ...


class UazapiTranscriber:
    """Uazapi transcribes on download (``/message/download`` with ``transcribe``): no engine here."""

    via_provider = True

    def transcribe(self, audio: DownloadedMedia, media: MediaRef) -> str:
        return audio.transcription.strip()


def audio_file_name(media: MediaRef, mimetype: str) -> str:
    """A file name whose extension tells an OpenAI-style API the format (it refuses unknown ones)."""
    if media.file_name and "." in media.file_name:
        return media.file_name
    subtype = mimetype.split(";")[0].strip().rpartition("/")[2].lower()
    return f"audio{EXTENSIONS.get(subtype, '.ogg')}"


class OpenAITranscriber:
    """``POST {base_url}/audio/transcriptions`` (multipart), as OpenAI, Groq or a local server offer."""

    via_provider = False

    def __init__(
        self,
        base_url: str,
        api_key: str = "",
        model: str = "whisper-1",
        language: str = "pt",
        timeout_seconds: float = 60.0,
    ) -> None:
        self.url = base_url.rstrip("/") + "/audio/transcriptions"
        self.api_key = api_key
        self.model = model
        self.language = language
        self.timeout_seconds = timeout_seconds

    def transcribe(self, audio: DownloadedMedia, media: MediaRef) -> str:
        import httpx

        mimetype = audio.mimetype or media.mimetype or "audio/ogg"
        files = {"file": (audio_file_name(media, mimetype), audio.data, mimetype.split(";")[0])}
        form = {"model": self.model, "response_format": "json"}
        if self.language:
            form["language"] = self.language
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(
                self.url, data=form, files=files, headers=headers, timeout=self.timeout_seconds
            )
            response.raise_for_status()
            text = response.json().get("text", "")
        except httpx.HTTPStatusError as error:
            status = error.response.status_code
            raise Unreadable(f"transcription at {self.url} failed: HTTP {status}", AUDIO_FAILED) from error
        except (httpx.HTTPError, ValueError, AttributeError) as error:
            reason = f"transcription at {self.url} failed: {type(error).__name__}: {error}"
            raise Unreadable(reason, AUDIO_FAILED) from error
        return text.strip() if isinstance(text, str) else ""
