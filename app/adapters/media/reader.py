"""Implements :class:`app.ports.media.MediaReader` by reading the media itself.

A photo is OCR'd, a PDF's text is extracted (scanned pages OCR'd), a voice note goes to the
configured transcriber. Whatever goes wrong — a file too big, an expired download, a
corrupt PDF, a transcription server down — the customer gets a polite note instead of a
crash, and the reason is logged: ``receive`` must always buffer the message.
"""

from __future__ import annotations

import logging
import time

from app.adapters.media.limits import MediaLimits, Unreadable, check_size, truncate
from app.adapters.media.notes import (
    AUDIO_TOO_LONG,
    AUDIO_UNCLEAR,
    CANNOT_READ,
    DOCUMENT_TOO_LONG,
    DOCUMENT_UNSUPPORTED,
    TOO_BIG,
    cannot_read,
    failed,
)
from app.adapters.media.ocr import TesseractOcr
from app.adapters.media.pdf import pdf_text
from app.adapters.media.transcribers import Transcriber
from app.adapters.media_offline import CaptionOnlyMediaReader, labelled
from app.domain.messages import InboundMessage, MediaRef, MessageKind
from app.ports.media import Extraction
from app.ports.messaging import MessagingGateway

log = logging.getLogger("conversa.media")

# How the extracted text is introduced to the answerer, after the customer's own caption.
HEADINGS = {
    MessageKind.AUDIO: "[áudio transcrito]",
    MessageKind.IMAGE: "[texto na imagem]",
    MessageKind.DOCUMENT: "[conteúdo do documento]",
}
TEXT_TYPES = ("text/", "application/json", "application/csv")
TEXT_SUFFIXES = (".txt", ".csv", ".md", ".json")


class LocalMediaReader:
    def __init__(
        self,
        gateway: MessagingGateway,
        transcriber: Transcriber | None = None,
        ocr: TesseractOcr | None = None,
        limits: MediaLimits | None = None,
    ) -> None:
        self.gateway = gateway
        self.transcriber = transcriber
        self.limits = limits or MediaLimits()
        self.ocr = ocr or TesseractOcr(max_pixels=self.limits.max_image_pixels)
        self.fallback = CaptionOnlyMediaReader()

    def read(self, message: InboundMessage) -> Extraction:
        media, kind = message.media, message.kind
        if media is None or kind not in HEADINGS:
            return self.fallback.read(message)
        caption = labelled(message, message.text.strip())
        started = time.perf_counter()
        try:
            content = self._content(kind, media).strip()
        except Unreadable as why:
            log.warning("%s %s not read: %s", kind.value, message.message_id, why.reason)
            return Extraction(caption, why.note or cannot_read(kind))
        except Exception as error:  # any engine or download failure: a note, never a crash
            reason = " ".join(str(error).split())[:300]
            log.warning(
                "%s %s not read: %s: %s", kind.value, message.message_id, type(error).__name__, reason
            )
            return Extraction(caption, failed(kind))
        log.info(
            "%s %s read: %d characters in %.0f ms",
            kind.value,
            message.message_id,
            len(content),
            (time.perf_counter() - started) * 1000,
        )
        if not content:
            if caption:  # a photo with a question and no text in it is fine as it is
                return Extraction(caption)
            return Extraction("", AUDIO_UNCLEAR if kind is MessageKind.AUDIO else cannot_read(kind))
        block = f"{HEADINGS[kind]} {truncate(content, self.limits.max_chars)}"
        return Extraction(f"{caption}\n{block}" if caption else block)

    def _content(self, kind: MessageKind, media: MediaRef) -> str:
        if kind is MessageKind.AUDIO:
            return self._transcribe(media)
        check_size(media.size_bytes, self.limits, TOO_BIG)
        if media.page_count > self.limits.max_pdf_pages:
            raise Unreadable(f"{media.page_count} pages announced", DOCUMENT_TOO_LONG)
        downloaded = self.gateway.download_media(media)
        data = downloaded.data
        check_size(len(data), self.limits, TOO_BIG)
        if not data:
            raise Unreadable("the download is empty")
        mimetype = (downloaded.mimetype or media.mimetype).split(";")[0].strip().lower()
        name = media.file_name.lower()
        if kind is MessageKind.IMAGE or mimetype.startswith("image/"):
            return self.ocr.bytes_text(data)
        if data.lstrip()[:5] == b"%PDF-" or mimetype == "application/pdf" or name.endswith(".pdf"):
            return pdf_text(data, self.limits, self.ocr)
        if mimetype.startswith(TEXT_TYPES) or name.endswith(TEXT_SUFFIXES):
            return data[: self.limits.max_chars * 4].decode("utf-8", errors="replace")
        raise Unreadable(f"unsupported document type {mimetype or name or '?'}", DOCUMENT_UNSUPPORTED)

    def _transcribe(self, media: MediaRef) -> str:
        if self.transcriber is None:
            raise Unreadable("no transcriber is configured", CANNOT_READ[MessageKind.AUDIO])
        if media.seconds > self.limits.max_audio_seconds:
            raise Unreadable(f"{media.seconds} s announced", AUDIO_TOO_LONG)
        check_size(media.size_bytes, self.limits, TOO_BIG)
        downloaded = self.gateway.download_media(media, transcribe=self.transcriber.via_provider)
        if not self.transcriber.via_provider:
            check_size(len(downloaded.data), self.limits, TOO_BIG)
            if not downloaded.data:
                raise Unreadable("the download is empty")
        return self.transcriber.transcribe(downloaded, media)
