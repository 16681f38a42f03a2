"""Reading the business's documents into text, from a folder or from a blob-store prefix."""

from __future__ import annotations

import io
import logging
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from app.ports.blobs import BlobStore
from app.ports.knowledge_index import SourceDocument

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


def document_text(name: str, data: bytes) -> str | None:
    """The text of one file, or None for a kind ingest does not read."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix in TEXT_SUFFIXES:
            return data.decode("utf-8", errors="replace")
        if suffix in HTML_SUFFIXES:
            return html_text(data.decode("utf-8", errors="replace"))
        if suffix == ".pdf":
            return pdf_text(data)
    except Exception as error:  # one broken file must not stop the others
        log.warning("skipping %s: %s: %s", name, type(error).__name__, error)
        return None
    log.info("skipping %s: not Markdown, text, PDF or HTML", name)
    return None


class FolderSource:
    def __init__(self, folder: str | Path) -> None:
        self._folder = Path(folder)

    def documents(self) -> list[SourceDocument]:
        found = []
        for path in sorted(p for p in self._folder.rglob("*") if p.is_file()):
            text = document_text(path.name, path.read_bytes())
            if text:
                found.append(SourceDocument(str(path.relative_to(self._folder)), text))
        return found


class BlobSource:
    def __init__(self, blobs: BlobStore, prefix: str) -> None:
        self._blobs, self._prefix = blobs, prefix

    def documents(self) -> list[SourceDocument]:
        found = []
        for info in self._blobs.list(self._prefix):
            text = document_text(info.key, self._blobs.get(info.key))
            if text:
                found.append(SourceDocument(info.key[len(self._prefix) :], text))
        return found
