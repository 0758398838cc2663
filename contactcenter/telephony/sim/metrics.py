"""What a run measured: one record per call, then the figures a supervisor would read."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from contactcenter.telephony.sim.scenario import Floor


@dataclass(slots=True, kw_only=True)
class CallRecord:
    """One generated caller: what was drawn for it and what happened to it, in virtual time."""

    call_id: str
    joined: float
    handle: float  #: the talk time it will have once connected
    patience: float  #: how long it waits before hanging up (inf: forever)
    measured: bool  #: False during the warm-up
    agent: str | None = None
    connected: float | None = None
    finished: float | None = None
    abandoned: float | None = None
    overflowed: float | None = None

    @property
    def settled(self) -> bool:
        """The call reached a final state: completed, abandoned or sent elsewhere."""
        return self.finished is not None or self.abandoned is not None or (
            self.overflowed is not None)

    @property
    def waiting(self) -> bool:
        """Still in the queue (or ringing an agent): neither connected nor gone."""
        return self.connected is None and not self.settled


@dataclass(frozen=True, slots=True, kw_only=True)
class SimResult:
    """The figures of one run; the rates are over the measured (post warm-up) calls."""

    offered: int  #: measured calls that joined the queue
    answered: int
    abandoned: int
    overflowed: int  #: sent to voicemail, callback or another platform by the core
    unfinished: int  #: still waiting when nothing more could happen (say, no agent left)
    answered_within: int  #: answered within the target
    short_abandons: int  #: abandoned within the short-abandon threshold
    service_level: float  #: answered within target / offered
    service_level_excluding_short: float  #: same, short abandons left out of both
    abandon_rate: float  #: abandoned / offered
    asa: float  #: mean wait of the answered calls, seconds
    #: agents' talk time over their logged-in time while calls arrived (wrap-up and
    #: ringing are the core's and the phone's, not talk)
    occupancy: float
    end_time: float  #: virtual seconds when the last call settled
    #: what happened, by kind: the core's (or the driver's) commands; a platform run adds
    #: its events (``event:TYPE``) and what else it counted
    commands: Mapping[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """A short human-readable summary."""
        counts = (f"offered {self.offered}, answered {self.answered}, abandoned "
                  f"{self.abandoned}, overflowed {self.overflowed}, unfinished {self.unfinished}")
        level = (f"service level {self.service_level:.2%} "
                 f"({self.service_level_excluding_short:.2%} without short abandons)")
        rest = (f"abandon rate {self.abandon_rate:.2%}, ASA {self.asa:.1f} s, "
                f"occupancy {self.occupancy:.2%}")
        return [counts, level, rest]


def summarise(floor: Floor, records: Iterable[CallRecord], end_time: float,
              commands: Mapping[str, int]) -> SimResult:
    """Count the measured calls and turn the counts into rates."""
    every = list(records)
    calls = [r for r in every if r.measured]
    waits = [r.connected - r.joined for r in calls if r.connected is not None]
    abandons = [r.abandoned - r.joined for r in calls if r.abandoned is not None]
    within = sum(1 for w in waits if w <= floor.target)
    short = sum(1 for w in abandons if w <= floor.short_abandon)
    offered = len(calls)
    return SimResult(
        offered=offered,
        answered=len(waits),
        abandoned=len(abandons),
        overflowed=sum(1 for r in calls if r.overflowed is not None),
        unfinished=sum(1 for r in calls if not r.settled),
        answered_within=within,
        short_abandons=short,
        service_level=_ratio(within, offered),
        service_level_excluding_short=_ratio(within, offered - short),
        abandon_rate=_ratio(len(abandons), offered),
        asa=_ratio(sum(waits), len(waits)),
        occupancy=_occupancy(floor.agents, every, calls, end_time),
        end_time=end_time,
        commands=dict(sorted(commands.items())),
    )


def _ratio(part: float, whole: int) -> float:
    return part / whole if whole else math.nan


def _occupancy(agents: int, every: list[CallRecord], calls: list[CallRecord],
               end_time: float) -> float:
    """Talk time over agent time between the first measured and the last arrival.

    That window has traffic in it from end to end; the drain after the last arrival
    would make the agents look idle, and the warm-up would start them idle.
    """
    start, stop = (calls[0].joined, every[-1].joined) if calls else (0.0, 0.0)
    if stop <= start:
        start, stop = 0.0, end_time
    if stop <= start:
        return math.nan
    talk = 0.0
    for r in every:
        if r.connected is not None:
            ended = r.finished if r.finished is not None else end_time
            talk += max(0.0, min(ended, stop) - max(r.connected, start))
    return talk / (agents * (stop - start))
