"""What a simulation run is made of: callers (random or scripted) and the floor they reach."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """One caller: when it dials in, how long its call lasts once answered, how long it waits."""

    at: float  #: arrival, virtual seconds from the start
    handle: float  #: talk time once connected
    patience: float = math.inf  #: how long it waits before hanging up


@dataclass(frozen=True, slots=True, kw_only=True)
class Traffic:
    """Erlang A's assumptions, so that its figures can be checked against a run.

    Poisson arrivals, exponential handle times, exponential patience, all drawn from one
    ``random.Random(seed)`` in a fixed order: the same seed gives the same callers.
    """

    arrival_rate: float  #: calls per second
    aht: float  #: mean handle time in seconds (talk; wrap-up is the queue's own setting)
    patience: float | None  #: mean patience in seconds; None: nobody hangs up
    calls: int  #: how many calls arrive in the run
    seed: int = 0

    def __post_init__(self) -> None:
        _positive("arrival_rate", self.arrival_rate)
        _positive("aht", self.aht)
        if self.patience is not None:
            _positive("patience", self.patience)
        if self.calls < 1:
            raise ValueError(f"calls must be at least 1, not {self.calls}")

    @property
    def erlangs(self) -> float:
        """Offered load: arrival rate times mean handle time."""
        return self.arrival_rate * self.aht

    def callers(self) -> Iterator[Caller]:
        """The run's callers in arrival order: gap, handle time, patience, per caller."""
        rng = random.Random(self.seed)
        at = 0.0
        for _ in range(self.calls):
            at += rng.expovariate(self.arrival_rate)
            handle = rng.expovariate(1.0 / self.aht)
            patience = math.inf if self.patience is None else rng.expovariate(1.0 / self.patience)
            yield Caller(at=at, handle=handle, patience=patience)


@dataclass(frozen=True, slots=True, kw_only=True)
class DayTraffic:
    """A day whose arrival rate changes each slot: a non-homogeneous Poisson process.

    The rate is constant within a slot (``calls[i]`` expected over ``slot_seconds``), so
    the arrivals are drawn slot by slot: exponential gaps at the slot's rate from its
    start, the gap that overshoots its end dropped (memorylessness makes that exact).
    Handle times and patience as in ``Traffic``, from one ``random.Random(seed)``.
    """

    calls: tuple[float, ...]  #: expected calls in each slot, from time 0
    aht: float  #: mean handle time in seconds
    patience: float | None  #: mean patience in seconds; None: nobody hangs up
    slot_seconds: float = 1800.0
    seed: int = 0

    def __post_init__(self) -> None:
        _positive("aht", self.aht)
        _positive("slot_seconds", self.slot_seconds)
        if self.patience is not None:
            _positive("patience", self.patience)
        if not self.calls or not all(c >= 0 and math.isfinite(c) for c in self.calls):
            raise ValueError("calls: one finite number of 0 or more per slot")

    def callers(self) -> Iterator[Caller]:
        """The day's callers in arrival order."""
        rng = random.Random(self.seed)
        for index, expected in enumerate(self.calls):
            if expected <= 0:
                continue
            rate, start = expected / self.slot_seconds, index * self.slot_seconds
            at, end = start + rng.expovariate(rate), start + self.slot_seconds
            while at < end:
                handle = rng.expovariate(1.0 / self.aht)
                patience = (math.inf if self.patience is None
                            else rng.expovariate(1.0 / self.patience))
                yield Caller(at=at, handle=handle, patience=patience)
                at += rng.expovariate(rate)


@dataclass(frozen=True, slots=True, kw_only=True)
class Floor:
    """The agents, and what the run counts as good service."""

    agents: int  #: how many agents log in at time 0, all available
    answer_delay: float = 0.0  #: seconds from an offer to the agent's answer
    target: float = 20.0  #: service-level target: answered within this many seconds
    short_abandon: float = 5.0  #: abandons at most this long leave the second figure
    warmup: int = 0  #: the first calls, which find the queue empty, are not measured
    queue: str = "sim"  #: the queue the callers join

    def __post_init__(self) -> None:
        if self.agents < 1:
            raise ValueError(f"agents must be at least 1, not {self.agents}")
        if self.warmup < 0:
            raise ValueError(f"warmup must be zero or more calls, not {self.warmup}")
        for name in ("answer_delay", "target", "short_abandon"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be zero or more seconds, not {value!r}")

    def agent_ids(self) -> list[str]:
        """The agents' ids, ``a001`` upward, in login order."""
        return [f"a{n:03d}" for n in range(1, self.agents + 1)]


def _positive(name: str, value: float) -> None:
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a positive number, not {value!r}")
