"""From transactions to (x, t_x, T, monetary): by hand on a small history, and its
invariants on any history (hypothesis), where the model's likelihood is also finite."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from contactcenter.analytics.bgnbd import log_likelihood
from contactcenter.analytics.errors import NotEnoughData
from contactcenter.analytics.summary import summarize

START = np.datetime64("2026-01-01")


def test_a_small_history_by_hand() -> None:
    """Ann: three purchases on two days, then one more; Bob: one purchase; Cy: two
    purchases, the second after the end of observation."""
    rows = [("ann", "2026-01-01", 10.0), ("ann", "2026-01-01", 5.0), ("ann", "2026-01-08", 20.0),
            ("ann", "2026-01-22", 30.0), ("bob", "2026-01-15", 99.0), ("cy", "2026-01-29", 7.0),
            ("cy", "2026-03-01", 8.0)]
    who, days, amounts = zip(*rows, strict=True)
    weeks = summarize(who, days, amounts, end=np.datetime64("2026-01-29"), unit="weeks")
    assert list(weeks.customers) == ["ann", "bob", "cy"]
    assert list(weeks.x) == [2, 0, 0]
    assert list(weeks.t_x) == [3.0, 0.0, 0.0]
    assert list(weeks.T) == [4.0, 2.0, 0.0]
    assert list(weeks.monetary) == [25.0, 0.0, 0.0]  # the first day (15) is not a repeat
    days_ = summarize(who, days, amounts, end=np.datetime64("2026-01-29"), unit="days")
    assert list(days_.t_x) == [21.0, 0.0, 0.0] and list(days_.T) == [28.0, 14.0, 0.0]


def test_the_end_defaults_to_the_last_transaction() -> None:
    summary = summarize([1, 1, 2], ["2026-01-01", "2026-01-11", "2026-01-06"], [1, 2, 3],
                        unit="days")
    assert summary.end == np.datetime64("2026-01-11")
    assert list(summary.T) == [10.0, 5.0]


def test_no_transactions_up_to_the_end_is_said_plainly() -> None:
    with pytest.raises(NotEnoughData, match="^no transactions up to 2025-12-31$"):
        summarize(["a"], ["2026-01-01"], [1.0], end=np.datetime64("2025-12-31"))
    with pytest.raises(NotEnoughData, match="^no transactions$"):
        summarize([], np.array([], dtype="datetime64[D]"), [])


histories = st.lists(st.tuples(st.integers(0, 6), st.integers(0, 120),
                               st.floats(0, 500, allow_nan=False)), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(rows=histories, end_after=st.integers(-30, 30))
def test_the_summary_keeps_its_invariants_on_any_history(
        rows: list[tuple[int, int, float]], end_after: int) -> None:
    who = np.array([row[0] for row in rows])
    days = START + np.array([row[1] for row in rows])
    end = days.max() + end_after
    assume((days <= end).any())
    summary = summarize(who, days, [row[2] for row in rows], end=end, unit="weeks")
    assert (0 <= summary.t_x).all() and (summary.t_x <= summary.T).all()
    assert (summary.t_x[summary.x == 0] == 0).all()
    assert (summary.monetary[summary.x == 0] == 0).all()
    visits: defaultdict[int, set[int]] = defaultdict(set)
    for customer, day, _ in rows:
        if START + day <= end:
            visits[customer].add(day)
    assert list(summary.customers) == sorted(visits)
    assert list(summary.x) == [len(visits[c]) - 1 for c in sorted(visits)]


@settings(max_examples=60, deadline=None)
@given(rows=histories, params=st.tuples(*[st.floats(0.01, 50) for _ in range(4)]))
def test_the_likelihood_is_finite_on_any_history(
        rows: list[tuple[int, int, float]], params: tuple[float, float, float, float]) -> None:
    summary = summarize([r[0] for r in rows], START + np.array([r[1] for r in rows]),
                        [r[2] for r in rows], unit="days")
    each = log_likelihood(params, summary.x, summary.t_x, summary.T)
    assert np.isfinite(each).all()
    # for x = 0 the likelihood is the probability of no purchase in T (for x > 0 it is
    # a density of the purchase times, which may exceed 1)
    assert (each[summary.x == 0] <= 1e-12).all()
