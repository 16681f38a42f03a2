"""Calibrated confidences (app/adapters/confidence.py)."""

from __future__ import annotations

import pytest

from app.adapters.retrieval.confidence import Calibration, Evidence, Logistic, best_first, calibrated
from app.domain.messages import Passage


def test_a_logistic_is_one_half_on_its_cut_and_rises_with_the_evidence() -> None:
    calibration = Logistic((10.0, 2.0), -9.0)
    assert calibration(0.8, 0.5) == pytest.approx(0.5)
    assert calibration(0.9, 0.5) > 0.5 > calibration(0.8, 0.0)
    assert 0.0 < calibration(-1e9, 0.0) < 1e-12 and calibration(1e9, 0.0) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="expected 2 features"):
        calibration(0.8)


def test_a_lower_ranked_passage_is_never_more_confident_than_the_one_above() -> None:
    assert best_first([0.4, 0.9, 0.3, 0.35]) == [0.4, 0.4, 0.3, 0.3]
    assert best_first([]) == []


def test_calibrated_passages_keep_their_rank_and_carry_their_confidence() -> None:
    found = [
        Evidence(Passage("a", "faq.md", 0.0, "A"), 5.0, (1.0,)),
        Evidence(Passage("b", "faq.md", 0.0, "B"), 4.0, (-1.0,)),
    ]
    passages = calibrated(found, Calibration(Logistic((3.0,), 0.0), Logistic((3.0,), -9.0)))
    assert [p.title for p in passages] == ["A", "B"]
    assert passages[0].score == round(Logistic((3.0,), 0.0)(1.0), 4) > 0.5 > passages[1].score


def test_a_passage_with_the_owners_questions_is_calibrated_apart() -> None:
    calibration = Calibration(as_written=Logistic((3.0,), 0.0), with_questions=Logistic((3.0,), -2.0))
    written = Evidence(Passage("a", "faq.md", 0.0, "A"), 5.0, (0.5,))
    asked = Evidence(Passage("a", "faq.md", 0.0, "A", asked="tem pix?"), 5.0, (0.5,))
    assert calibrated([written], calibration)[0].score > 0.5 > calibrated([asked], calibration)[0].score
    assert calibration.weighs(0) and not Calibration(Logistic((0.0,), 1.0), Logistic((0.0,), 2.0)).weighs(0)
