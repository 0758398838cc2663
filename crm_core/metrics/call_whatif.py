"""What a what-if run of a forecast day needs from the CRM, and the staffing it tries.

The day's forecast, handle time and patience come from the queue's history exactly as
the staffing plan's do (``call_load``, ``call_forecast``, ``call_staffing``), so that the
what-if runs the very plan the staffing route shows. The staffing tried is the plan's
Erlang A (or C) agents per half hour, or the manager's own numbers, changed by
overrides: "12:00-14:00:-2" (two agents fewer from 12:00 to 14:00) or
"12:00-14:00:=5" (five agents then). The run itself is the simulator's
(``contactcenter.telephony.sim.whatif``); nothing here simulates.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.metrics import call_forecast
from crm_core.metrics.call_load import Handling, day_period, handling, offered_series
from crm_core.metrics.call_staffing import SlotPlan, Target, plan
from crm_core.metrics.calls_history import counted_calls
from crm_core.metrics.period import Period
from crm_core.models import Interaction

#: half hours in a day
SLOTS = 48
#: the staffing plans a what-if may start from
BASES = ("erlang_a", "erlang_c")
#: a sign or "=" is required: a bare "3" could mean three more or three in all
_OVERRIDE = re.compile(r"^([0-9]{1,2}):([0-9]{2})-([0-9]{1,2}):([0-9]{2}):"
                       r"(=|(?=[+-]))([+-]?[0-9]{1,5})$")


class WhatIfInput(ValueError):
    """Input a what-if cannot run on; ``field`` names what to change."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class Override:
    """Slots ``[start, end)`` get ``amount`` agents more (or fewer), or exactly
    ``amount`` when ``absolute``."""

    start: int
    end: int
    amount: int
    absolute: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= SLOTS:
            raise WhatIfInput("overrides", f"slots {self.start}-{self.end} are not a span "
                                           f"of the day's {SLOTS} half hours")
        if self.absolute and self.amount < 0:
            raise WhatIfInput("overrides", "a number of agents is 0 or more")


def _slot(hours: str, minutes: str, text: str) -> int:
    if minutes not in ("00", "30") or int(hours) > 24 or (int(hours) == 24 and minutes != "00"):
        raise WhatIfInput("overrides", f"{text!r}: times are half hours from 00:00 to 24:00")
    return int(hours) * 2 + (minutes == "30")


def parse_override(text: str) -> Override:
    """``HH:MM-HH:MM:+N``, ``:-N`` or ``:=N`` (UTC half hours, the end excluded)."""
    match = _OVERRIDE.match(text.strip())
    if match is None:
        raise WhatIfInput("overrides", f"{text!r} is not FROM-TO:+N, FROM-TO:-N or FROM-TO:=N "
                                       "(e.g. 12:00-14:00:-2)")
    start = _slot(match[1], match[2], text)
    end = _slot(match[3], match[4], text)
    if end <= start:
        raise WhatIfInput("overrides", f"{text!r}: the end must be after the start")
    return Override(start, end, int(match[6]), absolute=match[5] == "=")


def staffing(base: Sequence[int], overrides: Sequence[Override]) -> list[int]:
    """``base`` with the overrides applied in order; never below 0 agents."""
    agents = list(base)
    for override in overrides:
        for slot in range(override.start, override.end):
            changed = override.amount if override.absolute else agents[slot] + override.amount
            agents[slot] = max(0, changed)
    return agents


def check_agents(agents: Sequence[int], most: int, field: str) -> None:
    """No slot may have more than ``most`` agents (the body's own limit), whatever the
    overrides add: each agent is simulated, and ``+99999`` on 48 overrides is millions."""
    if agents and max(agents) > most:
        slot = max(range(len(agents)), key=agents.__getitem__)
        raise WhatIfInput(field, f"{agents[slot]:,} agents from {slot // 2:02d}:"
                                 f"{30 * (slot % 2):02d}: at most {most:,} a half hour")


def base_of(slots: Sequence[SlotPlan], base: str | None) -> str:
    """The plan asked for; by default Erlang A, or Erlang C when there is no patience."""
    if base is not None:
        return base
    return "erlang_c" if any(slot.erlang_a_agents is None for slot in slots) else "erlang_a"


def planned_agents(slots: Sequence[SlotPlan], base: str) -> list[int]:
    """The plan's agents per slot by ``erlang_a`` or ``erlang_c``."""
    if base == "erlang_c":
        return [slot.erlang_c_agents for slot in slots]
    if any(slot.erlang_a_agents is None for slot in slots):
        raise WhatIfInput("base", "Erlang A needs the callers' patience: the history has no "
                                  "abandons (give a patience, or start from erlang_c)")
    return [slot.erlang_a_agents or 0 for slot in slots]


@dataclass(frozen=True, slots=True)
class DayForecast:
    """The day's forecast and the history behind it, before any plan is worked out."""

    day: dt.date
    queue: str
    history: Period
    found: Handling
    target: Target  #: with the history's AHT and patience
    calls: list[float]  #: forecast calls per half hour


@dataclass(frozen=True, slots=True)
class DayInputs:
    """The day's forecast and the history behind it, as the staffing plan has them."""

    day: dt.date
    queue: str
    history: Period
    found: Handling
    target: Target
    slots: list[SlotPlan]  #: the plan: forecast calls and Erlang's agents per half hour

    @property
    def calls(self) -> list[float]:
        return [slot.calls for slot in self.slots]


async def _queue_known(session: AsyncSession, queue: str) -> bool:
    found = await session.execute(select(Interaction.id).where(
        counted_calls(), Interaction.queue == queue).limit(1))
    return found.first() is not None


async def day_forecast(session: AsyncSession, day: dt.date, queue: str, *, today: dt.date,
                       target: Target, weeks: int = call_forecast.DEFAULT_WEEKS,
                       patience: float | None = None) -> DayForecast:
    """The forecast of ``day`` for ``queue`` from the ``weeks`` before it (before today,
    for a day ahead), with ``target``'s ``aht`` and ``patience`` replaced by the
    history's (or ``patience`` when given). Cheap: the plan is ``planned``'s."""
    history_end = min(day, today)
    period = day_period(history_end, weeks)
    if not await _queue_known(session, queue):
        raise WhatIfInput("queue", f"no calls to queue {queue!r} in the CRM")
    series = await offered_series(session, period, queue)
    found = await handling(session, period, queue)
    if found.aht is None:
        raise WhatIfInput("date", f"no answered calls of queue {queue!r} in the {weeks} weeks "
                                  f"before {history_end}: nothing to forecast from")
    try:
        forecast = call_forecast.forecast_after(series, (day - history_end).days * SLOTS,
                                                SLOTS, weeks=weeks)
    except call_forecast.TooLittleHistory as exc:
        raise WhatIfInput("date", str(exc)) from None
    known = patience or found.patience
    # floored at a second, as the staffing route does: Erlang's series need them positive
    target = Target(level=target.level, within=target.within, aht=max(found.aht, 1.0),
                    patience=None if known is None else max(known, 1.0),
                    short_abandon=target.short_abandon)
    return DayForecast(day, queue, period, found, target, [float(c) for c in forecast])


def planned(forecast: DayForecast) -> DayInputs:
    """The plan of the forecast day: Erlang C's and A's agents per half hour. Seconds of
    CPU for a large queue (Erlang A's search), so a server runs it off its event loop."""
    return DayInputs(forecast.day, forecast.queue, forecast.history, forecast.found,
                     forecast.target, plan(forecast.calls, forecast.target))


async def day_inputs(session: AsyncSession, day: dt.date, queue: str, *, today: dt.date,
                     target: Target, weeks: int = call_forecast.DEFAULT_WEEKS,
                     patience: float | None = None) -> DayInputs:
    """``day_forecast`` and its plan (for the command, which has no loop to keep free)."""
    return planned(await day_forecast(session, day, queue, today=today, target=target,
                                      weeks=weeks, patience=patience))
