"""Agents' time without a database: the demo company's shifts keep to the world's rule
(nothing happens at or after the seed's ``now``, midnight UTC starting ``today``, so the
platform's own states, written from the moment it starts, never fall among made-up ones;
a made-up call after ``now`` keeps its agent busy for it, and no longer), and the cutting
of states at the buckets' edges loses and adds nothing."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.metrics.agent_time import add_up
from crm_core.metrics.buckets import origin_of
from crm_core.metrics.period import Period
from crm_core.synthetic.company import build_company


@pytest.mark.parametrize("seed", range(4))
def test_no_shift_runs_past_the_seeds_now(seed: int) -> None:
    today = dt.date(2026, 12, 1)
    now = dt.datetime.combine(today, dt.time(), dt.UTC)
    company = build_company(customers=400, seed=seed, today=today)
    states = company.rows["agent_states"]
    assert states
    calls_after = {}
    for call in company.rows["interactions"]:
        if call["agent"] and call["outcome"] == "answered" and call["ended_at"] > now:
            end = call["ended_at"] + dt.timedelta(seconds=call["wrap_seconds"] or 0)
            calls_after[call["agent"]] = max(end, calls_after.get(call["agent"], end))
    for row in states:
        assert row["ended_at"] <= calls_after.get(row["agent"], now), row



# -- the cutting, as numbers: nothing lost or added at the edges -----------------------------

WIDTHS = st.sampled_from([900, 1800, 3600, 86_400, 604_800])
MONDAY = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)


@settings(max_examples=200, deadline=None)
@given(starts=st.lists(st.integers(0, 14 * 86_400 * 1000), min_size=1, max_size=20,
                       unique=True),
       width=WIDTHS, clip=st.tuples(st.integers(0, 14 * 86_400), st.integers(1, 14 * 86_400)))
def test_each_agents_time_is_cut_without_loss_or_overlap(
        starts: list[int], width: int, clip: tuple[int, int]) -> None:
    """One agent's consecutive states (times in ms): every bucket holds at most its
    width, and the buckets add up to the time the period clips."""
    moments = sorted(MONDAY.timestamp() + ms / 1000 for ms in starts)
    rows = [("agent101", "available", "", '["sales"]', begin, end)
            for begin, end in itertools.pairwise(moments)]
    low = MONDAY + dt.timedelta(seconds=clip[0])
    period = Period(low, low + dt.timedelta(seconds=clip[1]))
    figures = add_up(rows, period, width, "agent", None, MONDAY + dt.timedelta(days=30))
    assert all(time.available <= width + 1e-6 for time in figures.values())
    assert all((start.timestamp() - origin_of(width)) % width == 0 for start, _ in figures)
    expected = sum(max(0.0, min(end, period.end.timestamp()) -
                       max(begin, period.start.timestamp()))
                   for *_, begin, end in rows)
    assert sum(time.available for time in figures.values()) == pytest.approx(expected,
                                                                              abs=1e-6)
