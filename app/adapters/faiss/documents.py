"""Reading the business's documents into text, from a folder or from a blob-store prefix."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from app.ports.blobs import BlobStore
from app.ports.knowledge_index import IngestProgress, SourceDocument, SourceRead, UnreadableFile

log = logging.getLogger("conversa.ingest")
TEXT_SUFFIXES = {".md", ".markdown", ".txt"}
HTML_SUFFIXES = {".html", ".htm"}


class _HTMLText(HTMLParser):
    """Visible text of an HTML page, headings kept as Markdown headings."""

    SKIP: ClassVar[frozenset[str]] = frozenset({"script", "style", "head", "nav", "footer"})
    HEADINGS: ClassVar[dict[str, str]] = {"h1": "# ", "h2": "## ", "h3": "### "}

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.HEADINGS:
            self.parts.append("\n\n" + self.HEADINGS[tag])
        elif tag in {"p", "li", "br", "div", "tr"}:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self.HEADINGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _HTMLText()
    parser.feed(html)
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line).strip()


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()


def read_text(name: str, data: bytes) -> tuple[str | None, str | None]:
    """(text, None) for a file ingest reads, (None, reason) when its text cannot be had, and
    (None, None) for a kind ingest does not read (an image, a spreadsheet…)."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            text = data.decode("utf-8", errors="replace")
        elif suffix in HTML_SUFFIXES:
            text = html_text(data.decode("utf-8", errors="replace"))
        elif suffix == ".pdf":
            text = pdf_text(data)
        else:
            return None, None
    except Exception as error:
        return None, f"{type(error).__name__}: {error}"
    if not text.strip():
        return None, "no text in it (a scanned PDF needs OCR first)" if suffix == ".pdf" else "empty"
    return text, None


class _Source:
    """Reads named files one by one; says how far it got and which files it could not read."""

    def _files(self) -> list[tuple[str, Callable[[], bytes]]]:
        raise NotImplementedError

    def read(self, progress: IngestProgress | None = None) -> SourceRead:
        files = self._files()
        if progress:
            progress.stage("reading documents", len(files))
        found, unreadable = [], []
        for name, load in files:
            try:
                text, error = read_text(name, load())
            except OSError as failure:  # a file that vanished or cannot be opened
                text, error = None, f"{type(failure).__name__}: {failure.strerror or failure}"
            if error:
                log.warning("cannot read %s: %s", name, error)
                unreadable.append(UnreadableFile(name, error))
            elif text is None:
                log.info("skipping %s: not Markdown, text, PDF or HTML", name)
            else:
                found.append(SourceDocument(name, text))
            if progress:
                progress.advance()
        return SourceRead(found, unreadable)

    def documents(self) -> list[SourceDocument]:
        """The readable documents; the others are skipped with a log line."""
        return self.read().documents


class FolderSource(_Source):
    def __init__(self, folder: str | Path) -> None:
        self._folder = Path(folder)

    def _files(self) -> list[tuple[str, Callable[[], bytes]]]:
        paths = sorted(p for p in self._folder.rglob("*") if p.is_file())
        return [(str(p.relative_to(self._folder)), p.read_bytes) for p in paths]


class BlobSource(_Source):
    def __init__(self, blobs: BlobStore, prefix: str) -> None:
        self._blobs, self._prefix = blobs, prefix

    def _files(self) -> list[tuple[str, Callable[[], bytes]]]:
        return [
            (info.key[len(self._prefix) :], partial(self._blobs.get, info.key))
            for info in self._blobs.list(self._prefix)
        ]
