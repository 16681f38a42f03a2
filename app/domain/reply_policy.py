"""How an answer is said on WhatsApp: formatting, message sizes and typing rhythm.

A language model writes Markdown and long paragraphs; people on WhatsApp write short
bubbles with ``*bold*``. :class:`ReplyPolicy` turns one answer into a :class:`ReplyPlan`:
WhatsApp formatting, parts split at paragraph, then line, then sentence, then word
boundaries (never inside a word, a number, a URL or a formatting span), a typing delay per
part proportional to its length, and a cap on the number of parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>()]+(?:\([^\s<>()]*\)[^\s<>()]*)*", re.IGNORECASE)
SPAN_RE = re.compile(r"```.*?```|`[^`\n]+`|\*[^*\n]+\*|_[^_\n]+_|~[^~\n]+~", re.DOTALL)
SEPARATORS = (
    re.compile(r"\n[ \t]*\n\s*"),  # paragraphs
    re.compile(r"\n\s*"),  # lines (list items)
    re.compile(r"(?<=[.!?…;:])\s+"),  # sentences
    re.compile(r"\s+"),  # words
)

_LINK_RE = re.compile(r"!?\[([^\]\n]*)\]\(([^)\s]+)\)")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)(?:\s+#+)?\s*$")
_BULLET_RE = re.compile(r"^(\s*)[*+]\s+")
_RULE_RE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_BOLD_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC_RE = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
_STRIKE_RE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_BOLD_MARK = "\x00"
_KEEP_RE = re.compile(r"`[^`\n]+`|" + URL_RE.pattern, re.IGNORECASE)  # never reformatted


def _link(match: re.Match[str]) -> str:
    label, url = match.group(1).strip(), match.group(2)
    return url if not label or label == url else f"{label} ({url})"


def _inline(line: str) -> str:
    """Bold, italics and strike-through, leaving URLs and inline code exactly as they are."""
    kept: list[str] = []

    def keep(match: re.Match[str]) -> str:
        kept.append(match.group(0))
        return f"\x01{len(kept) - 1}\x01"

    line = _KEEP_RE.sub(keep, line)
    line = _BOLD_RE.sub(lambda m: _BOLD_MARK + (m.group(1) or m.group(2)) + _BOLD_MARK, line)
    line = _ITALIC_RE.sub(r"_\1_", line)
    line = _STRIKE_RE.sub(r"~\1~", line)
    return re.sub("\x01(\\d+)\x01", lambda m: kept[int(m.group(1))], line)


def markdown_to_whatsapp(text: str) -> str:
    """Convert the Markdown a model writes into WhatsApp's own formatting.

    Code fences are copied untouched; outside them, runs of blank lines become one.
    """
    lines: list[str] = []
    in_code = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip().startswith("```"):
            in_code = not in_code
            lines.append(line.strip())
            continue
        if in_code:
            lines.append(line)
            continue
        if _RULE_RE.match(line) or (not line.strip() and lines and not lines[-1].strip()):
            continue
        heading = _HEADING_RE.match(line)
        if heading:
            title = heading.group(1).replace("**", "").replace("__", "").strip()
            line = f"{_BOLD_MARK}{title}{_BOLD_MARK}"
        line = _BULLET_RE.sub(r"\1- ", line)
        line = _inline(_LINK_RE.sub(_link, line))
        lines.append("" if not line.strip() else line.replace(_BOLD_MARK, "*"))
    return "\n".join(lines).strip()


def _protected(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` that must never be cut: URLs and formatting spans."""
    spans = [m.span() for m in URL_RE.finditer(text)]
    spans += [m.span() for m in SPAN_RE.finditer(text)]
    return spans


def _cut_points(text: str, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    """Separator matches that do not fall inside a protected span."""
    protected = _protected(text)
    points = []
    for m in separator.finditer(text):
        if m.start() == 0 or m.end() == len(text):
            continue
        if any(start < m.start() < end or start < m.end() < end for start, end in protected):
            continue
        points.append(m.span())
    return points


def _pieces(text: str, separator: re.Pattern[str]) -> list[str]:
    """Split ``text`` at safe separator matches; each piece keeps its trailing separator."""
    pieces, start = [], 0
    for _, end in _cut_points(text, separator):
        pieces.append(text[start:end])
        start = end
    pieces.append(text[start:])
    return pieces


def split_message(text: str, limit: int, level: int = 0) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters at the coarsest safe boundary.

    A single unit that cannot be cut (a URL or formatting span longer than ``limit``)
    stays whole rather than broken.
    """
    text = text.strip()
    if not text:
        return []
    if len(text) <= limit or level >= len(SEPARATORS):
        return [text]
    parts: list[str] = []
    current = ""
    for piece in _pieces(text, SEPARATORS[level]):
        if len((current + piece).strip()) <= limit:
            current += piece
            continue
        if current.strip():
            parts.append(current.strip())
        if len(piece.strip()) > limit:
            parts.extend(split_message(piece, limit, level + 1))
            current = ""
        else:
            current = piece
    if current.strip():
        parts.append(current.strip())
    return parts


def pack(parts: list[str], limit: int) -> list[str]:
    """Join neighbouring parts (as paragraphs) while they fit, to need fewer messages."""
    packed: list[str] = []
    for part in parts:
        if packed and len(packed[-1]) + 2 + len(part) <= limit:
            packed[-1] = f"{packed[-1]}\n\n{part}"
        else:
            packed.append(part)
    return packed


@dataclass(frozen=True, slots=True)
class ReplyPart:
    text: str
    typing_ms: int


@dataclass(frozen=True, slots=True)
class ReplyPlan:
    parts: tuple[ReplyPart, ...]
    truncated: bool = False

    @property
    def texts(self) -> list[str]:
        return [p.text for p in self.parts]


@dataclass(frozen=True, slots=True)
class ReplyPolicy:
    """Limits of one reply. Lengths in characters, times in milliseconds."""

    max_chars: int = 700
    max_parts: int = 5
    typing_ms_per_char: int = 30
    typing_min_ms: int = 800
    typing_max_ms: int = 4_000
    # How long the "typing…" shown while an answer is composed lasts at most (the first part
    # ends it sooner): a run that fails while composing leaves no indicator up for long.
    thinking_ms: int = 15_000

    def typing_ms(self, text: str) -> int:
        return max(self.typing_min_ms, min(self.typing_max_ms, len(text) * self.typing_ms_per_char))

    def parts(self, answer: str) -> tuple[list[str], bool]:
        """Paragraphs become separate bubbles; they are packed together only when too many."""
        parts: list[str] = []
        for paragraph in _pieces(answer.strip(), SEPARATORS[0]):
            parts.extend(split_message(paragraph, self.max_chars, level=1))
        if len(parts) > self.max_parts:
            parts = pack(parts, self.max_chars)
        truncated = len(parts) > self.max_parts
        return parts[: self.max_parts], truncated

    def plan(self, answer: str) -> ReplyPlan:
        texts, truncated = self.parts(markdown_to_whatsapp(answer))
        return ReplyPlan(tuple(ReplyPart(t, self.typing_ms(t)) for t in texts), truncated)
