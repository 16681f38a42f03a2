"""The tracking id of a reply's part: the same part of the same batch always gets the same one."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.tracking import part_track_id

BATCH = "5541999990000:3EB0A1,5541999990000:3EB0B2"


def test_the_same_part_of_the_same_batch_gets_the_same_id() -> None:
    assert part_track_id(BATCH, 2) == part_track_id(BATCH, 2)
    assert re.fullmatch(r"[0-9a-f]{16}-3", part_track_id(BATCH, 2))


def test_parts_and_batches_get_different_ids() -> None:
    ids = {part_track_id(batch, i) for batch in (BATCH, BATCH + ",X", "other") for i in range(8)}
    assert len(ids) == 24


def test_the_id_says_nothing_of_the_chat_or_the_text() -> None:
    track_id = part_track_id("5541988887777:ABC", 0)
    assert "5541988887777" not in track_id and len(track_id) <= 24


def test_a_negative_index_is_a_bug() -> None:
    with pytest.raises(ValueError):
        part_track_id(BATCH, -1)


@given(st.text(max_size=200), st.text(max_size=200), st.integers(0, 50), st.integers(0, 50))
def test_distinct_parts_never_share_an_id(first: str, second: str, i: int, j: int) -> None:
    same = part_track_id(first, i) == part_track_id(second, j)
    assert same == (first == second and i == j)
