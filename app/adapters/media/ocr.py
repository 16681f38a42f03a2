"""Text in pictures, through Debian's tesseract (with the Portuguese pack) via pytesseract."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from app.adapters.media.limits import Unreadable
from app.adapters.media.notes import TOO_BIG

if TYPE_CHECKING:
    from PIL.Image import Image


@contextmanager
def single_openmp_thread() -> Iterator[None]:
    """``OMP_THREAD_LIMIT=1`` for subprocesses started inside the block; an operator's value wins."""
    previous = os.environ.get("OMP_THREAD_LIMIT")
    os.environ["OMP_THREAD_LIMIT"] = previous or "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["OMP_THREAD_LIMIT"]


class TesseractOcr:
    """Runs the ``tesseract`` binary once per image, with ``OMP_THREAD_LIMIT=1``.

    tesseract's OpenMP threads make it slower on a 2-vCPU machine (6× in one trial, 1.2× in
    another). The variable is
    set only around the subprocess call (pytesseract hands ``os.environ`` to it), never left
    in this process: CTranslate2 (faster-whisper) in the same process, with
    ``OMP_THREAD_LIMIT=1`` and more than one thread, transcribes garbage ~30× slower.
    """

    def __init__(
        self, languages: str = "por", timeout_seconds: float = 30.0, max_pixels: int = 40_000_000
    ) -> None:
        self.languages = languages
        self.timeout_seconds = timeout_seconds
        self.max_pixels = max_pixels

    def image_text(self, image: Image) -> str:
        import pytesseract

        if image.width * image.height > self.max_pixels:
            raise Unreadable(f"image of {image.width}x{image.height} pixels is too large", TOO_BIG)
        if image.mode not in ("RGB", "L", "RGBA"):
            image = image.convert("RGB")
        with single_openmp_thread():
            text: str = pytesseract.image_to_string(image, lang=self.languages, timeout=self.timeout_seconds)
        return text.strip()

    def bytes_text(self, data: bytes) -> str:
        """OCR of an encoded picture (JPEG, PNG, WebP…), upright as the phone took it."""
        from PIL import Image as PILImage
        from PIL import ImageOps, UnidentifiedImageError

        try:
            with PILImage.open(io.BytesIO(data)) as opened:
                if opened.width * opened.height > self.max_pixels:
                    raise Unreadable(f"image of {opened.width}x{opened.height} pixels is too large", TOO_BIG)
                opened.load()
                image = ImageOps.exif_transpose(opened)
        except (UnidentifiedImageError, PILImage.DecompressionBombError) as error:
            raise Unreadable(f"not a readable image: {error}") from error
        except OSError as error:  # truncated or corrupt file
            raise Unreadable(f"broken image: {error}") from error
        return self.image_text(image)
