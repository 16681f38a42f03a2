"""Media made on the spot for the media tests: rendered text, PDFs, a spoken English clip.

A missing tool fails the test with the package to install (CI installs them): a skipped
OCR or speech test would prove nothing.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def png_with_text(lines: list[str], size: tuple[int, int] = (900, 260)) -> bytes:
    """White PNG with black text; DejaVu has the accents (Pillow's default font has none)."""
    from PIL import Image, ImageDraw, ImageFont

    assert FONT.is_file(), "fonts-dejavu-core is not installed (apt-get install fonts-dejavu-core)"
    font = ImageFont.truetype(str(FONT), 36)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((30, 30 + row * 70), line, fill="black", font=font)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def blank_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 200), "white").save(out, "PNG")
    return out.getvalue()


def text_pdf(pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def scanned_pdf(images: list[bytes]) -> bytes:
    """One picture per page and no text layer, as a phone scanner app makes."""
    from fpdf import FPDF

    pdf = FPDF()
    for image in images:
        pdf.add_page()
        pdf.image(io.BytesIO(image), x=10, y=10, w=190)
    return bytes(pdf.output())


def spoken_wav(text: str, tmp_path: Path) -> bytes:
    binary = shutil.which("espeak-ng")
    assert binary, "espeak-ng is not installed (apt-get install espeak-ng)"
    target = tmp_path / "speech.wav"
    subprocess.run([binary, "-v", "en", "-s", "140", "-w", str(target), text], check=True)
    return target.read_bytes()


def ogg_opus(wav: bytes) -> bytes:
    """The clip as WhatsApp sends voice notes (Ogg/Opus, mono, 24 kbit/s), encoded with PyAV.

    PyAV comes with faster-whisper and carries libopus, so no ffmpeg binary is needed.
    """
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(wav), "r") as source, av.open(out, "w", format="ogg") as target:
        stream = target.add_stream("libopus", rate=48_000)
        stream.bit_rate = 24_000
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
        for frame in source.decode(audio=0):
            for resampled in resampler.resample(frame):
                target.mux(stream.encode(resampled))
        for resampled in resampler.resample(None):
            target.mux(stream.encode(resampled))
        target.mux(stream.encode(None))
    return out.getvalue()
