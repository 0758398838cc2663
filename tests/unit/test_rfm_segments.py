"""The RFM segment table: every cell of the R x F grid has exactly one named segment."""

from __future__ import annotations

import pytest

from crm_core import rfm


def test_every_cell_of_the_grid_has_exactly_one_segment() -> None:
    for r in rfm.SCORES:
        for f in rfm.SCORES:
            owners = [rule.name for rule in rfm.SEGMENTS
                      if rule.r[0] <= r <= rule.r[1] and rule.f[0] <= f <= rule.f[1]]
            assert len(owners) == 1, (r, f, owners)


@pytest.mark.parametrize(("r", "f", "segment"), [
    (5, 5, "champions"), (5, 4, "champions"), (4, 5, "loyal"), (3, 4, "loyal"),
    (5, 2, "potential_loyalists"), (4, 3, "potential_loyalists"), (5, 1, "new_customers"),
    (4, 1, "promising"), (3, 3, "need_attention"), (3, 1, "about_to_sleep"),
    (2, 3, "at_risk"), (1, 4, "at_risk"), (1, 5, "cannot_lose_them"), (2, 5, "cannot_lose_them"),
    (2, 2, "hibernating"), (2, 1, "hibernating"), (1, 2, "lost"), (1, 1, "lost")])
def test_the_named_cells(r: int, f: int, segment: str) -> None:
    assert rfm.segment_of(r, f) == segment


def test_a_score_outside_one_to_five_has_no_segment() -> None:
    with pytest.raises(ValueError, match="R=0"):
        rfm.segment_of(0, 3)


@pytest.mark.parametrize(("count", "scores"), [
    (10, [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]), (7, [1, 1, 2, 3, 3, 4, 5]), (5, [1, 2, 3, 4, 5]),
    (3, [1, 2, 4]), (1, [1])])
def test_quintiles_by_rank(count: int, scores: list[int]) -> None:
    assert [rfm.quintile(rank, count) for rank in range(1, count + 1)] == scores
