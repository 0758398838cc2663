"""From the observed ARI events of one trial to its figures; pure, no I/O.

The wait that matters to the ACD benchmark is the one an ACD can shorten: from
the moment an agent is free to the moment that agent is connected to a caller
who was already waiting. An agent is free when its previous call's channel ends
(its first sign of ending: hang-up request, leaving the bridge, or destruction);
it is connected when its next channel is in one bridge with a caller. The gap is
counted only when a caller was waiting for this agent: more callers waiting than
agents already ringing for them and other agents idle. Otherwise the agent
waits for a caller to arrive, which no ACD can shorten.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from acd_observer import CALLER_ENDPOINT, Seen

_ENDINGS = ("ChannelHangupRequest", "ChannelDestroyed")


@dataclass(slots=True)
class Leg:
    """One channel of a caller or an agent; times from Asterisk's stamps."""

    endpoint: str
    created: float
    connected: float | None = None
    ended: float | None = None

    def waiting_at(self, t: float) -> bool:
        """Up, and not yet in a bridge with the other side."""
        return self.created <= t and not _before(self.connected, t) and not _before(
            self.ended, t)

    def alive_at(self, t: float) -> bool:
        return self.created <= t and not _before(self.ended, t)


def _before(moment: float | None, t: float) -> bool:
    return moment is not None and moment <= t


@dataclass
class Legs:
    """The callers' and the agents' channels of a trial, by channel id."""

    callers: dict[str, Leg] = field(default_factory=dict)
    agents: dict[str, Leg] = field(default_factory=dict)

    def leg(self, channel: str) -> Leg | None:
        return self.callers.get(channel) or self.agents.get(channel)


def legs_of(events: Iterable[Seen]) -> Legs:
    """Replay the events in the order Asterisk sent them."""
    legs = Legs()
    for seen in events:
        if seen.kind == "ChannelCreated":
            side = legs.callers if seen.endpoint == CALLER_ENDPOINT else legs.agents
            side[seen.channel] = Leg(seen.endpoint, seen.at)
        elif seen.kind == "ChannelEnteredBridge":
            _connect(legs, seen)
        elif seen.kind == "ChannelLeftBridge" or seen.kind in _ENDINGS:
            leg = legs.leg(seen.channel)
            # leaving the bridge ends a connected leg; anything else only the ends do
            ends = seen.kind in _ENDINGS or (leg is not None and leg.connected is not None)
            if leg is not None and ends and leg.ended is None:
                leg.ended = seen.at
    return legs


def _connect(legs: Legs, seen: Seen) -> None:
    """A bridge holding a caller and an agent connects all of its channels, once."""
    inside = [legs.leg(channel) for channel in seen.members]
    sides = {leg.endpoint == CALLER_ENDPOINT for leg in inside if leg is not None}
    if sides != {True, False}:
        return
    for leg in inside:
        if leg is not None and leg.connected is None:
            leg.connected = seen.at


def backlog(legs: Legs, t: float, agent: str, agents: Iterable[str]) -> int:
    """Callers at ``t`` that no agent but ``agent`` could take: those waiting, less the
    agents already ringing for them, less the other agents idle."""
    waiting = sum(leg.waiting_at(t) for leg in legs.callers.values())
    ringing = sum(leg.waiting_at(t) for leg in legs.agents.values())
    busy = {leg.endpoint for leg in legs.agents.values() if leg.alive_at(t)}
    idle_others = sum(1 for a in agents if a != agent and a not in busy)
    return waiting - ringing - idle_others


@dataclass(frozen=True)
class Gap:
    """An agent's free moment and the connection that ended it."""

    agent: str
    free: float
    rung: float  #: the agent's next channel was created (its phone starts ringing)
    connected: float
    backlog: int  #: callers that had nobody else, at ``free``

    @property
    def wait(self) -> float:
        return self.connected - self.free


def gaps(legs: Legs, agents: Sequence[str]) -> list[Gap]:
    """Every agent's free-to-connected gap, whether or not a caller was waiting."""
    found: list[Gap] = []
    for agent in agents:
        mine = sorted((leg for leg in legs.agents.values() if leg.endpoint == agent),
                      key=lambda leg: leg.created)
        done = [leg for leg in mine if leg.connected is not None and leg.ended is not None]
        for leg in done:
            assert leg.ended is not None
            after = [n for n in mine if n.created >= leg.ended and n.connected is not None]
            if after:
                found.append(Gap(agent, leg.ended, after[0].created, after[0].connected or 0.0,
                                 backlog(legs, leg.ended, agent, agents)))
    return sorted(found, key=lambda gap: gap.free)


def percentile(values: Sequence[float], share: float) -> float | None:
    """Nearest-rank percentile (``share`` in 0..1); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True)
class Spread:
    """p50/p90/p99/max of some delays, in seconds, and how many there were."""

    count: int
    p50: float | None
    p90: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(len(values), percentile(values, 0.5), percentile(values, 0.9),
                   percentile(values, 0.99), max(values) if values else None)


@dataclass(frozen=True)
class Figures:
    """What one trial showed, from Asterisk's side."""

    callers: int
    connected: int
    never_connected: int
    over_patience: int  #: connected, but after waiting longer than the patience
    placed_rate: float  #: callers per second, first to last arrival
    saturated_rate: float | None  #: connections per second while callers always waited
    caller_wait: Spread  #: arrival -> connected to an agent
    free_to_connected: Spread  #: counted gaps only (a caller was waiting)
    talk_mean: float | None
    #: the same gaps, to the agent's phone being rung (its next channel created)
    free_to_ring: Spread = field(default_factory=lambda: Spread.of([]))


def figures(events: Iterable[Seen], agents: Sequence[str], patience: float) -> Figures:
    legs = legs_of(events)
    callers = list(legs.callers.values())
    waits = [leg.connected - leg.created for leg in callers if leg.connected is not None]
    arrivals = sorted(leg.created for leg in callers)
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    every = gaps(legs, agents)
    counted = [gap for gap in every if gap.backlog >= 1]
    talks = [leg.ended - leg.connected for leg in legs.agents.values()
             if leg.connected is not None and leg.ended is not None]
    return Figures(
        callers=len(callers), connected=len(waits),
        never_connected=len(callers) - len(waits),
        over_patience=sum(wait > patience for wait in waits),
        placed_rate=(len(arrivals) - 1) / span if span else 0.0,
        saturated_rate=saturated_rate(every),
        caller_wait=Spread.of(waits),
        free_to_connected=Spread.of([gap.wait for gap in counted]),
        free_to_ring=Spread.of([gap.rung - gap.free for gap in counted]),
        talk_mean=sum(talks) / len(talks) if talks else None)


def saturated_rate(all_gaps: Sequence[Gap]) -> float | None:
    """Calls completed per second over the longest stretch in which every agent that
    came free had a caller waiting, so that no agent idled: the path's throughput when
    it is the bottleneck. Summed over the agents, each from its own free moments (from
    its first to its last in the stretch), so that agents freeing in step do not bias it."""
    stretches: list[list[Gap]] = [[]]
    for gap in all_gaps:
        if gap.backlog >= 1:
            stretches[-1].append(gap)
        elif stretches[-1]:
            stretches.append([])
    longest = max(stretches, key=lambda run: run[-1].free - run[0].free if run else 0.0)
    moments: dict[str, list[float]] = {}
    for gap in longest:
        moments.setdefault(gap.agent, []).append(gap.free)
    rates = [(len(times) - 1) / (times[-1] - times[0])
             for times in moments.values() if times[-1] > times[0]]
    return sum(rates) if rates else None
