"""What-if: a forecast day run on the simulator, slot by slot, beside Erlang A and C.

Staffing tools size each half hour as if it were alone and in a steady state: Erlang's
formulas know nothing of the queue left over from the slot before, nor of the agents who
leave at 12:00 in the middle of a call. This run does know: the day's callers arrive at
each slot's forecast rate (``DayTraffic``, a non-homogeneous Poisson process), the agents
log in and out at slot edges as the staffing says (``Rota``), and the real ACD core
routes them, so a manager can ask "what if two agents fewer from 12:00 to 14:00?" and
read what each half hour would get. Several replications (seeds ``seed``,
``seed + 1``...) give each figure's mean and spread.

The figures of a slot are over the callers who arrived in it (the history counts a call
in the bucket of its start): service level is answered within ``sl_seconds`` over
offered minus short abandons (docs/call-history.md), ASA the mean wait of the answered,
occupancy the talk time within the slot over the agents' time on the floor within it.

Pure: no clock, no database; the same inputs and seed give the same answer.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from contactcenter.acd import erlang
from contactcenter.acd.model import AgentId
from contactcenter.telephony.sim.driver import Simulator
from contactcenter.telephony.sim.metrics import CallRecord
from contactcenter.telephony.sim.run import real_acd
from contactcenter.telephony.sim.scenario import DayTraffic, Floor

#: the most calls (expected, over every replication) one what-if simulates by default
MAX_CALLS = 2_000_000


class WhatIfTooLarge(ValueError):
    """More calls than the cap would be simulated: fewer replications, or a higher cap."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Day:
    """What the what-if runs: the forecast and the agents of each slot, and the callers."""

    calls: tuple[float, ...]  #: expected calls per slot
    agents: tuple[int, ...]  #: agents logged in per slot
    aht: float  #: mean handle time (talk + wrap-up), seconds
    patience: float | None  #: callers' mean patience, seconds; None: nobody hangs up
    sl_seconds: float = 20.0
    short_abandon: float = 5.0
    slot_seconds: float = 1800.0

    def __post_init__(self) -> None:
        if len(self.calls) != len(self.agents):
            raise ValueError(f"agents: one number per slot ({len(self.calls)}), "
                             f"not {len(self.agents)}")
        if any(n < 0 for n in self.agents):
            raise ValueError("agents: 0 or more in each slot")
        for name in ("sl_seconds", "short_abandon"):
            if not 0 <= getattr(self, name) < math.inf:
                raise ValueError(f"{name}: a number of seconds, at least 0")


@dataclass(slots=True)
class Counts:
    """One slot of one run (or their sum): what the figures are made of."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    answered_within: int = 0
    short_abandons: int = 0
    waited: float = 0.0  #: seconds waited by the answered calls
    talk: float = 0.0  #: seconds of talk within the slot
    presence: float = 0.0  #: agent-seconds on the floor within the slot

    def add(self, other: Counts) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, float]:
        counted = self.offered - self.short_abandons
        return {"offered": self.offered, "answered": self.answered,
                "abandoned": self.abandoned,
                "service_level": self.answered_within / counted if counted else math.nan,
                "asa": self.waited / self.answered if self.answered else math.nan,
                "occupancy": self.talk / self.presence if self.presence else math.nan}


@dataclass(frozen=True, slots=True)
class Spread:
    """A figure over the replications: its mean and standard deviation (None: no value,
    e.g. no ASA where nobody was answered; the deviation needs two values)."""

    mean: float | None
    sd: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        kept = [v for v in values if not math.isnan(v)]
        if not kept:
            return cls(None, None)
        return cls(statistics.fmean(kept), statistics.stdev(kept) if len(kept) > 1 else None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Prediction:
    """What a model expects of a slot (or the day); None where it has no figure."""

    service_level: float | None
    asa: float | None
    occupancy: float | None
    abandon_rate: float | None = None  #: Erlang A only


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """A slot's (or the day's) simulated figures beside the models'."""

    calls: float  #: forecast
    agents: float  #: logged in (the day: agent-slots over slots, the mean floor)
    simulated: dict[str, Spread]
    erlang_a: Prediction | None
    erlang_c: Prediction | None

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "agents": self.agents,
                "simulated": {k: asdict(v) for k, v in self.simulated.items()},
                "erlang_a": None if self.erlang_a is None else asdict(self.erlang_a),
                "erlang_c": None if self.erlang_c is None else asdict(self.erlang_c)}


@dataclass(frozen=True, slots=True, kw_only=True)
class WhatIf:
    """The run: each slot, and the day."""

    slots: list[Outcome]
    day: Outcome
    replications: int
    seed: int
    simulated_calls: int  #: over every replication


def simulate_day(day: Day, seed: int) -> list[Counts]:
    """One replication: each slot's counts."""
    floor = Floor(agents=max(1, *day.agents), target=day.sl_seconds,
                  short_abandon=day.short_abandon, queue="whatif")
    traffic = DayTraffic(calls=day.calls, aht=day.aht, patience=day.patience,
                         slot_seconds=day.slot_seconds, seed=seed)
    rota = [(i * day.slot_seconds, n) for i, n in enumerate(day.agents)
            if i == 0 or n != day.agents[i - 1]]
    simulator = Simulator(real_acd(floor), floor, traffic.callers(), rota)
    simulator.run()
    return slot_counts(day, simulator.records, simulator.presence, simulator.now)


def slot_counts(day: Day, records: Sequence[CallRecord],
                presence: dict[AgentId, list[list[float]]], end: float) -> list[Counts]:
    """Each slot's counts: its callers by arrival, talk and presence by overlap."""
    slots = [Counts() for _ in day.calls]
    width = day.slot_seconds
    for record in records:
        counts = slots[min(int(record.joined // width), len(slots) - 1)]
        counts.offered += 1
        if record.connected is not None:
            wait = record.connected - record.joined
            counts.answered += 1
            counts.waited += wait
            counts.answered_within += wait <= day.sl_seconds
            finished = record.finished if record.finished is not None else end
            _spread_over(slots, width, record.connected, finished, "talk")
        elif record.abandoned is not None:
            counts.abandoned += 1
            # the history's short abandon waited *less than* the threshold
            counts.short_abandons += record.abandoned - record.joined < day.short_abandon
    for intervals in presence.values():
        for start, stop in intervals:
            _spread_over(slots, width, start, min(stop, max(end, len(slots) * width)),
                         "presence")
    return slots


def _spread_over(slots: list[Counts], width: float, start: float, stop: float,
                 name: str) -> None:
    """Add the seconds of [start, stop] that fall in each slot to its ``name``."""
    first = max(0, int(start // width))
    for index in range(first, min(len(slots), int(stop // width) + 1)):
        low, high = index * width, (index + 1) * width
        seconds = min(stop, high) - max(start, low)
        if seconds > 0:
            setattr(slots[index], name, getattr(slots[index], name) + seconds)


def rota_moves(agents: Sequence[int]) -> int:
    """Agents logging in or out over the day, the first logins included: each is core
    work, as a call is (a floor swinging between 5,000 agents and none every half hour
    costs as much as 240,000 calls)."""
    return sum(abs(now - before) for before, now in zip((0, *agents), agents, strict=False))


def check_size(day: Day, replications: int, max_calls: int) -> None:
    """Refuse, before it runs, a what-if whose calls and agent moves exceed the cap."""
    if replications < 1:
        raise ValueError("replications: at least 1")
    calls, moves = sum(day.calls), rota_moves(day.agents)
    if (calls + moves) * replications > max_calls:
        raise WhatIfTooLarge(f"replications: {replications} runs of {calls:,.0f} calls "
                             f"exceed the cap of {max_calls:,} simulated calls (each agent "
                             f"logging in or out counts as one: {moves:,} a run)")


def run_whatif(day: Day, *, replications: int = 5, seed: int = 0,
               max_calls: int = MAX_CALLS) -> WhatIf:
    """Run the day ``replications`` times and put each slot beside Erlang A and C."""
    check_size(day, replications, max_calls)
    runs = [simulate_day(day, seed + n) for n in range(replications)]
    slots = []
    for index, (calls, agents) in enumerate(zip(day.calls, day.agents, strict=True)):
        slots.append(Outcome(calls=calls, agents=agents,
                             simulated=_spreads([run[index] for run in runs]),
                             erlang_a=erlang_a_of(day, calls, agents),
                             erlang_c=erlang_c_of(day, calls, agents)))
    totals = []
    for run in runs:
        total = Counts()
        for counts in run:
            total.add(counts)
        totals.append(total)
    whole = Outcome(calls=sum(day.calls), agents=statistics.fmean(day.agents),
                    simulated=_spreads(totals),
                    erlang_a=_day_model(slots, "erlang_a", _counted_by_erlang_a(day)),
                    erlang_c=_day_model(slots, "erlang_c", [1.0] * len(slots)))
    return WhatIf(slots=slots, day=whole, replications=replications, seed=seed,
                  simulated_calls=sum(t.offered for t in totals))


def _spreads(counts: Sequence[Counts]) -> dict[str, Spread]:
    figures = [c.figures() for c in counts]
    return {name: Spread.of([f[name] for f in figures]) for name in figures[0]}


def _traffic(day: Day, calls: float) -> float:
    return calls * day.aht / day.slot_seconds


def erlang_a_of(day: Day, calls: float, agents: int) -> Prediction | None:
    """Erlang A's figures for a slot; None without callers, or without a patience."""
    traffic = _traffic(day, calls)
    if traffic <= 0 or day.patience is None:
        return None
    if agents == 0:  # nobody to answer: everyone hangs up in the end
        return Prediction(service_level=0.0, asa=None, occupancy=None, abandon_rate=1.0)
    model = erlang.erlang_a(traffic, agents, day.aht, day.patience)
    return Prediction(
        service_level=model.service_level_excluding(day.sl_seconds, day.short_abandon),
        asa=_finite(model.asa), occupancy=traffic * (1 - model.p_abandon) / agents,
        abandon_rate=model.p_abandon)


def erlang_c_of(day: Day, calls: float, agents: int) -> Prediction | None:
    """Erlang C's figures for a slot (callers never hang up); None without callers."""
    traffic = _traffic(day, calls)
    if traffic <= 0:
        return None
    if agents == 0:
        return Prediction(service_level=0.0, asa=None, occupancy=None)
    return Prediction(
        service_level=erlang.service_level(traffic, agents, day.aht, day.sl_seconds),
        asa=_finite(erlang.average_speed_of_answer(traffic, agents, day.aht)),
        occupancy=erlang.occupancy(traffic, agents))


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _counted_by_erlang_a(day: Day) -> list[float]:
    """Each slot's share of callers Erlang A's service level counts: all but those who
    hang up within ``short_abandon`` (with no agents every caller waits, so the share
    is the patience's exp(-short_abandon / patience))."""
    if day.patience is None:
        return [1.0] * len(day.calls)
    shares = []
    for calls, agents in zip(day.calls, day.agents, strict=True):
        traffic = _traffic(day, calls)
        if traffic <= 0:
            shares.append(1.0)
        elif agents == 0:
            shares.append(math.exp(-day.short_abandon / day.patience))
        else:
            model = erlang.erlang_a(traffic, agents, day.aht, day.patience)
            shares.append(1.0 - model.abandoned_within(day.short_abandon))
    return shares


def _day_model(slots: list[Outcome], model: str, counted: list[float]) -> Prediction | None:
    """A model's day, read as the simulated day is: its slots' service level weighted
    by the calls each counts (forecast calls less short abandons: ``counted`` is the
    share), abandons by the forecast calls, its occupancy as the Erlangs it answers over
    every slot's agents (those of slots without calls are idle there)."""
    kept = [(s, getattr(s, model), share) for s, share in zip(slots, counted, strict=True)
            if getattr(s, model) is not None]
    calls = sum(s.calls for s, _, _ in kept)
    if not kept or calls <= 0:
        return None
    weights = sum(s.calls * share for s, _, share in kept)
    level = sum(s.calls * share * (p.service_level or 0.0) for s, p, share in kept) / weights
    abandon = (None if any(p.abandon_rate is None for _, p, _ in kept)
               else sum(s.calls * p.abandon_rate for s, p, _ in kept) / calls)
    busy = sum(s.agents * p.occupancy for s, p, _ in kept if p.occupancy is not None)
    agents = sum(s.agents for s in slots)
    return Prediction(service_level=level, asa=_day_asa([(s, p) for s, p, _ in kept]),
                      occupancy=busy / agents if agents else None, abandon_rate=abandon)


def _day_asa(kept: list[tuple[Outcome, Prediction]]) -> float | None:
    """The slots' ASA weighted by the calls they answer (Erlang C: by all their calls,
    since its ASA is over every caller). A slot that answers nobody (Erlang A without
    agents) weighs nothing; one whose callers would answer but whose ASA has no value
    (Erlang C without agents, or overloaded: an endless wait) leaves the day None."""
    weighed = [(s.calls * (1.0 - (p.abandon_rate or 0.0)), p.asa) for s, p in kept]
    weighed = [(weight, asa) for weight, asa in weighed if weight > 0]
    if any(asa is None for _, asa in weighed):
        return None
    total = sum(weight for weight, _ in weighed)
    return sum(weight * (asa or 0.0) for weight, asa in weighed) / total if total > 0 else None
