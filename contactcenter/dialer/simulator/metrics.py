"""What a simulated day is judged by: the agents' talk and the abandoned share.

The simulator knows the truth (who really answered), so a human the machine
detection hung up on counts abandoned here whatever the core believed, as the law
counts it (``law.classify_attempt``). Talk is the agents' time with people, within
the shift; the hours are the agents' logged-in hours, so that idle, wrap-up and
time lost to machines all show as less talk per hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contactcenter.dialer.abandons import DAY, AbandonLedger

HOUR = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Result:
    """One mode's day on one (cell, seed)."""

    mode: str
    seed: int
    agents: int
    hours: float
    talk_minutes_per_agent_hour: float
    abandoned_rate: float  #: abandoned / live answers over the whole day
    worst_24h: float  #: the highest share any rolling 24 h window reached
    worst_hour: float  #: the highest share any rolling hour reached
    dials: int  #: dials placed (the call rang out, answered, or failed)
    humans: int  #: live answers (people, whatever the detection said)
    connects: int  #: people bridged with an agent
    abandoned: int
    outcomes: dict[str, int] = field(default_factory=dict)  #: RecordOutcome counts
    pace_max: dict[str, float] = field(default_factory=dict)  #: the pacer's figures' maxima
    events: int = 0  #: calls into the core (handle and handle_timer)
    ignored: int = 0  #: events the core ignored (late or redundant news)


class Meter:
    """Counts a day as it goes: talk within the shift, live answers in rolling windows."""

    def __init__(self, shift: float) -> None:
        self.shift = shift
        self.talk = 0.0
        self.humans = 0
        self.connects = 0
        self.abandoned = 0
        self.outcomes: dict[str, int] = {}
        self.pace_max: dict[str, float] = {}
        # windows for the reports only; the law's budget has its own ledger
        self.windows = AbandonLedger(lengths=(HOUR, DAY))

    def talked(self, start: float, end: float) -> None:
        """A talk with a person; only its part within the shift counts."""
        self.talk += max(0.0, min(end, self.shift) - min(start, self.shift))

    def connected(self, at: float) -> None:
        self.humans += 1
        self.connects += 1
        self.windows.connected(at)

    def lost(self, at: float) -> None:
        """A person abandoned: no agent in time, or hung up on as a machine."""
        self.humans += 1
        self.abandoned += 1
        self.windows.abandoned(at)

    def outcome(self, name: str) -> None:
        self.outcomes[name] = self.outcomes.get(name, 0) + 1

    def pace(self, why: dict[str, object]) -> None:
        """Keep the highest of each figure the pacer reports (e.g. ADAPT's level)."""
        for key, value in why.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and value > self.pace_max.get(key, float("-inf")):
                self.pace_max[key] = float(value)

    def result(self, *, mode: str, seed: int, agents: int, end: float, events: int,
               ignored: int) -> Result:
        hours = self.shift / HOUR
        worst = {}
        for length in (HOUR, DAY):
            window = self.windows.worst(end, length)
            worst[length] = window.share if window is not None else 0.0
        placed = sum(n for name, n in self.outcomes.items()
                     if name not in ("refused", "skipped", "cancelled"))
        return Result(
            mode=mode, seed=seed, agents=agents, hours=hours,
            talk_minutes_per_agent_hour=self.talk / 60.0 / (agents * hours),
            abandoned_rate=self.abandoned / self.humans if self.humans else 0.0,
            worst_24h=worst[DAY], worst_hour=worst[HOUR],
            dials=placed, humans=self.humans, connects=self.connects,
            abandoned=self.abandoned, outcomes=dict(self.outcomes),
            pace_max=dict(self.pace_max), events=events, ignored=ignored)
