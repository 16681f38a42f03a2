"""The simulation: customer and owner messages in, bot bubbles out, on one clock.

Messages go through the same path as production — a Uazapi-shaped webhook, ``receive``,
the buffer, ``process`` — with the gateway replaced by the terminal. Every bot message is
echoed back as a ``fromMe``/``wasSentByApi`` webhook, as Uazapi does, to show the bot
never answers itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from dependency_injector import providers

from app.adapters.memory.gateway import RecordingGateway, SentEvent
from app.container import Container, lazy
from app.domain.messages import split_chat_key
from app.domain.usecases.receive import utc_ms
from app.entrypoints.simulator.webhooks import INSTANCE, OWNER, WebhookFactory

ECHO_DELAY_MS = 300


class SchedulingClock(Protocol):
    def now_ms(self) -> int: ...

    def sleep_ms(self, ms: int) -> None: ...

    def schedule(self, at_ms: int, callback: Callable[[], None]) -> None: ...


@dataclass
class Transcript:
    out: TextIO
    start_ms: int
    lines: list[str] = field(default_factory=list)

    def write(self, at_ms: int, text: str) -> None:
        seconds = max(at_ms - self.start_ms, 0) / 1000
        hours, rest = divmod(seconds, 3600)
        stamp = f"{int(rest // 60):02d}:{rest % 60:04.1f}"
        if hours:
            stamp = f"{int(hours)}:{stamp}"
        line = f"{stamp}  {text}"
        self.lines.append(line)
        self.out.write(line + "\n")
        self.out.flush()


def signed_webhooks(container: Container, chat_id: str) -> WebhookFactory:
    """Webhooks as the deployment's first instance would send them (its name, token, owner),
    so that ``simulate --real`` passes the authenticity check; offline, none is configured."""
    instances = container.settings().uazapi_instance_list()
    if not instances:
        return WebhookFactory(chat_id)
    name, token, owner = instances[0]
    return WebhookFactory(
        chat_id, token=token, instance=INSTANCE if name == "*" else name, owner=owner or OWNER
    )


class Simulation:
    def __init__(
        self, container: Container, clock: SchedulingClock, chat_id: str, out: TextIO, offline: bool = True
    ) -> None:
        self.clock = clock
        self.gateway = RecordingGateway(on_event=self._on_bot_event)
        container.gateway.override(providers.Object(self.gateway))
        container.clock.override(providers.Object(clock))
        if offline:  # the weekly report's Markdown goes to a bucket in memory
            container.blobs.override(providers.Singleton(lazy("app.adapters.memory.blobs.MemoryBlobStore")))
        self.container = container
        self.team_jid = container.settings().team_chat
        self._receive = container.receive()
        self._process = container.process()
        self.webhooks = signed_webhooks(container, chat_id)
        self.team_messages: list[str] = []
        self.transcript = Transcript(out, clock.now_ms())
        self.statuses: Counter[str] = Counter()
        self.answers = 0
        self.bot_messages: list[str] = []
        self._last_body: bytes | None = None
        self._pending_runs: set[str] = set()

    # What people do.
    def customer_says(self, text: str) -> None:
        self.transcript.write(self.clock.now_ms(), f"👤 Cliente: {text}")
        self.deliver(self.webhooks.message(text, self.clock.now_ms()))

    def owner_says(self, text: str) -> None:
        self.transcript.write(self.clock.now_ms(), f"🧑‍💼 Dono (pelo celular): {text}")
        self.deliver(self.webhooks.message(text, self.clock.now_ms(), from_me=True))

    def team_says(self, text: str) -> None:
        """Someone writes in the team chat (the owner's number or the team's group)."""
        self.transcript.write(self.clock.now_ms(), f"📣 Chat da equipe: {text}")
        self.deliver(self.webhooks.message(text, self.clock.now_ms(), chat_id=self._team(), name="Equipe"))

    def forged_team(self, text: str) -> None:
        """A command in a body that does not carry the instance's token: it must change nothing."""
        self.transcript.write(self.clock.now_ms(), f"🕵️ Webhook forjado no chat da equipe: {text}")
        body = self.webhooks.message(text, self.clock.now_ms(), chat_id=self._team(), token="forjado")
        self.deliver(body, remember=False)

    def send_report(self) -> None:
        """The weekly flow runs ``conversa gaps --send``."""
        result = self.container.gaps().send()
        where = f" → {result.report_key}" if result.report_key else ""
        self.transcript.write(
            self.clock.now_ms(), f"   📊 relatório da semana {result.week}: {result.status}{where}"
        )

    def _team(self) -> str:
        if not self.team_jid:
            raise ValueError("this scenario writes in the team chat: set team_chat in its settings")
        return self.team_jid

    def redeliver(self) -> None:
        if self._last_body is None:
            self.transcript.write(self.clock.now_ms(), "   (nothing to deliver again)")
            return
        self.transcript.write(self.clock.now_ms(), "↻ Uazapi entrega o mesmo webhook de novo")
        self.deliver(self._last_body, remember=False)

    # What the system does.
    def deliver(self, body: bytes, remember: bool = True) -> None:
        if remember:
            self._last_body = body
        result = self._receive(body)
        self.statuses[result.status] += 1
        if result.status != "buffered":
            self.transcript.write(self.clock.now_ms(), f"   · {result.status}: {result.reason}")
        if result.should_process:  # as receive-whatsapp does: a processor due when this message's quiet ends
            self._schedule_process(result.chat_id, utc_ms(result.process_at))

    def _schedule_process(self, chat_id: str, at_ms: int) -> None:
        self.clock.schedule(at_ms, lambda: self._run_process(chat_id))

    def _run_process(self, chat_id: str) -> None:
        result = self._process(chat_id, 0)
        if result.status == "answered":
            self.answers += result.batches
        elif result.status in {"suppressed", "dead_lettered"}:
            self.transcript.write(self.clock.now_ms(), f"   · {result.status}: {result.reason}")

    def _on_bot_event(self, event: SentEvent) -> None:
        now = self.clock.now_ms()
        if event.kind == "typing":
            # No duration: the indicator shown while composing lasts until the first part goes.
            self.transcript.write(now, "   🤖 digitando…")
        elif event.kind == "read":
            count = len(event.text.split(",")) if event.text else 0
            self.transcript.write(now, f"   ✓✓ {count} mensagem(ns) lida(s)")
        elif event.kind == "handoff":
            self.transcript.write(now, "   🙋 conversa sinalizada para a equipe (atendimento humano)")
        elif self.team_jid and split_chat_key(event.chat_id)[1] == self.team_jid:
            self.team_messages.append(event.text)
            bubble = event.text.replace("\n", "\n" + " " * 12)
            self.transcript.write(now, f"📣 Bot → chat da equipe: {bubble}")
            echo = self.webhooks.message(event.text, now, True, True, chat_id=self.team_jid)
            self.clock.schedule(now + ECHO_DELAY_MS, lambda: self.deliver(echo, remember=False))
        else:
            self.bot_messages.append(event.text)
            bubble = event.text.replace("\n", "\n" + " " * 12)
            self.transcript.write(now, f"🤖 Bot: {bubble}")
            echo = self.webhooks.message(event.text, now, from_me=True, by_api=True)
            self.clock.schedule(now + ECHO_DELAY_MS, lambda: self.deliver(echo, remember=False))

    def check(self, expect: dict[str, object]) -> list[str]:
        """Compare what happened with a scenario's ``expect``; returns the failures."""
        failures = []
        if "answers" in expect and self.answers != expect["answers"]:
            failures.append(f"expected {expect['answers']} answer(s), got {self.answers}")
        said = "\n".join(self.bot_messages).lower()
        for text in expect.get("bot_says", []) or []:  # type: ignore[attr-defined]
            if str(text).lower() not in said:
                failures.append(f"the bot never said {text!r}")
        for text in expect.get("bot_never_says", []) or []:  # type: ignore[attr-defined]
            if str(text).lower() in said:
                failures.append(f"the bot said {text!r}")
        told = "\n".join(self.team_messages).lower()
        for text in expect.get("team_says", []) or []:  # type: ignore[attr-defined]
            if str(text).lower() not in told:
                failures.append(f"the team chat never got {text!r}")
        if "team_messages" in expect and len(self.team_messages) != expect["team_messages"]:
            failures.append(
                f"expected {expect['team_messages']} team message(s), got {len(self.team_messages)}"
            )
        return failures
