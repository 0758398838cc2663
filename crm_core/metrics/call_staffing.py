"""Agents needed per half hour for a service-level target, by Erlang C and Erlang A.

Each slot's offered traffic is ``A = calls x AHT / slot length`` Erlangs. Erlang C
(M/M/N, callers wait forever) gives the fewest agents whose share answered within
``within`` seconds reaches ``target``: the textbook figure, pessimistic under load
because real callers hang up. Erlang A (M/M/N+M) gives callers an exponential
patience, estimated from the history (``call_load.Handling.patience``), and its
service level leaves out the callers who hang up within ``short_abandon`` seconds,
as the history's does. Both models are ``contactcenter.acd.erlang``'s.

Pure functions: the forecast and the history's figures in, a plan out.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from contactcenter.acd import erlang

#: the most agents one slot is searched up to: far beyond any floor of one site
MAX_AGENTS = 20_000


@dataclass(frozen=True, slots=True)
class Target:
    """What a slot must achieve, and how the callers behave."""

    level: float = 0.8  #: the share answered within ``within``, in [0, 1)
    within: float = 20.0  #: seconds
    aht: float = 180.0  #: mean handle time (talk + wrap-up), seconds
    #: callers' mean patience, seconds; None: unknown, no Erlang A figures
    patience: float | None = None
    short_abandon: float = 5.0  #: hang-ups within this many seconds are not counted
    slot_seconds: float = 1800.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.level < 1.0:
            raise ValueError("target: a share from 0 up to (not including) 1")
        for name in ("within", "short_abandon"):
            if not 0.0 <= getattr(self, name) < math.inf:
                raise ValueError(f"{name}: a number of seconds, at least 0")
        for name in ("aht", "slot_seconds"):
            if not 0.0 < getattr(self, name) < math.inf:
                raise ValueError(f"{name}: a number of seconds above 0")
        if self.patience is not None and not 0.0 < self.patience < math.inf:
            raise ValueError("patience: a number of seconds above 0")


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """One slot: its forecast, the agents each model asks for, and what they would give."""

    calls: float
    traffic: float  #: Erlangs
    erlang_c_agents: int
    erlang_c_service_level: float | None
    erlang_c_asa: float | None
    occupancy: float | None  #: traffic / Erlang C's agents
    erlang_a_agents: int | None
    erlang_a_service_level: float | None
    erlang_a_abandon: float | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def erlang_a_agents(traffic: float, target: Target) -> int:
    """The fewest agents whose Erlang A service level reaches the target.

    Agents answer at most N / A of the calls, and the service level leaves out the
    callers who hang up within ``short_abandon``, at most a share 1 - exp(-short_abandon
    / patience) of them (all of them waiting). So the level is at most N / A over
    exp(-short_abandon / patience), and fewer than ``level x A x exp(-short_abandon /
    patience)`` agents can never reach it: the search starts there and adds one agent at
    a time. (Starting at ``level x A`` overshot: with callers who give up within
    seconds, far fewer agents reach the level among those who stay.)
    """
    assert target.patience is not None
    kept = math.exp(-target.short_abandon / target.patience)
    agents = max(1, math.floor(target.level * traffic * kept))
    while agents <= MAX_AGENTS:
        model = erlang.erlang_a(traffic, agents, target.aht, target.patience)
        if model.service_level_excluding(target.within, target.short_abandon) >= target.level:
            return agents
        agents += 1
    raise ValueError(f"calls: more than {MAX_AGENTS} agents would be needed in one slot")


def _erlang_a_part(traffic: float, target: Target) -> tuple[int, float, float] | None:
    if target.patience is None:
        return None
    agents = erlang_a_agents(traffic, target)
    model = erlang.erlang_a(traffic, agents, target.aht, target.patience)
    return (agents, model.service_level_excluding(target.within, target.short_abandon),
            model.p_abandon)


def plan_slot(calls: float, target: Target) -> SlotPlan:
    """The plan of one slot with ``calls`` calls forecast."""
    if not 0.0 <= calls < math.inf:
        raise ValueError("calls: a number of calls, at least 0")
    traffic = calls * target.aht / target.slot_seconds
    if traffic == 0.0:  # nobody calls: nobody is needed, and Erlang's formulas need A > 0
        return SlotPlan(calls, 0.0, 0, None, None, None, 0 if target.patience else None,
                        None, None)
    agents = erlang.agents_needed(traffic, target.aht, target.within, target.level)
    a_part = _erlang_a_part(traffic, target)
    return SlotPlan(
        calls=calls, traffic=traffic, erlang_c_agents=agents,
        erlang_c_service_level=erlang.service_level(traffic, agents, target.aht,
                                                    target.within),
        erlang_c_asa=erlang.average_speed_of_answer(traffic, agents, target.aht),
        occupancy=erlang.occupancy(traffic, agents),
        erlang_a_agents=a_part[0] if a_part else None,
        erlang_a_service_level=a_part[1] if a_part else None,
        erlang_a_abandon=a_part[2] if a_part else None)


def plan(forecast: list[float], target: Target) -> list[SlotPlan]:
    """The plan of each forecast slot, in order."""
    return [plan_slot(float(calls), target) for calls in forecast]
