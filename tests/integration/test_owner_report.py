"""The weekly report through the real stores, as the flow runs it: Redis and an S3 server.

A week is seeded through the application's own stores, then ``conversa gaps --send`` runs as a
fresh process twice: the first run writes ``reports/<week>.md`` to the bucket and sends, the
second finds the week sent (Redis remembers it) and sends nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from app.adapters.minio.blobs import MinioBlobStore
from tests.e2e.test_commands import ROOT, conversa, last_json
from tests.names import unique_name
from tests.servers.s3 import S3Server


def test_gaps_send_writes_the_report_and_sends_it_once(s3_server: S3Server, redis_url: str) -> None:
    bucket = unique_name("reports")
    env = {
        "CONVERSA_STATE": "redis",
        "CONVERSA_REDIS_URL": redis_url,
        "CONVERSA_REDIS_NAMESPACE": unique_name("report"),
        "CONVERSA_TEAM_CHAT": "5541911112222",
        "CONVERSA_S3_ENDPOINT": s3_server.endpoint,
        "CONVERSA_S3_ACCESS_KEY": s3_server.access_key,
        "CONVERSA_S3_SECRET_KEY": s3_server.secret_key,
        "CONVERSA_KNOWLEDGE_BUCKET": bucket,
    }
    store = MinioBlobStore(s3_server.endpoint, s3_server.access_key, s3_server.secret_key, bucket)
    store.ensure_bucket()
    seed = subprocess.run(
        [sys.executable, "-c", "from tests.fakes.seed_gaps import main; main()"],
        env={**env, "PATH": "/usr/bin:/bin"},
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    week = seed.stdout.decode().split('"week": "')[1].split('"')[0]

    listed = conversa("gaps", "--week", week, env=env)
    assert listed.returncode == 0, listed.stderr.decode()
    gaps = last_json(listed)["gaps"]
    assert [(g["count"], g["example"]) for g in gaps] == [(3, "Vocês vendem pizza?"), (2, "Aceitam bitcoin?")]

    first = conversa("gaps", "--send", env=env)
    assert first.returncode == 0, first.stderr.decode()
    result = last_json(first)
    assert (result["status"], result["week"], result["report_key"]) == ("sent", week, f"reports/{week}.md")
    assert result["figures"] == {
        "conversations": 5,
        "answered": 5,
        "handed_off": 5,
        "median_first_reply_ms": 3500,
    }
    assert '1. "Vocês vendem pizza?" — 3×' in result["summary"]
    markdown = store.get(f"reports/{week}.md").decode()
    assert markdown.startswith(f"# Relatório da semana {week}") and "E bitcoin, aceitam?" in markdown

    again = conversa("gaps", "--send", env=env)
    assert again.returncode == 0 and last_json(again)["status"] == "already_sent"
    assert last_json(again)["summary"] == result["summary"]


def test_gaps_refuses_a_bad_period_and_a_send_without_a_team_chat(tmp_path: Path) -> None:
    bad = conversa("gaps", "--since", "sete dias")
    assert bad.returncode == 1 and bad.stderr.decode().strip().splitlines() == [
        "conversa gaps: --since 'sete dias' is not a period like 7d or 24h"
    ]
    nobody = conversa("gaps", "--send")
    assert nobody.returncode == 1 and "set CONVERSA_TEAM_CHAT" in last_json(nobody)["reason"]
    listed = conversa("gaps", "--since", "24h")
    assert listed.returncode == 0 and last_json(listed)["grouping"] == "words"


def test_a_malformed_schedule_stops_a_command_at_start_up_in_one_line() -> None:
    run = conversa("receive", stdin=b"{}", env={"CONVERSA_BUSINESS_HOURS": "seg-sex 8h as 18h"})
    assert run.returncode == 1
    (line,) = run.stderr.decode().strip().splitlines()
    assert line.startswith("conversa receive: invalid settings: CONVERSA_BUSINESS_HOURS:")
