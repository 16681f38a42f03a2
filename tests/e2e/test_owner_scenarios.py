"""The owner's scenarios as the simulator prints them: the team chat is in the transcript."""

from __future__ import annotations

from tests.e2e.test_commands import SCENARIOS, conversa, last_json


def test_the_transcript_shows_what_the_team_chat_gets() -> None:
    run = conversa("simulate", "--script", str(SCENARIOS / "team-handoff.yaml"))
    assert run.returncode == 0, run.stderr.decode()
    transcript = run.stdout.decode()
    assert transcript.count("📣 Bot → chat da equipe: 🙋 *Atendimento humano*") == 2
    assert "· ignored: the bot's own message in the team chat" in transcript
    assert len(last_json(run)["team_messages"]) == 2


def test_a_forged_command_is_rejected_in_the_transcript_and_bot_ends_the_takeover() -> None:
    run = conversa("simulate", "--script", str(SCENARIOS / "owner-commands.yaml"))
    assert run.returncode == 0, run.stderr.decode()
    lines = run.stdout.decode().splitlines()
    forged = next(i for i, line in enumerate(lines) if "Webhook forjado" in line)
    assert "rejected: webhook rejected: wrong token" in lines[forged + 1]
    back = next(i for i, line in enumerate(lines) if "voltou para o bot" in line)
    assert any("🤖 Bot: *Formas de pagamento*" in line for line in lines[back:])


def test_the_week_report_is_sent_once_in_the_transcript() -> None:
    run = conversa("simulate", "--script", str(SCENARIOS / "weekly-report.yaml"))
    assert run.returncode == 0, run.stderr.decode()
    lines = run.stdout.decode().splitlines()
    transcript = "\n".join(line for line in lines if not line.startswith(("::", "{")))  # not the JSON
    assert "relatório da semana 2026-W48: sent → reports/2026-W48.md" in transcript
    assert "relatório da semana 2026-W48: already_sent" in transcript
    assert transcript.count("📊 *Relatório da semana*") == 1
