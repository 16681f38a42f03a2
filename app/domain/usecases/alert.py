"""Tell the operator that a Kestra execution of Conversa failed, without flooding their phone.

alert-on-failure runs this for every FAILED execution in the namespace. A flood of forged
webhooks is a flood of FAILED executions: the operator gets one message per flow per quiet
period (an hour by default), and Kestra's own log line for each of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from app.domain.messages import PHONE_SUFFIX

if TYPE_CHECKING:
    from app.ports.clock import Clock
    from app.ports.idempotency import IdempotencyGuard
    from app.ports.messaging import MessagingGateway


@dataclass(frozen=True, slots=True)
class AlertResult:
    status: str  # sent | throttled | skipped
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def operator_chat(setting: str) -> str:
    """A number (``5541…``, ``+55 41 …``) or a JID, with an optional ``instance/`` prefix, as a chat key."""
    instance, slash, who = setting.strip().rpartition("/")
    digits = "".join(c for c in who if c.isdigit())
    if "@" not in who and digits:
        who = digits + PHONE_SUFFIX
    return f"{instance}{slash}{who}"


@dataclass
class AlertOperator:
    gateway: MessagingGateway
    idempotency: IdempotencyGuard
    clock: Clock
    chat: str = ""  # the operator's chat key; empty: log only
    quiet_ms: int = 3_600_000

    def __call__(self, flow: str, execution: str) -> AlertResult:
        if not self.chat:
            return AlertResult("skipped", "no operator chat configured (CONVERSA_ALERT_CHAT)")
        # Claimed before sending: two failures at once send one message; a send that fails
        # leaves the flow quiet until the period ends (Kestra's log still has every failure).
        if not self.idempotency.claim(f"alert:{flow}", self.clock.now_ms(), self.quiet_ms):
            return AlertResult(
                "throttled", f"{flow} was reported less than {self.quiet_ms // 60_000} min ago"
            )
        text = (
            f"⚠️ Conversa: uma execução do fluxo *{flow}* falhou ({execution}). "
            "Veja os logs no Kestra; outras falhas deste fluxo na próxima hora não serão avisadas aqui."
        )
        self.gateway.send_text(self.chat, text, track_id=f"alert-{execution}")
        return AlertResult("sent", f"{flow} reported")
