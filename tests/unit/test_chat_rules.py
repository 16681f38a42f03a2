"""Who gets answered: echoes, human takeover, groups, opt-out and pauses."""

from __future__ import annotations

import dataclasses

import pytest

from app.domain.chat_rules import Action, ChatRules, ChatState, screen
from app.domain.messages import InboundMessage, MessageKind

NOW = 1_770_000_000_000
RULES = ChatRules(takeover_ms=30 * 60 * 1000)
CUSTOMER = "5511987654321@s.whatsapp.net"


def message(text: str = "Oi, qual o horário?", **changes: object) -> InboundMessage:
    base = InboundMessage(
        instance="loja",
        chat_id=f"loja/{CUSTOMER}",
        message_id="loja:ABC",
        sender=CUSTOMER,
        sender_name="Ana",
        kind=MessageKind.TEXT,
        text=text,
        timestamp_ms=NOW,
    )
    return dataclasses.replace(base, **changes)


def test_plain_customer_message_is_accepted() -> None:
    result = screen(message(), ChatState(), RULES, NOW)
    assert result.action is Action.ACCEPT
    assert result.answers


@pytest.mark.parametrize(
    "state", [ChatState(), ChatState(opted_out=True), ChatState(paused_until_ms=NOW + 1)]
)
def test_bot_echo_is_ignored_and_never_a_takeover(state: ChatState) -> None:
    result = screen(message(from_me=True, sent_by_api=True), state, RULES, NOW)
    assert result.action is Action.IGNORE
    assert result.pause_until_ms == 0
    assert not result.answers


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"is_group": True},
        {"quoted_id": "REPLIED"},
        {"kind": MessageKind.AUDIO},
        {"kind": MessageKind.IMAGE},
        {"kind": MessageKind.VIDEO},
        {"kind": MessageKind.DOCUMENT},
        {"kind": MessageKind.LOCATION},
        {"kind": MessageKind.CONTACT},
        {"kind": MessageKind.POLL},
    ],
)
def test_owner_typing_is_a_takeover_that_pauses_the_chat(changes: dict[str, object]) -> None:
    result = screen(message("já te respondo", from_me=True, **changes), ChatState(), RULES, NOW)
    assert result.action is Action.TAKEOVER
    assert result.pause_until_ms == NOW + RULES.takeover_ms
    assert not result.answers


# Issue 8: the owner's reactions, poll votes and stickers paused the bot for 30 minutes.
@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"kind": MessageKind.REACTION}, "reaction"),
        ({"kind": MessageKind.STICKER}, "sticker"),
        ({"kind": MessageKind.POLL_VOTE}, "poll vote"),
        ({"kind": MessageKind.LIST_RESPONSE}, "list response"),
        ({"kind": MessageKind.OTHER}, "other"),
        ({"edited_id": "OLD"}, "edited"),
    ],
)
def test_what_the_owner_does_besides_sending_a_message_does_not_pause(
    changes: dict[str, object], fragment: str
) -> None:
    for state in (ChatState(), ChatState(opted_out=True)):
        result = screen(message("👍", from_me=True, **changes), state, RULES, NOW)
        assert result.action is Action.IGNORE
        assert result.pause_until_ms == 0
        assert fragment in result.reason and "not a takeover" in result.reason


@pytest.mark.parametrize("jid", ["status@broadcast", "120363000000000000@newsletter"])
def test_status_updates_and_channels_are_not_answered_nor_taken_over(jid: str) -> None:
    for from_me in (False, True):
        result = screen(message(chat_id=f"loja/{jid}", from_me=from_me), ChatState(), RULES, NOW)
        assert result.action is Action.IGNORE and "status" in result.reason


def test_owner_typing_takes_over_even_an_opted_out_or_ignored_chat() -> None:
    rules = dataclasses.replace(RULES, ignored_chats=frozenset({CUSTOMER}), takeover_ms=1_000)
    result = screen(message(from_me=True), ChatState(opted_out=True), rules, NOW)
    assert result.action is Action.TAKEOVER
    assert result.pause_until_ms == NOW + 1_000


def test_groups_ignored_unless_enabled() -> None:
    group = message(chat_id="loja/120363000000000000@g.us", is_group=True)
    assert screen(group, ChatState(), RULES, NOW).action is Action.IGNORE
    enabled = dataclasses.replace(RULES, groups_enabled=True)
    assert screen(group, ChatState(), enabled, NOW).action is Action.ACCEPT


@pytest.mark.parametrize("entry", [CUSTOMER, f"loja/{CUSTOMER}"])
def test_ignore_list_matches_jid_or_chat_key(entry: str) -> None:
    rules = dataclasses.replace(RULES, ignored_chats=frozenset({entry}))
    result = screen(message(), ChatState(), rules, NOW)
    assert result.action is Action.IGNORE
    assert "ignore" in result.reason
    other = message(chat_id="loja/5511000000000@s.whatsapp.net")
    assert screen(other, ChatState(), rules, NOW).action is Action.ACCEPT


@pytest.mark.parametrize("kind", [MessageKind.REACTION, MessageKind.POLL, MessageKind.STICKER])
def test_reactions_polls_and_stickers_are_ignored(kind: MessageKind) -> None:
    result = screen(message("❤️", kind=kind), ChatState(), RULES, NOW)
    assert result.action is Action.IGNORE
    assert kind.value in result.reason


@pytest.mark.parametrize(
    "kind", [MessageKind.AUDIO, MessageKind.IMAGE, MessageKind.DOCUMENT, MessageKind.LOCATION]
)
def test_media_messages_are_accepted(kind: MessageKind) -> None:
    assert screen(message("", kind=kind), ChatState(), RULES, NOW).action is Action.ACCEPT


def test_edits_are_ignored_even_when_the_edit_says_stop() -> None:
    result = screen(message("parar", edited_id="ORIGINAL"), ChatState(), RULES, NOW)
    assert result.action is Action.IGNORE
    assert "edit" in result.reason


@pytest.mark.parametrize(
    "text", ["parar", "PARAR!", "  Parar.  ", "Sair", "sáir?", "STOP", '"descadastrar"', "parar…"]
)
def test_opt_out_keyword_is_case_accent_and_punctuation_insensitive(text: str) -> None:
    result = screen(message(text), ChatState(), RULES, NOW)
    assert result.action is Action.OPT_OUT
    assert not result.answers


@pytest.mark.parametrize("text", ["parar de receber promoções", "não quero parar", "parara", "pa rar"])
def test_opt_out_needs_the_keyword_alone(text: str) -> None:
    assert screen(message(text), ChatState(), RULES, NOW).action is Action.ACCEPT


@pytest.mark.parametrize("text", ["voltar", "VOLTAR!", "Start", "Ativar bot"])
def test_opt_in_only_when_opted_out(text: str) -> None:
    assert screen(message(text), ChatState(opted_out=True), RULES, NOW).action is Action.OPT_IN
    assert screen(message(text), ChatState(), RULES, NOW).action is Action.ACCEPT


def test_opted_out_chat_is_ignored_including_a_repeated_stop() -> None:
    state = ChatState(opted_out=True)
    for text in ["Oi, quanto custa?", "parar"]:
        result = screen(message(text), state, RULES, NOW)
        assert result.action is Action.IGNORE
        assert "opted out" in result.reason


def test_paused_chat_is_ignored_until_the_pause_ends() -> None:
    state = ChatState(paused_until_ms=NOW + 10_000)
    assert screen(message(), state, RULES, NOW).action is Action.IGNORE
    assert screen(message(), state, RULES, NOW + 9_999).action is Action.IGNORE
    assert screen(message(), state, RULES, NOW + 10_000).action is Action.ACCEPT
    assert screen(message(), state, RULES, NOW + 50_000).action is Action.ACCEPT


def test_customer_can_opt_out_during_a_pause() -> None:
    state = ChatState(paused_until_ms=NOW + 10_000)
    assert screen(message("Parar"), state, RULES, NOW).action is Action.OPT_OUT


def test_custom_keywords_replace_the_defaults() -> None:
    rules = dataclasses.replace(RULES, opt_out_keywords=frozenset({"cancelar"}))
    assert screen(message("Cancelar!"), ChatState(), rules, NOW).action is Action.OPT_OUT
    assert screen(message("parar"), ChatState(), rules, NOW).action is Action.ACCEPT
