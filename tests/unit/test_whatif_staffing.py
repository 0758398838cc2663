"""The staffing a what-if tries: the plan's agents changed by a manager's overrides."""

from __future__ import annotations

import pytest

from crm_core.metrics.call_staffing import Target, plan
from crm_core.metrics.call_whatif import (
    Override,
    WhatIfInput,
    base_of,
    parse_override,
    planned_agents,
    staffing,
)


@pytest.mark.parametrize("text, override", [
    ("12:00-14:00:-2", Override(24, 28, -2)),
    ("9:30-10:00:+1", Override(19, 20, 1)),
    ("22:00-24:00:=0", Override(44, 48, 0, absolute=True)),
    (" 00:00-00:30:+3 ", Override(0, 1, 3)),
    ("08:00-09:00:=+4", Override(16, 18, 4, absolute=True)),
])
def test_overrides_are_read_as_half_hours(text: str, override: Override) -> None:
    assert parse_override(text) == override


@pytest.mark.parametrize("text, says", [
    ("noon:-2", "is not FROM-TO"),
    ("12:15-14:00:-2", "times are half hours"),
    ("12:00-24:30:-2", "times are half hours"),
    ("25:00-26:00:+1", "times are half hours"),
    ("14:00-12:00:-2", "the end must be after the start"),
    ("12:00-14:00:=-2", "a number of agents is 0 or more"),
])
def test_a_malformed_override_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(WhatIfInput, match=says) as caught:
        parse_override(text)
    assert caught.value.field == "overrides"


def test_overrides_apply_in_order_and_never_go_below_zero() -> None:
    base = [3] * 48
    agents = staffing(base, [parse_override("12:00-14:00:-2"), parse_override("13:00-15:00:-2"),
                             parse_override("20:00-21:00:=7")])
    assert agents[23:31] == [3, 1, 1, 0, 0, 1, 1, 3]
    assert agents[40:42] == [7, 7] and base == [3] * 48


def test_the_plan_s_agents_by_erlang_a_unless_there_is_no_patience() -> None:
    calls = [0.0] * 20 + [100.0] * 8 + [0.0] * 20
    with_patience = plan(calls, Target(aht=180, patience=60))
    without = plan(calls, Target(aht=180))
    assert base_of(with_patience, None) == "erlang_a" and base_of(without, None) == "erlang_c"
    a, c = planned_agents(with_patience, "erlang_a"), planned_agents(with_patience, "erlang_c")
    assert a[20] <= c[20] == 14 and a[0] == c[0] == 0
    with pytest.raises(WhatIfInput, match="Erlang A needs the callers' patience"):
        planned_agents(without, "erlang_a")
