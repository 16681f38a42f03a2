"""The team chat setting and the one message the team gets at a handoff."""

from __future__ import annotations

import pytest

from app.domain.team import HandoffReason, handoff_notice, notice_track_id, team_chat_jid, wa_link


def test_the_team_chat_is_a_number_or_a_group() -> None:
    assert team_chat_jid("5541988887777") == "5541988887777@s.whatsapp.net"
    assert team_chat_jid("+55 (41) 98888-7777") == "5541988887777@s.whatsapp.net"
    assert team_chat_jid("120363040000000000@g.us") == "120363040000000000@g.us"
    assert team_chat_jid("5541988887777@s.whatsapp.net") == "5541988887777@s.whatsapp.net"
    assert team_chat_jid("") == "" and team_chat_jid("  ") == ""
    for bad in ("equipe", "5541@lid", "status@broadcast", "55 41 abc"):
        with pytest.raises(ValueError, match="CONVERSA_TEAM_CHAT"):
            team_chat_jid(bad)


def test_the_notice_names_the_customer_links_the_chat_and_quotes_the_last_messages() -> None:
    said = ["primeira", "segunda", "terceira", "quarta", "quinta " + "x" * 500]
    text = handoff_notice("Maria", "loja/5541999990000@s.whatsapp.net", HandoffReason.NOT_FOUND, said)
    assert text.startswith("🙋 *Atendimento humano*: Maria (+5541999990000)")
    assert "Motivo: a base de conhecimento não tem a resposta." in text
    assert "Abrir a conversa: https://wa.me/5541999990000" in text
    assert "> primeira" not in text and "> segunda" in text  # the last four
    assert max(len(line) for line in text.splitlines()) < 220  # each clipped
    assert text.endswith("Para devolver ao bot: #bot 5541999990000")
    assert "Fora do horário" not in text


def test_out_of_hours_the_notice_says_what_the_customer_was_promised() -> None:
    text = handoff_notice(
        "", "5541999990000@s.whatsapp.net", HandoffReason.ASKED, ["atendente"], "x responde amanhã"
    )
    assert "Cliente (+5541999990000)" in text and "o cliente pediu para falar com uma pessoa" in text
    assert "Fora do horário: o cliente foi avisado que x responde amanhã." in text


def test_a_contact_without_a_number_has_no_link_and_no_command() -> None:
    text = handoff_notice("Ana", "loja/123456@lid", HandoffReason.UNREADABLE, ["[documento]"])
    assert "contato sem número" in text and "wa.me" not in text and "#bot" not in text
    assert "não consegui ler um arquivo" in text
    assert wa_link("loja/120363@g.us") == ""


def test_one_notice_per_batch() -> None:
    assert notice_track_id("a,b") == notice_track_id("a,b") != notice_track_id("a,c")
    assert notice_track_id("a,b").endswith("-team")
