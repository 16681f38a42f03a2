"""The grammar of what WhatsApp and Uazapi produce, and the safe echo of anything else."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.validation import cap_text, clip, is_instance_name, is_jid, mask_tokens, repair


@given(st.text())
def test_a_clipped_echo_is_one_short_printable_line(value: str) -> None:
    echo = clip(value)
    assert len(echo) <= 200
    assert echo.isprintable()
    echo.encode("utf-8")


def test_clip_keeps_short_clean_text_and_marks_a_cut() -> None:
    assert clip("eKoB39") == "eKoB39"
    assert clip("a\nb\r\nc\x1b[2J") == "a b c?[2J"
    assert clip("x" * 5_000_000) == "x" * 199 + "…"


def test_repair_replaces_lone_surrogates_only() -> None:
    assert repair("ok 😀") == "ok 😀"
    assert repair("a\ud800b\udfff") == "a\ufffdb\ufffd"


def test_cap_text_keeps_the_start_and_the_end_cut_at_words() -> None:
    assert cap_text("curto", 100) == "curto"
    text = "Segue a lista: " + "pão francês, " * 400_000 + "vocês entregam hoje?"
    capped = cap_text(text, 2_000)
    assert len(capped) <= 2_000
    assert capped.startswith("Segue a lista: pão francês,") and capped.endswith("vocês entregam hoje?")
    assert " […] " in capped and " franc " not in capped


@given(st.text(), st.integers(20, 300))
def test_cap_text_is_bounded(text: str, limit: int) -> None:
    capped = cap_text(text, limit)
    assert len(capped) <= limit
    assert capped == text or " […] " in capped or capped.endswith(" […]")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("5511987654321@s.whatsapp.net", True),
        ("5511987654321:7@s.whatsapp.net", True),
        ("120363000000000000@g.us", True),
        ("322578300804080@lid", True),
        ("status@broadcast", True),
        ("120363000000000000@newsletter", True),
        ("5511987654321@s.whatsapp.net\n", False),
        ("5511987654321@c.us", False),
        ("@s.whatsapp.net", False),
        ("5511@g.us@g.us", False),
        ("", False),
    ],
)
def test_jid_grammar(value: str, ok: bool) -> None:
    assert is_jid(value) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("eKoB39", True),
        ("crm-fidelify", True),
        ("Minha Loja", True),
        ("x" * 64, True),
        ("", False),
        ("a/b", False),
        ("a\x00", False),
        ("a\u202e", False),
        ("x" * 65, False),
    ],
)
def test_instance_names(value: str, ok: bool) -> None:
    assert is_instance_name(value) is ok


def test_mask_tokens_hides_every_token_value_and_nothing_else() -> None:
    body = '{"token": "a\\"b", "owner": "5541", "message": {"token": "x"}, "tokens": "kept", "token2": ""}'
    assert mask_tokens(body) == (
        '{"token": "***", "owner": "5541", "message": {"token": "***"}, "tokens": "kept", "token2": ""}'
    )
    assert mask_tokens('{"token": ""}') == '{"token": ""}'  # nothing to hide
