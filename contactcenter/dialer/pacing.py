"""Pacing strategies: how many dials a campaign places now, picked by name from its settings.

A pacer is asked after every event and every deadline of a running campaign
(``decide``), with the whole situation: the agents (free, talking, in wrap-up,
each with how long they have been so, so that a model may count calls still
in progress), the dials under way (each with when it was placed), the lines
and records left, the measured tallies, and the ``abandon_budget`` (how many
more humans may be abandoned now: the law's part). It answers how many more
dials to place now, why (for the ``dialer.pace`` event), and optionally when to
be asked again even if nothing happens (a model's horizon). It also sees each
measured duration as it is measured (``observe``), to keep its own estimates:
the answer delays of humans and the ages at which the other dials ended, talks and
wrap-ups. ``predictive`` is in its own module (``predictive.py``).

The core caps every answer: never more dials under way than the lines, never
more than the records due, and never more dials beyond the free agents than
the abandon budget. A pacer holds its own state (one per campaign), so the
registry maps names to classes built from the campaign's settings.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from contactcenter.dialer.overdial import most_under_way, person_chance_bound
from contactcenter.dialer.states import (
    PENDING,
    AgentEntry,
    AgentState,
    Campaign,
    DialEntry,
    DialState,
)


class AgentLike(Protocol):
    """An agent as a pacer sees them: the core's own entries, or an ``AgentView``."""

    @property
    def state(self) -> AgentState: ...
    @property
    def since(self) -> float: ...


class DialLike(Protocol):
    """A dial as a pacer sees it: the core's own entries, or a ``DialView``."""

    @property
    def state(self) -> DialState: ...
    @property
    def started(self) -> float: ...
    @property
    def placed(self) -> float | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentView:
    state: AgentState
    since: float  #: in this state since


@dataclass(frozen=True, slots=True, kw_only=True)
class DialView:
    state: DialState
    started: float  #: asked of the gate
    placed: float | None  #: dialed (None while the gate looks)


@dataclass(slots=True)
class Tally:
    """What the campaign measured so far: counts and sums of durations."""

    placed: int = 0
    humans: int = 0
    machines: int = 0
    busy: int = 0
    no_answer: int = 0
    failed: int = 0
    abandoned: int = 0
    connected: int = 0
    answer_delay: float = 0.0  #: sum over human answers, from dialed to answered
    talks: int = 0
    talk: float = 0.0  #: sum of finished talks
    wraps: int = 0
    wrap: float = 0.0  #: sum of finished wrap-ups

    def add(self, observation: Observation) -> None:
        """A duration measured: a human's answer delay, a talk or a wrap-up (a dial that
        ended without a human is counted by its outcome instead)."""
        if observation.kind == "talk":
            self.talks, self.talk = self.talks + 1, self.talk + observation.duration
        elif observation.kind == "wrap":
            self.wraps, self.wrap = self.wraps + 1, self.wrap + observation.duration
        elif observation.kind == "answer":
            self.answer_delay += observation.duration

    @property
    def human_rate(self) -> float:
        """Share of finished attempts a human answered (0 before any)."""
        done = self.humans + self.machines + self.busy + self.no_answer + self.failed
        return self.humans / done if done else 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One duration measured: ``answer`` (dialed to a human's answer), ``unanswered``
    (dialed to the end of a dial no human answered: a machine's answer, busy, no answer,
    failed; an answer-delay estimate needs these ages too, as the dials a human did not
    answer by then), ``talk``, ``wrap``."""

    kind: str
    duration: float
    at: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Situation:
    """Everything a pacer may decide on."""

    now: float
    campaign: Campaign
    agents: Sequence[AgentLike]  #: read only: the core's own entries
    dials: Sequence[DialLike]
    free_agents: int
    talking: int
    wrap_up: int
    under_way: int  #: dials not yet answered (gate, dialing, ringing)
    lines_free: int
    records_due: int
    tally: Tally
    abandon_budget: float  #: inf: no limit


@dataclass(frozen=True, slots=True, kw_only=True)
class Pace:
    """A pacer's answer: ``dial`` more now; ``recheck``: ask again then; ``why``: its
    inputs and estimates, for the ``dialer.pace`` event."""

    dial: int
    recheck: float | None = None
    why: Mapping[str, object] = field(default_factory=dict)


def situation_of(now: float, campaign: Campaign, agents: Iterable[AgentEntry],
                 dials: Iterable[DialEntry], *, lines_free: int, records_due: int,
                 tally: Tally, abandon_budget: float) -> Situation:
    """The core's state as a pacer sees it (its entries themselves, not copies: a pacer
    only reads). ``under_way`` leaves out the dials that have an agent of their own
    (preview): they cannot leave a human without one."""
    present = [a for a in agents if a.state is not AgentState.LOGGED_OUT]
    dials = list(dials)
    count = Counter(a.state for a in present)
    return Situation(
        now=now, campaign=campaign, agents=present, dials=dials,
        free_agents=count[AgentState.READY], talking=count[AgentState.TALKING],
        wrap_up=count[AgentState.WRAP_UP],
        under_way=sum(1 for d in dials if d.state in PENDING and d.agent is None),
        lines_free=lines_free, records_due=records_due, tally=tally,
        abandon_budget=abandon_budget)


def cap(asked: int, situation: Situation, *, previews: bool) -> int:
    """The rules over any pacer: never over the lines or the records due; a preview needs
    a free agent each; the dials that may find no agent stay within the abandon budget,
    but for a chance of one in a million (``overdial``)."""
    most = min(asked, situation.lines_free, situation.records_due)
    if previews:
        return max(0, min(most, situation.free_agents))
    budget = situation.abandon_budget
    if not math.isinf(budget):
        tally = situation.tally
        room = situation.free_agents + math.floor(budget)
        bound = person_chance_bound(tally.humans, tally.no_answer)
        most = min(most, most_under_way(room, bound) - situation.under_way)
    return max(0, most)


def decision(situation: Situation, pace: Pace, dialed: int, strategy: str
             ) -> dict[str, object]:
    """A pacing decision with its inputs, as the ``dialer.pace`` event tells it."""
    budget = situation.abandon_budget
    return {"dialed": dialed, "asked": pace.dial, "strategy": strategy,
            "free_agents": situation.free_agents, "talking": situation.talking,
            "wrap_up": situation.wrap_up, "under_way": situation.under_way,
            "lines_free": situation.lines_free, "records_due": situation.records_due,
            "abandon_budget": None if math.isinf(budget) else budget, **pace.why}


class Pacer(ABC):
    """How many dials to place now."""

    name: ClassVar[str]
    #: dials are offered to agents to dial or skip, one per free agent
    previews: ClassVar[bool] = False

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign

    @abstractmethod
    def decide(self, situation: Situation) -> Pace:
        """How many more dials to place now (the core caps it)."""

    def observe(self, observation: Observation) -> None:
        """A duration was measured; a model-based pacer updates its estimates."""


class Preview(Pacer):
    """Each free agent is shown a record and dials or skips it: never an abandon."""

    name = "preview"
    previews = True

    def decide(self, situation: Situation) -> Pace:
        return Pace(dial=situation.free_agents)


class Progressive(Pacer):
    """One line per free agent: a dial only when an agent is free for it, so that with
    true machine detection no human is ever abandoned."""

    name = "progressive"

    def decide(self, situation: Situation) -> Pace:
        return Pace(dial=situation.free_agents - situation.under_way)


class Power(Pacer):
    """A fixed ratio of lines per free agent (``power_ratio``): more talk, some abandons."""

    name = "power"

    def decide(self, situation: Situation) -> Pace:
        ratio = self.campaign.power_ratio
        lines = math.floor(ratio * situation.free_agents + 1e-9)
        return Pace(dial=lines - situation.under_way, why={"ratio": ratio})


def _predictive(campaign: Campaign) -> Pacer:
    """The model-based pacer, from its own module (which builds on this one)."""
    from contactcenter.dialer.predictive import Predictive

    return Predictive(campaign)


#: strategy name -> its class (or what builds it)
PACERS: dict[str, Callable[[Campaign], Pacer]] = {
    **{pacer.name: pacer for pacer in (Preview, Progressive, Power)},
    "predictive": _predictive,
}


def make_pacer(campaign: Campaign) -> Pacer:
    """The campaign's pacer; an unknown name is a settings error, named."""
    try:
        return PACERS[campaign.strategy](campaign)
    except KeyError:
        raise ValueError(f"campaign {campaign.name}: no pacing strategy "
                         f"{campaign.strategy!r} (known: {', '.join(sorted(PACERS))})") from None
