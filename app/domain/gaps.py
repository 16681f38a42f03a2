"""What the bot could not answer, grouped, and the owner's weekly report.

Declined questions are grouped when they ask the same thing: by meaning (cosine of their
embeddings, with FAISS) or by words (the share of the search terms they have in common,
with the keyword backend). Groups come most asked first, each with its count and one
example. The report is short for WhatsApp (the top questions and the week's figures) and
whole in Markdown (written to the bucket).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from app.domain.text import terms
from app.ports.figures import WeekFigures
from app.ports.gaps import DeclinedQuestion

WORDS_THRESHOLD = 0.5  # share of terms in common for two questions to be the same
# Cosine of two question embeddings for them to be the same, per embedding model. Measured on
# pairs of short Portuguese questions: e5 puts unrelated questions at 0.81-0.87 and rewordings
# of one question at 0.89-0.94; USE at 0.16-0.41 and 0.67-0.81.
MEANING_THRESHOLDS = {"multilingual-e5": 0.885, "universal-sentence-encoder": 0.6}
MEANING_THRESHOLD = 0.885
QUESTION_MAX_CHARS = 300
TOP_IN_SUMMARY = 5


def opaque(value: str) -> str:
    """A short one-way id for a chat or a batch: the figures keep no phone number."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def week_label(day: date) -> str:
    """ISO week: ``2026-W49``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(label: str) -> date:
    """The Monday of ISO week ``2026-W49``; raises ValueError on anything else."""
    try:
        year, week = label.split("-W")
        return date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"{label!r} is not an ISO week like 2026-W49") from None


def previous_week(today: date) -> str:
    """The last whole week before ``today``: on a Monday, the week that just ended."""
    return week_label(today - timedelta(days=today.isoweekday()))


@dataclass(frozen=True, slots=True)
class Gap:
    """Questions that ask the same thing: how many, an example, when last, the best score seen."""

    count: int
    example: str
    questions: tuple[str, ...]
    last_at_ms: int
    best_score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "example": self.example,
            "questions": list(self.questions),
            "last_at_ms": self.last_at_ms,
            "best_score": round(self.best_score, 3),
        }


def words_similarity(a: str, b: str) -> float:
    """Share of search terms in common (over the shorter question's), 0 when either has none."""
    ta, tb = set(terms(a)), set(terms(b))
    if not ta or not tb:
        return 1.0 if not ta and not tb and a.strip().lower() == b.strip().lower() else 0.0
    return len(ta & tb) / min(len(ta), len(tb))


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    na = sum(x * x for x in a) ** 0.5
    nb = sum(y * y for y in b) ** 0.5
    return dot / (na * nb) if na and nb else 0.0


def group(
    questions: Sequence[DeclinedQuestion], same: Callable[[int, int], float], threshold: float
) -> list[Gap]:
    """Greedy grouping: each question joins the first group whose first question it matches
    (``same(i, j) >= threshold``), else starts one. Most asked first, then most recent."""
    leaders: list[int] = []
    members: list[list[int]] = []
    for index in range(len(questions)):
        for place, leader in enumerate(leaders):
            if same(index, leader) >= threshold:
                members[place].append(index)
                break
        else:
            leaders.append(index)
            members.append([index])
    gaps = []
    for indexes in members:
        texts = [questions[i].question for i in indexes]
        example = max(set(texts), key=lambda t: (texts.count(t), -texts.index(t)))
        gaps.append(
            Gap(
                len(indexes),
                example,
                tuple(dict.fromkeys(texts)),
                max(questions[i].at_ms for i in indexes),
                max(questions[i].best_score for i in indexes),
            )
        )
    return sorted(gaps, key=lambda g: (-g.count, -g.last_at_ms))


def group_by_words(questions: Sequence[DeclinedQuestion], threshold: float = WORDS_THRESHOLD) -> list[Gap]:
    return group(
        questions, lambda i, j: words_similarity(questions[i].question, questions[j].question), threshold
    )


def meaning_threshold(model: str) -> float:
    """The cosine at which ``model``'s embeddings of two questions ask the same thing."""
    found = (t for prefix, t in MEANING_THRESHOLDS.items() if model.startswith(prefix))
    return next(found, MEANING_THRESHOLD)


def group_by_meaning(
    questions: Sequence[DeclinedQuestion],
    vectors: Sequence[Sequence[float]],
    threshold: float = MEANING_THRESHOLD,
) -> list[Gap]:
    """Same meaning (cosine at or above ``threshold``), or, failing that, the same words: a
    model that puts "pizza?" a little far from "tem pizza de calabresa?" still groups them."""
    texts = [q.question for q in questions]

    def same(i: int, j: int) -> float:
        if cosine(vectors[i], vectors[j]) >= threshold:
            return 1.0
        return 1.0 if words_similarity(texts[i], texts[j]) >= WORDS_THRESHOLD else 0.0

    return group(questions, same, 1.0)


def _seconds(ms: int | None) -> str:
    if ms is None:
        return "—"
    seconds = ms / 1000
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


@dataclass(frozen=True, slots=True)
class WeeklyReport:
    business: str
    week: str
    start: date
    gaps: tuple[Gap, ...]
    figures: WeekFigures

    @property
    def period(self) -> str:
        end = self.start + timedelta(days=6)
        return f"{self.start:%d/%m} a {end:%d/%m/%Y}"

    def summary(self) -> str:
        """The WhatsApp message to the team chat: short, Portuguese."""
        f = self.figures
        lines = [
            f"📊 *Relatório da semana* ({self.period}) — {self.business}",
            f"Conversas: {f.conversations} · respondidas pelo bot: {f.answered} · "
            f"passadas para a equipe: {f.handed_off}",
            f"Tempo mediano até a primeira resposta: {_seconds(f.median_first_reply_ms)}",
        ]
        declined = sum(g.count for g in self.gaps)
        if not self.gaps:
            lines.append("O bot respondeu todas as perguntas da semana. 🎉")
        else:
            lines.append(f"Perguntas que o bot não soube responder ({declined}):")
            for number, gap in enumerate(self.gaps[:TOP_IN_SUMMARY], start=1):
                lines.append(f'{number}. "{gap.example}" — {gap.count}×')
            lines.append("Acrescente essas respostas à base de conhecimento para o bot aprender.")
        return "\n".join(lines)

    def markdown(self) -> str:
        """The whole report, for the bucket (``reports/<week>.md``)."""
        f = self.figures
        out = [
            f"# Relatório da semana {self.week} ({self.period}) — {self.business}",
            "",
            "| Conversas | Respondidas pelo bot | Passadas para a equipe | Mediana até a 1ª resposta |",
            "|---|---|---|---|",
            f"| {f.conversations} | {f.answered} | {f.handed_off} | {_seconds(f.median_first_reply_ms)} |",
            "",
            "## Perguntas que o bot não soube responder",
            "",
        ]
        if not self.gaps:
            out.append("Nenhuma.")
        for number, gap in enumerate(self.gaps, start=1):
            out.append(f"{number}. **{gap.example}** — {gap.count}× (melhor nota {gap.best_score:.2f})")
            out.extend(f"   - {q}" for q in gap.questions if q != gap.example)
        return "\n".join(out) + "\n"
