"""The owner's side end to end on a virtual clock: the team told once, the hours, the commands,
what the bot could not answer and the weekly report."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dependency_injector import providers
from pydantic import ValidationError

from app.adapters.memory.gateway import RecordingGateway
from app.settings import Settings
from tests.usecases.conftest import CHAT, World, fixture_body, make_world

TEAM = "5541911112222@s.whatsapp.net"
TEAM_CHAT = f"simulador/{TEAM}"
HOURS = "seg-sex 08:00-18:00; sab 08:00-12:00"
SP = ZoneInfo("America/Sao_Paulo")


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=SP).timestamp() * 1000)


def owner_world(when: str = "2026-12-02T10:00", **settings: Any) -> World:
    world = make_world(**{"team_chat": TEAM, "business_hours": HOURS, **settings})
    world.clock.advance_to(at(when))
    return world


def team_texts(world: World) -> list[str]:
    return world.gateway.texts(TEAM_CHAT)


def customer_texts(world: World) -> list[str]:
    return world.gateway.texts(CHAT)


def ask(world: World, text: str) -> Any:
    world.say(text)
    world.clock.sleep_ms(6_000)
    return world.process()


def team_says(world: World, text: str, **kwargs: Any) -> Any:
    body = world.webhooks.message(text, world.clock.now_ms(), chat_id=TEAM, name="Equipe", **kwargs)
    return world.container.receive()(body)


def paused(world: World, chat: str = CHAT) -> bool:
    return world.container.chat_state().get(chat).is_paused(world.clock.now_ms())


# ---- 1. the team is told, once -------------------------------------------------------------


def test_a_fallback_tells_the_team_once_and_the_bot_keeps_answering() -> None:
    world = owner_world()
    result = ask(world, "Vocês vendem pizza?")
    assert result.handoff and result.fallback
    (notice,) = team_texts(world)
    assert "Cliente (+5541988887777)" in notice and "https://wa.me/5541988887777" in notice
    assert "a base de conhecimento não tem a resposta" in notice and "> Vocês vendem pizza?" in notice
    assert "Fora do horário" not in notice
    assert not paused(world)  # nobody took it yet: the bot goes on
    assert ask(world, "Vocês aceitam pix?").status == "answered" and "Pix" in customer_texts(world)[-1]
    assert len(team_texts(world)) == 1


def test_asking_for_a_person_within_hours_tells_the_team_and_the_bot_steps_back() -> None:
    world = owner_world()
    ask(world, "Quero falar com um atendente")
    assert "o cliente pediu para falar com uma pessoa" in team_texts(world)[0]
    assert paused(world)
    assert world.say("Alô?").status == "ignored"


def test_a_notice_whose_send_was_lost_is_found_by_its_tracking_id_and_not_sent_again() -> None:
    class LosesTheTeamAnswer(RecordingGateway):
        lost = 0

        def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
            sent = super().send_text(chat_id, text, track_id)
            if chat_id == TEAM_CHAT and not self.lost:
                self.lost += 1
                raise TimeoutError("uazapi did not answer in time")  # it did send it
            return sent

    world = owner_world()
    world.gateway = LosesTheTeamAnswer()
    world.container.gateway.override(providers.Object(world.gateway))
    world.say("Vocês vendem pizza?")
    world.clock.sleep_ms(6_000)
    with pytest.raises(TimeoutError):
        world.process()
    assert world.process().status == "answered"  # the retry finds the notice sent
    assert len(team_texts(world)) == 1 and len(customer_texts(world)) == 1


def test_a_notice_whose_fate_cannot_be_told_is_not_sent_blindly() -> None:
    class CannotTell(RecordingGateway):
        def send_text(self, chat_id: str, text: str, track_id: str = "") -> str:
            super().send_text(chat_id, text, track_id)
            if chat_id == TEAM_CHAT:
                raise TimeoutError("no answer")
            return "ok"

        def find_sent(self, chat_id: str, track_id: str) -> bool:
            raise ConnectionError("uazapi unreachable")

    world = owner_world()
    world.gateway = CannotTell()
    world.container.gateway.override(providers.Object(world.gateway))
    world.say("Vocês vendem pizza?")
    world.clock.sleep_ms(6_000)
    for _ in range(2):
        with pytest.raises((TimeoutError, ConnectionError)):
            world.process()
    assert len(team_texts(world)) == 1  # asked, never sent twice


def test_an_unreadable_file_is_a_handoff_only_with_a_team_chat() -> None:
    for team, told in ((TEAM, 1), ("", 0)):
        world = owner_world(team_chat=team)
        body = fixture_body("titobahe__user-chat__from-others__audio.sent.json")
        chat = world.container.receive()(body).chat_id
        world.clock.sleep_ms(6_000)
        result = world.container.process()(chat, 0)
        assert result.handoff is bool(told) and not paused(world, chat)
        notices = [t for t in world.gateway.texts() if "Atendimento humano" in t]
        assert len(notices) == told
        if told:
            assert "não consegui ler um arquivo" in notices[0]
            assert "Também avisei a equipe" in world.gateway.texts(chat)[-1]


def test_without_a_team_chat_nothing_goes_to_a_team() -> None:
    world = owner_world(team_chat="")
    ask(world, "Vocês vendem pizza?")
    assert world.gateway.texts() == customer_texts(world) and len(customer_texts(world)) == 1
    with pytest.raises(ValueError, match="CONVERSA_TEAM_CHAT"):
        world.container.gaps().send()


# ---- 2. business hours ----------------------------------------------------------------------


def test_out_of_hours_the_customer_is_told_when_and_the_bot_is_not_silenced() -> None:
    world = owner_world("2026-12-02T23:00")
    ask(world, "Vocês vendem pizza?")
    assert "nossa equipe responde a partir de amanhã às 8h" in customer_texts(world)[-1]
    ask(world, "Quero falar com um atendente")
    assert (
        "fora do horário de atendimento: nossa equipe responde a partir de amanhã às 8h"
        in customer_texts(world)[-1]
    )
    assert not paused(world)  # nobody is coming tonight
    assert (
        "Fora do horário: o cliente foi avisado que nossa equipe responde a partir de amanhã"
        in team_texts(world)[1]
    )
    assert ask(world, "Vocês aceitam pix?").status == "answered" and "Pix" in customer_texts(world)[-1]


def test_after_the_weekend_and_a_holiday_the_promise_says_so() -> None:
    world = owner_world("2026-12-05T13:00", holidays="2026-12-07")
    ask(world, "Vocês vendem pizza?")
    assert (
        "volta depois do feriado e responde a partir de terça-feira (08/12) às 8h"
        in customer_texts(world)[-1]
    )


def test_a_malformed_schedule_is_a_one_line_error_at_start_up() -> None:
    with pytest.raises(ValidationError) as error:
        Settings(business_hours="seg-sex 8h-18h; domingo")
    assert "'domingo' needs days and hours" in str(error.value)


# ---- 3. the owner's commands ----------------------------------------------------------------


def test_the_team_chat_is_never_a_customer_and_never_paused() -> None:
    world = owner_world()
    assert team_says(world, "bom dia, pessoal").status == "ignored"
    assert team_says(world, "Vocês vendem pizza?", from_me=True).status == "ignored"  # not a takeover
    assert team_says(world, "#status", from_me=True, by_api=True).status == "ignored"  # the bot's own echo
    assert world.container.buffer().activity(TEAM_CHAT) is None  # nothing buffered
    assert not paused(world, TEAM_CHAT) and world.gateway.texts() == []


def test_bot_gives_a_taken_over_chat_back_at_once() -> None:
    world = owner_world()
    ask(world, "Quero falar com um atendente")
    assert paused(world)
    assert team_says(world, "#bot 5541988887777").status == "command"
    assert not paused(world) and "voltou para o bot" in team_texts(world)[-1]
    assert ask(world, "Vocês aceitam pix?").status == "answered"
    assert "Esperando uma pessoa (0)" in (team_says(world, "#status"), team_texts(world)[-1])[1]


def test_pausar_status_and_ajuda_answer_in_the_team_chat() -> None:
    world = owner_world()
    ask(world, "Vocês vendem pizza?")  # waiting for a person
    assert team_says(world, "#pausar 5541988887777 2h").status == "command"
    assert paused(world) and "por 2h (até 02/12 12:00)" in team_texts(world)[-1]
    team_says(world, "#status")
    status = team_texts(world)[-1]
    assert (
        "Esperando uma pessoa (0)" in status and "Pausadas (1):\n• +5541988887777 — até 02/12 12:00" in status
    )
    team_says(world, "#ajuda")
    assert "#pausar <número> [2h]" in team_texts(world)[-1]
    team_says(world, "#bot maria")
    assert "Não entendi o número" in team_texts(world)[-1]


def test_the_owner_writing_in_a_chat_takes_it_off_the_waiting_list() -> None:
    world = owner_world()
    ask(world, "Vocês vendem pizza?")
    world.say("Oi! Aqui é a Marta, vendemos sim por encomenda.", from_me=True)
    team_says(world, "#status")
    status = team_texts(world)[-1]
    assert "Esperando uma pessoa (0)" in status and "Pausadas (1)" in status


def test_a_command_delivered_twice_is_answered_once() -> None:
    world = owner_world()
    body = world.webhooks.message("#status", world.clock.now_ms(), chat_id=TEAM)
    assert world.container.receive()(body).status == "command"
    assert world.container.receive()(body).status == "duplicate"
    assert len(team_texts(world)) == 1


def test_a_forged_command_changes_nothing_and_sends_nothing() -> None:
    world = owner_world(uazapi_token="the-real-token")
    world.webhooks.token = "the-real-token"
    ask(world, "Quero falar com um atendente")
    sent = len(world.gateway.events)
    for command in ("#bot 5541988887777", "#pausar 5541999990000 1d", "#status"):
        forged = world.webhooks.message(command, world.clock.now_ms(), chat_id=TEAM, token="forged")
        assert world.container.receive()(forged).status == "rejected"
    assert paused(world) and not paused(world, "simulador/5541999990000@s.whatsapp.net")
    assert len(world.gateway.events) == sent


# ---- 4. what the bot could not answer, and the weekly report ---------------------------------


def test_declined_questions_and_the_weeks_figures_are_recorded() -> None:
    world = owner_world("2026-11-24T10:00")
    ask(world, "Vocês vendem pizza?")
    ask(world, "Vocês aceitam pix?")
    (gap,) = world.container.gap_log().since(0)
    assert gap.question == "Vocês vendem pizza?" and gap.chat == "simulador/5541*****7777@s.whatsapp.net"
    assert 0 <= gap.best_score < 0.5
    week = world.container.figures().week("2026-W48")
    assert (week.conversations, week.answered, week.handed_off) == (1, 1, 1)
    assert len(week.first_reply_ms) == 2 and all(5_000 <= ms <= 10_000 for ms in week.first_reply_ms)


def test_the_weekly_report_is_written_and_sent_once() -> None:
    world = owner_world("2026-11-24T10:00")
    for question in ("Vocês vendem pizza?", "Tem pizza de calabresa?", "Aceitam bitcoin?"):
        ask(world, question)
    world.container.blobs.override(providers.Object(blobs := _memory_blobs()))
    world.clock.advance_to(at("2026-11-30T08:00"))
    first = world.container.gaps().send()
    again = world.container.gaps().send()
    assert (first.status, again.status, first.week) == ("sent", "already_sent", "2026-W48")
    # No instance is configured offline: the report goes to the bare JID (the default token's).
    reports = [t for t in world.gateway.texts(TEAM) if "Relatório da semana" in t]
    assert len(reports) == 1 and '1. "Vocês vendem pizza?" — 2×' in reports[0]
    markdown = blobs.get("reports/2026-W48.md").decode()
    assert markdown.startswith("# Relatório da semana 2026-W48") and "Tem pizza de calabresa?" in markdown
    listed = world.container.gaps().gaps(at("2026-11-23T00:00"))
    assert [g.count for g in listed] == [2, 1]
    assert json.loads(json.dumps(first.to_dict()))["figures"]["handed_off"] == 3


def _memory_blobs() -> Any:
    from app.adapters.memory.blobs import MemoryBlobStore

    return MemoryBlobStore()
