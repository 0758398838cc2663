"""A campaign's live board: what a campaign manager watches, each figure with one
definition (``docs/dialer.md``, "The campaign board").

Pure functions over a runner's cores: the dials under way, the tallies, the
law's windows, the agents' lines and the list. The runner publishes the board
as ``dialer.board`` when it changes (at most once a second).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from contactcenter.dialer.abandons import DAY, THIRTY_DAYS, AbandonLedger
from contactcenter.dialer.core import Dialer
from contactcenter.dialer.seats import Seats
from contactcenter.dialer.states import DialState, RecordState

#: a dial in these states is ringing now: placed, not answered nor ended
RINGING = frozenset({DialState.DIALING, DialState.RINGING})


@dataclass(slots=True)
class DayCount:
    """Live answers and abandons since the day began (UTC), for "today"'s rate."""

    day: dt.date | None = None
    answers: int = 0
    abandons: int = 0

    def add(self, now: float, *, abandoned: bool) -> None:
        self.roll(now)
        self.answers += 1
        self.abandons += abandoned

    def roll(self, now: float) -> None:
        today = dt.datetime.fromtimestamp(now, dt.UTC).date()
        if today != self.day:
            self.day, self.answers, self.abandons = today, 0, 0


@dataclass(slots=True)
class BoardInputs:
    core: Dialer
    seats: Seats
    ledger: AbandonLedger
    today: DayCount = field(default_factory=DayCount)
    reached: set[str] = field(default_factory=set)  #: records a human answered


def _rate(abandons: int, answers: int) -> float | None:
    return round(abandons / answers, 4) if answers else None


def rates(inputs: BoardInputs, now: float) -> dict[str, Any]:
    """Abandoned calls over live answers: today, the rolling 24 h and 30 days."""
    inputs.today.roll(now)
    day, month = inputs.ledger.share(now, DAY), inputs.ledger.share(now, THIRTY_DAYS)
    return {"today": _rate(inputs.today.abandons, inputs.today.answers),
            "rolling_24h": _rate(day.abandons, day.answers),
            "rolling_30d": _rate(month.abandons, month.answers),
            "target": float(inputs.ledger.target)}


def records(core: Dialer, reached: set[str], now: float) -> dict[str, int]:
    """The list: waiting (due now, or later for a retry, or not yet due), being dialed,
    reached, and done without reaching anyone (out of attempts or refused)."""
    counts = dict.fromkeys(("due_now", "due_for_retry", "not_yet_due", "dialing",
                            "reached", "exhausted"), 0)
    for record in core.records().values():  # (a few thousand: once a second at most)
        if record.state is RecordState.DIALING:
            counts["dialing"] += 1
        elif record.state is RecordState.DONE:
            counts["reached" if record.id in reached else "exhausted"] += 1
        elif record.due <= now:
            counts["due_now"] += 1
        else:
            counts["due_for_retry" if record.attempts else "not_yet_due"] += 1
    counts["left"] = counts["due_now"] + counts["due_for_retry"] + counts["not_yet_due"]
    return counts


def agents(inputs: BoardInputs, now: float) -> dict[str, Any]:
    """Agents by state, and talk minutes per agent hour with the line open."""
    seats = inputs.seats.seats.values()
    by_state: dict[str, int] = {}
    for seat in seats:
        by_state[seat.state.value] = by_state.get(seat.state.value, 0) + 1
    logged = inputs.seats.closed_open + sum(now - s.opened for s in seats
                                            if s.opened is not None)
    talked = inputs.seats.closed_talk + sum(s.talk_so_far(now) for s in seats)
    return {"by_state": by_state,
            "each": {s.agent: s.state.value for s in seats},
            "talk_minutes_per_hour": round(60 * talked / logged, 2) if logged > 0 else None}


def board(inputs: BoardInputs, now: float) -> dict[str, Any]:
    core, tally = inputs.core, inputs.core.tally
    return {
        "state": core.state.value, "strategy": core.campaign.strategy,
        "lines": {"busy": core.lines_busy, "max": core.campaign.max_lines},
        "dialed": tally.placed,
        "ringing": sum(dial.state in RINGING for dial in core.dials().values()),
        "humans": tally.humans, "machines": tally.machines,
        "busy": tally.busy, "no_answer": tally.no_answer, "failed": tally.failed,
        "abandoned": tally.abandoned, "connected": tally.connected,
        "abandon_rate": rates(inputs, now), "agents": agents(inputs, now),
        "records": records(core, inputs.reached, now)}


def pace_reason(pace: dict[str, Any]) -> str:
    """A pacing decision in words, for people reading ``dialer.pace``."""
    dialed = pace.get("dialed", 0)
    if "expected_free" in pace:  # predictive
        return (f"dialed {dialed} because {pace['expected_free']:g} agents are expected "
                f"free within {pace.get('horizon', 0):g} s and the expected abandoned "
                f"share is {100 * float(pace.get('expected_abandon_share') or 0):.1f} %")
    if "ratio" in pace:  # power
        return (f"dialed {dialed}: {pace['ratio']:g} lines per free agent, "
                f"{pace.get('free_agents', 0)} free, {pace.get('under_way', 0)} under way")
    return (f"dialed {dialed}: {pace.get('free_agents', 0)} agents free, "
            f"{pace.get('under_way', 0)} dials under way")
