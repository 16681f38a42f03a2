"""``conversa gaps``: what the bot could not answer, grouped; and the owner's weekly report.

Listing groups the declined questions of a period (by meaning when an embedder is given, else
by words). Sending builds the report of one whole week (Monday to Sunday on the business's
calendar), writes it whole as Markdown to the bucket (``reports/<week>.md``) and sends the team
chat a short summary — once per week: the summary is kept in the outbox under the week and
tagged with a tracking id derived from it, so a re-run finds it sent (or asks the provider
about an attempt whose outcome is unknown) instead of sending it again, and a week reported
is remembered a year.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from app.domain.gaps import (
    Gap,
    WeeklyReport,
    group_by_meaning,
    group_by_words,
    meaning_threshold,
    opaque,
    previous_week,
    week_start,
)
from app.domain.messages import chat_key
from app.domain.schedule import BusinessHours
from app.ports.outbox import PendingReply

if TYPE_CHECKING:
    from app.ports.blobs import BlobStore
    from app.ports.clock import Clock
    from app.ports.embeddings import Embedder
    from app.ports.figures import FiguresStore
    from app.ports.gaps import GapLog
    from app.ports.idempotency import IdempotencyGuard
    from app.ports.messaging import MessagingGateway
    from app.ports.outbox import ReplyOutbox

REPORTED_KEPT_MS = 400 * 86_400_000


class NoTeamChat(ValueError):
    """``--send`` with no team chat configured: there is nobody to send the report to."""


@dataclass(frozen=True, slots=True)
class SendResult:
    status: str  # sent | already_sent
    week: str
    report_key: str
    summary: str
    gaps: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "week": self.week,
            "report_key": self.report_key,
            "summary": self.summary,
            "gaps": self.gaps,
            "figures": self.figures,
        }


@dataclass
class KnowledgeGaps:
    log: GapLog
    figures: FiguresStore
    clock: Clock
    hours: BusinessHours = field(default_factory=BusinessHours)
    embedder: Embedder | None = None
    business: str = "nossa loja"
    team_jid: str = ""
    instance: str = ""
    gateway: MessagingGateway | None = None
    outbox: ReplyOutbox | None = None
    idempotency: IdempotencyGuard | None = None
    blobs: BlobStore | None = None
    reports_prefix: str = "reports/"

    @property
    def grouping(self) -> str:
        return "meaning" if self.embedder is not None else "words"

    def gaps(self, since_ms: int, until_ms: int | None = None) -> list[Gap]:
        """The questions declined from ``since_ms`` (to ``until_ms``), grouped, most asked first."""
        entries = [e for e in self.log.since(since_ms) if until_ms is None or e.at_ms < until_ms]
        if self.embedder is None or not entries:
            return group_by_words(entries)
        vectors = [list(map(float, self.embedder.embed_query(e.question).tolist())) for e in entries]
        return group_by_meaning(entries, vectors, meaning_threshold(self.embedder.name))

    def week_report(self, week: str | None = None) -> WeeklyReport:
        """The report of ``week`` (``2026-W49``); by default the last whole week."""
        label = week or previous_week(self.hours.local(self.clock.now_ms()).date())
        monday = week_start(label)
        start = datetime.combine(monday, time(), tzinfo=self.hours.local(0).tzinfo)
        since = int(start.timestamp() * 1000)
        until = int((start + timedelta(days=7)).timestamp() * 1000)
        return WeeklyReport(
            self.business, label, monday, tuple(self.gaps(since, until)), self.figures.week(label)
        )

    def send(self, week: str | None = None) -> SendResult:
        """Write the week's report to the bucket and send its summary to the team chat, once."""
        if not self.team_jid or self.gateway is None or self.outbox is None or self.idempotency is None:
            raise NoTeamChat("no team chat to send the report to: set CONVERSA_TEAM_CHAT")
        report = self.week_report(week)
        key = f"{self.reports_prefix}{report.week}.md"
        if self.blobs is not None:
            self.blobs.put(key, report.markdown().encode("utf-8"), "text/markdown; charset=utf-8")
        done = f"report:{report.week}"
        now = self.clock.now_ms()
        status = "already_sent" if self.idempotency.seen(done, now) else self._deliver(report)
        self.idempotency.claim(done, now, REPORTED_KEPT_MS)
        figures = report.figures
        return SendResult(
            status,
            report.week,
            key if self.blobs is not None else "",
            self._sent_summary(report),
            [g.to_dict() for g in report.gaps],
            {
                "conversations": figures.conversations,
                "answered": figures.answered,
                "handed_off": figures.handed_off,
                "median_first_reply_ms": figures.median_first_reply_ms,
            },
        )

    def _sent_summary(self, report: WeeklyReport) -> str:
        assert self.outbox is not None
        pending = self.outbox.get(self._outbox_key(report.week))
        return pending.parts[0] if pending else report.summary()

    def _outbox_key(self, week: str) -> str:
        return f"report#{week}"

    def _deliver(self, report: WeeklyReport) -> str:
        assert self.outbox is not None and self.gateway is not None
        key, batch = self._outbox_key(report.week), f"report:{report.week}"
        track = f"{opaque(batch)}-report"
        team_chat = chat_key(self.instance, self.team_jid) if self.instance else self.team_jid
        pending = self.outbox.get(key)
        if pending is None or pending.batch_key != batch:
            pending = PendingReply(batch, (report.summary(),), (0,))
            self.outbox.put(key, pending)
        if pending.sent >= 1:
            return "already_sent"
        if pending.attempted >= 1 and self.gateway.find_sent(team_chat, track):
            self.outbox.mark_sent(key, batch, 1)
            return "already_sent"
        self.outbox.mark_attempted(key, batch, 1)
        self.gateway.send_text(team_chat, pending.parts[0], track_id=track)
        self.outbox.mark_sent(key, batch, 1)
        return "sent"
