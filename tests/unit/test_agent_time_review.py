"""The demo company's agents' shifts keep to the world's rule: nothing happens at or after
the seed's ``now`` (midnight UTC starting ``today``), so the platform's own states, written
from the moment it starts, never fall among made-up ones. (A made-up call after ``now``
keeps its agent busy for it, and no longer.)"""

from __future__ import annotations

import datetime as dt

import pytest

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

