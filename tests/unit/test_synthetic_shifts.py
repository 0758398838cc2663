"""The demo company's agents' states: shifts around their calls, never two states of one
agent at once, every answered call inside the agent's busy time."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict

from crm_core.synthetic.company import build_company


def test_each_agents_states_follow_one_another_around_their_calls() -> None:
    company = build_company(customers=300, seed=7, today=dt.date(2026, 12, 1))
    states = company.rows["agent_states"]
    by_agent: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in states:
        by_agent[row["agent"]].append(row)
    assert by_agent, "the company's agents have shifts"
    for rows in by_agent.values():
        rows.sort(key=lambda row: row["started_at"])
        for before, after in itertools.pairwise(rows):
            assert before["ended_at"] <= after["started_at"]  # one state at a time
        assert rows[-1]["state"] == "logged_out"
    busy = {(row["agent"], row["started_at"]) for row in states if row["state"] == "on_call"}
    answered = [call for call in company.rows["interactions"]
                if call["agent"] and call["outcome"] == "answered" and call["talk_seconds"]]
    assert len(busy) == len(answered)  # every call the agent had is time on a call
    lunches = [row for row in states if row["state"] == "paused"]
    assert all(row["reason"] == "lunch" for row in lunches)
    assert all(row["ended_at"] - row["started_at"] == dt.timedelta(minutes=30)
               for row in lunches)


def test_every_state_of_every_seed_ends_after_it_starts() -> None:
    for seed in range(5):
        company = build_company(customers=200, seed=seed, today=dt.date(2026, 12, 1))
        assert all(row["ended_at"] >= row["started_at"]
                   for row in company.rows["agent_states"])
