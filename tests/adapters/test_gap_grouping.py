"""Declined questions grouped by meaning with the real embedding models FAISS uses.

Rewordings of one question share a group even with no word in common ("Tá contratando?" and
"Vocês têm vaga de emprego?"); different questions do not, though e5 puts any two short
Portuguese questions close together (its threshold is per model: ``meaning_threshold``).
"""

from __future__ import annotations

import pytest

from app.adapters.embeddings import build_embedder
from app.domain.gaps import group_by_meaning, meaning_threshold
from app.ports.gaps import DeclinedQuestion

QUESTIONS = [
    "Vocês vendem pizza?",
    "Tem pizza de calabresa?",
    "Vocês fazem pizza?",
    "Aceitam bitcoin?",
    "E bitcoin, aceitam?",
    "Vocês alugam o salão para festas?",
    "Qual o preço do bolo de casamento?",
    "Tá contratando?",
    "Vocês têm vaga de emprego?",
]


@pytest.mark.parametrize("model", ["e5", "use"])
def test_rewordings_share_a_group_and_different_questions_do_not(model: str) -> None:
    embedder = build_embedder(model)
    asked = [DeclinedQuestion(str(i), i, "chat", q) for i, q in enumerate(QUESTIONS)]
    vectors = [list(map(float, embedder.embed_query(q).tolist())) for q in QUESTIONS]
    gaps = group_by_meaning(asked, vectors, meaning_threshold(embedder.name))
    groups = sorted(sorted(g.questions) for g in gaps)
    assert groups == sorted(
        [
            sorted(QUESTIONS[0:3]),
            sorted(QUESTIONS[3:5]),
            [QUESTIONS[5]],
            [QUESTIONS[6]],
            sorted(QUESTIONS[7:9]),
        ]
    )
