"""How an answer is said on WhatsApp: Markdown conversion, splitting and typing rhythm."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.domain.reply_policy import ReplyPlan, ReplyPolicy, markdown_to_whatsapp, split_message

PROPERTY = settings(max_examples=200, deadline=None)


def squash(text: str) -> str:
    """The text with every whitespace character removed."""
    return re.sub(r"\s+", "", text)


# --- markdown_to_whatsapp -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("markdown", "whatsapp"),
    [
        ("isso é **importante**", "isso é *importante*"),
        ("isso é __importante__", "isso é *importante*"),
        ("um *detalhe* aqui", "um _detalhe_ aqui"),
        ("~~caro~~ barato", "~caro~ barato"),
        ("# Horários", "*Horários*"),
        ("### Entrega e **frete** ###", "*Entrega e frete*"),
        ("veja [o site](https://exemplo.com.br/a)", "veja o site (https://exemplo.com.br/a)"),
        ("![foto](https://exemplo.com.br/f.png)", "foto (https://exemplo.com.br/f.png)"),
        ("[https://exemplo.com.br](https://exemplo.com.br)", "https://exemplo.com.br"),
        ("**negrito com *itálico* dentro**", "*negrito com _itálico_ dentro*"),
        ("* **Pix**: na hora", "- *Pix*: na hora"),
        ("2 * 3 * 4 = 24", "2 * 3 * 4 = 24"),
        ("arquivo_de_config", "arquivo_de_config"),
    ],
)
def test_markdown_inline_formatting(markdown: str, whatsapp: str) -> None:
    assert markdown_to_whatsapp(markdown) == whatsapp


def test_markdown_heading_becomes_a_bold_line_among_others() -> None:
    text = "## Como comprar\nEscolha o produto.\n\n# Pagamento\nPix ou cartão."
    assert markdown_to_whatsapp(text) == "*Como comprar*\nEscolha o produto.\n\n*Pagamento*\nPix ou cartão."


def test_markdown_lists_are_kept_and_star_bullets_become_dashes() -> None:
    text = "Opções:\n* azul\n+ verde\n  * verde-claro\n- vermelho\n1. primeiro\n2. segundo"
    assert markdown_to_whatsapp(text) == (
        "Opções:\n- azul\n- verde\n  - verde-claro\n- vermelho\n1. primeiro\n2. segundo"
    )


def test_markdown_code_fence_content_is_untouched() -> None:
    text = "Rode:\n```\n**nao mexa**\n* item\n# comentario\n[a](b)\n```\nDepois **isso**."
    assert markdown_to_whatsapp(text) == (
        "Rode:\n```\n**nao mexa**\n* item\n# comentario\n[a](b)\n```\nDepois *isso*."
    )


def test_markdown_drops_horizontal_rules_and_extra_blank_lines() -> None:
    text = "Olá\n\n---\n\n\n\nTchau\r\n***\r\nFim"
    assert markdown_to_whatsapp(text) == "Olá\n\nTchau\nFim"


# Regressions: bugs found by these tests, fixed in app/.


def test_markdown_does_not_touch_underscores_inside_urls() -> None:
    text = "Baixe em https://exemplo.com.br/arquivos/__v2__/tabela.pdf"
    assert markdown_to_whatsapp(text) == text


def test_markdown_keeps_blank_lines_inside_code_fences() -> None:
    text = "```\na = 1\n\n\n\nb = 2\n```"
    assert markdown_to_whatsapp(text) == text


def test_markdown_heading_keeps_hash_that_is_part_of_a_word() -> None:
    assert markdown_to_whatsapp("# Curso de C#") == "*Curso de C#*"


# --- split_message: examples ---------------------------------------------------------------


def test_split_short_text_is_one_part_and_blank_is_none() -> None:
    assert split_message("  Olá, tudo bem?  ", 50) == ["Olá, tudo bem?"]
    assert split_message(" \n\t ", 50) == []


def test_split_prefers_paragraphs() -> None:
    text = "Primeiro parágrafo aqui.\n\nSegundo parágrafo aqui."
    assert split_message(text, 30) == ["Primeiro parágrafo aqui.", "Segundo parágrafo aqui."]


def test_split_packs_paragraphs_that_fit_together() -> None:
    assert split_message("aa\n\nbb\n\ncc", 8) == ["aa\n\nbb", "cc"]


def test_split_falls_back_to_lines() -> None:
    text = "- item um\n- item dois\n- item tres"
    assert split_message(text, 22) == ["- item um\n- item dois", "- item tres"]


def test_split_falls_back_to_sentences() -> None:
    text = "Abrimos às nove. Fechamos às seis! Sábado não?"
    assert split_message(text, 20) == ["Abrimos às nove.", "Fechamos às seis!", "Sábado não?"]


def test_split_falls_back_to_words() -> None:
    assert split_message("um dois tres quatro cinco", 9) == ["um dois", "tres", "quatro", "cinco"]


def test_split_keeps_an_overlong_url_whole() -> None:
    url = "https://exemplo.com.br/" + "a" * 40
    assert split_message(f"veja {url} agora", 20) == ["veja", url, "agora"]


def test_split_never_cuts_inside_a_bold_span() -> None:
    parts = split_message("texto antes *promo de verão* depois", 16)
    assert "*promo de verão*" in parts


def test_split_never_cuts_a_number_with_separators() -> None:
    parts = split_message("o total ficou em R$ 1.234,56 com frete", 12)
    assert any("1.234,56" in p for p in parts)
    assert all(len(p) <= 12 for p in parts)


# --- split_message: properties -------------------------------------------------------------

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzçãéó0123456789", min_size=1, max_size=8)
PUNCT_WORD = st.builds(lambda w, p: w + p, WORD, st.sampled_from(["", "", "", ".", "!", "?", ",", ":", ";"]))
SEPARATOR = st.sampled_from([" ", " ", " ", "  ", "\n", "\n\n", " \n", "\t"])
URL = st.builds(
    lambda host, tld, path, q: (
        f"https://{host}.{tld}/{'/'.join(path)}" + (f"?x={q}" if q is not None else "")
    ),
    st.text(alphabet="abcdefghij", min_size=2, max_size=10),
    st.sampled_from(["com", "com.br", "org"]),
    st.lists(st.text(alphabet="abcdef0123", min_size=1, max_size=5), min_size=0, max_size=4),
    st.one_of(st.none(), st.integers(0, 999)),
)
SPAN = st.builds(lambda ws: "*" + " ".join(ws) + "*", st.lists(WORD, min_size=1, max_size=4))


def joined(tokens: list[str], seps: list[str]) -> str:
    out = []
    for i, token in enumerate(tokens):
        out.append(token)
        out.append(seps[i % len(seps)])
    return "".join(out)


@st.composite
def texts_of(draw: st.DrawFn, token: st.SearchStrategy[str]) -> str:
    tokens = draw(st.lists(token, min_size=1, max_size=60))
    seps = draw(st.lists(SEPARATOR, min_size=1, max_size=10))
    return joined(tokens, seps)


ANY_TEXT = st.text(alphabet="ab c.!?\n\t*_~`()/:", max_size=200)


@PROPERTY
@given(text=st.one_of(ANY_TEXT, texts_of(st.one_of(PUNCT_WORD, URL, SPAN))), limit=st.integers(1, 60))
def test_property_split_loses_nothing_but_whitespace(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    assert squash("".join(parts)) == squash(text)
    assert all(p and p == p.strip() for p in parts)


@PROPERTY
@given(text=texts_of(PUNCT_WORD), limit=st.integers(10, 80))
def test_property_split_respects_limit_when_words_are_shorter(text: str, limit: int) -> None:
    assert all(len(token) < limit for token in text.split())
    parts = split_message(text, limit)
    assert all(len(p) <= limit for p in parts), parts


@PROPERTY
@given(text=texts_of(st.one_of(PUNCT_WORD, URL)), limit=st.integers(5, 60))
def test_property_split_never_breaks_a_url(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    for url in set(re.findall(r"https://\S+", text)):
        assert sum(p.count(url) for p in parts) == text.count(url), (url, parts)
        assert any(url in p for p in parts)


@PROPERTY
@given(text=texts_of(st.one_of(PUNCT_WORD, SPAN)), limit=st.integers(10, 60))
def test_property_split_never_breaks_a_short_formatting_span(text: str, limit: int) -> None:
    parts = split_message(text, limit)
    for span in set(re.findall(r"\*[^*]+\*", text)):
        if len(span) >= limit:
            continue
        assert sum(p.count(span) for p in parts) == text.count(span), (span, parts)


@PROPERTY
@given(text=st.one_of(ANY_TEXT, texts_of(st.one_of(PUNCT_WORD, URL, SPAN))), limit=st.integers(1, 60))
def test_property_split_never_splits_a_word(text: str, limit: int) -> None:
    tokens = set(text.split())
    for part in split_message(text, limit):
        assert set(part.split()) <= tokens, part


# --- ReplyPolicy ---------------------------------------------------------------------------


def test_plan_paragraphs_become_separate_bubbles_in_whatsapp_format() -> None:
    plan = ReplyPolicy().plan("## Horário\n\nAbrimos **às 9h**.\n\nVeja [o mapa](https://exemplo.com.br/m).")
    assert plan.texts == ["*Horário*", "Abrimos *às 9h*.", "Veja o mapa (https://exemplo.com.br/m)."]
    assert plan.truncated is False


def test_parts_split_a_long_paragraph_by_lines_before_sentences() -> None:
    policy = ReplyPolicy(max_chars=30, max_parts=10)
    answer = "Temos: camisa azul. Camisa verde.\nCalça preta. Calça branca."
    parts, truncated = policy.parts(answer)
    assert parts == ["Temos: camisa azul.", "Camisa verde.", "Calça preta. Calça branca."]
    assert not truncated


def test_parts_split_by_words_when_a_sentence_is_too_long() -> None:
    policy = ReplyPolicy(max_chars=12, max_parts=10)
    parts, _ = policy.parts("entregamos em todo o brasil")
    assert parts == ["entregamos", "em todo o", "brasil"]


def test_parts_packs_many_short_paragraphs_when_over_the_cap() -> None:
    policy = ReplyPolicy(max_chars=20, max_parts=3)
    parts, truncated = policy.parts("\n\n".join(["um", "dois", "tres", "quatro", "cinco", "seis"]))
    assert parts == ["um\n\ndois\n\ntres", "quatro\n\ncinco\n\nseis"]
    assert not truncated


def test_parts_are_capped_and_flagged_truncated() -> None:
    policy = ReplyPolicy(max_chars=20, max_parts=2)
    paragraphs = [f"parágrafo número {i}" for i in range(5)]
    parts, truncated = policy.parts("\n\n".join(paragraphs))
    assert parts == paragraphs[:2]
    assert truncated is True


def test_plan_reports_truncation_and_keeps_at_most_max_parts() -> None:
    policy = ReplyPolicy(max_chars=10, max_parts=3)
    plan = policy.plan(" ".join(["palavra"] * 20))
    assert isinstance(plan, ReplyPlan)
    assert len(plan.parts) == 3
    assert plan.truncated


def test_plan_empty_answer_has_no_parts() -> None:
    plan = ReplyPolicy().plan("  \n\n ")
    assert plan.parts == ()
    assert not plan.truncated


@pytest.mark.parametrize(
    ("length", "expected"),
    [(0, 800), (10, 800), (26, 800), (27, 810), (50, 1_500), (133, 3_990), (134, 4_000), (1_000, 4_000)],
)
def test_typing_delay_is_proportional_with_floor_and_ceiling(length: int, expected: int) -> None:
    assert ReplyPolicy().typing_ms("x" * length) == expected


def test_plan_parts_carry_their_typing_delay() -> None:
    policy = ReplyPolicy(max_chars=40, typing_ms_per_char=10, typing_min_ms=100, typing_max_ms=300)
    plan = policy.plan("oi\n\n" + "x" * 20 + "\n\n" + "y" * 40)
    assert [p.typing_ms for p in plan.parts] == [100, 200, 300]


@PROPERTY
@given(
    answer=texts_of(st.one_of(PUNCT_WORD, URL)),
    max_chars=st.integers(20, 120),
    max_parts=st.integers(1, 6),
)
def test_property_plan_respects_caps(answer: str, max_chars: int, max_parts: int) -> None:
    policy = ReplyPolicy(max_chars=max_chars, max_parts=max_parts)
    plan = policy.plan(answer)
    assert 1 <= len(plan.parts) <= max_parts
    for part in plan.parts:
        assert len(part.text) <= max_chars or " " not in part.text
        assert policy.typing_min_ms <= part.typing_ms <= policy.typing_max_ms
    if not plan.truncated:
        assert squash("".join(plan.texts)) == squash(markdown_to_whatsapp(answer))


def test_markdown_leaves_inline_code_alone() -> None:
    assert markdown_to_whatsapp("use `**x**` e **y**") == "use `**x**` e *y*"
