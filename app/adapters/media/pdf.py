"""Text of a PDF with pypdf; pages without a text layer (scans) go through OCR one by one."""

from __future__ import annotations

import io
import logging
from typing import TYPE_CHECKING

from app.adapters.media.limits import MediaLimits, Unreadable
from app.adapters.media.notes import DOCUMENT_LOCKED, DOCUMENT_TOO_LONG
from app.adapters.media.ocr import TesseractOcr

if TYPE_CHECKING:
    from pypdf import PageObject

log = logging.getLogger("conversa.media.pdf")


def pdf_text(data: bytes, limits: MediaLimits, ocr: TesseractOcr) -> str:
    """The PDF's text, page by page, stopping once ``limits.max_chars`` is reached.

    Only ``limits.max_ocr_pages`` scanned pages are OCR'd (about 0.2–0.8 s each); later
    scanned pages are counted and named in a marker rather than silently dropped.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("PDF is password-protected", DOCUMENT_LOCKED)
        pages = list(reader.pages)
    except PdfReadError as error:
        raise Unreadable(f"not a readable PDF: {error}") from error
    if len(pages) > limits.max_pdf_pages:
        raise Unreadable(f"PDF has {len(pages)} pages, limit {limits.max_pdf_pages}", DOCUMENT_TOO_LONG)
    texts: list[str] = []
    scanned = skipped = length = 0
    for number, page in enumerate(pages, 1):
        if length > limits.max_chars:
            break
        text = (page.extract_text() or "").strip()
        if not text:
            if scanned >= limits.max_ocr_pages:
                skipped += 1
                continue
            scanned += 1
            text = _ocr_page(page, ocr, number)
        if text:
            texts.append(text)
            length += len(text)
    if skipped:
        texts.append(f"[… {skipped} página(s) digitalizada(s) não lida(s)]")
    log.info("PDF: %d pages, %d read by OCR, %d scanned pages skipped", len(pages), scanned, skipped)
    return "\n\n".join(texts)


def _ocr_page(page: PageObject, ocr: TesseractOcr, number: int) -> str:
    """OCR of every picture on a page; a picture that cannot be decoded is skipped and logged."""
    texts: list[str] = []
    for picture in page.images:
        try:
            if picture.image is not None:
                texts.append(ocr.image_text(picture.image))
        except Unreadable:
            raise
        except Exception as error:
            log.warning(
                "page %d: picture %s not OCR'd: %s: %s", number, picture.name, type(error).__name__, error
            )
    return "\n".join(t for t in texts if t)
