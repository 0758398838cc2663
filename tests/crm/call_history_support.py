"""Planted calls for the call-history tests: one Monday morning whose every figure can
be worked out by hand, and a helper that makes one interaction."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.db import sessions
from crm_core.metrics.calls_history import CallFigures, HistoryOptions, call_history
from crm_core.metrics.period import Period
from crm_core.models import Interaction

_IDS = itertools.count(1)
#: Monday 2 November 2026, 10:00 UTC: the bucket the planted calls start in
TEN = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
WEEK_OF_TEN = Period(dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
                     dt.datetime(2026, 11, 16, tzinfo=dt.UTC))


def call(start: dt.datetime, *, queue: str | None = "sales", outcome: str = "answered",
         wait: float | None = 0.0, talk: float | None = None, wrap: float | None = None,
         hold: float | None = None, agent: str | None = None, caller: str | None = None,
         direction: str = "inbound", channel: str = "voice") -> Interaction:
    number = next(_IDS)
    return Interaction(call_id=f"planted-{number}", started_at=start, queue=queue,
                       outcome=outcome, wait_seconds=wait, talk_seconds=talk,
                       wrap_seconds=wrap, hold_seconds=hold, agent=agent,
                       caller=caller or f"+1555000{number:04d}", direction=direction,
                       channel=channel, dialed="5000")


#: the eight answered calls of the 10:00 bucket: (seconds after 10:00, wait, talk, agent)
ANSWERED = [(0, 0.0, 100.0, "agent101"), (60, 5.0, 110.0, "agent101"),
            (120, 10.0, 120.0, "agent101"), (180, 12.0, 130.0, "agent102"),
            (240, 18.0, 140.0, "agent102"), (300, 20.0, 150.0, "agent101"),
            (600, 30.0, 160.0, "agent102"), (1799.999999, 45.0, 170.0, "agent101")]
#: the caller of the first answered call, who calls again two days later
REPEATER = "+15551230001"
#: the caller of the second, who calls again eight days later (not within seven)
LATE_REPEATER = "+15551230002"


def monday_morning() -> list[Interaction]:
    """10 offered to ``sales`` in 10:00-10:30: 8 answered (6 within 20 s, waits summing to
    140 s, talk 1080 s and wrap 8 x 20 s), 2 abandoned (one after 3 s, a short one); then
    one call on the 10:30 edge, one to ``support``, and calls that are not counted."""
    rows = []
    for index, (offset, wait, talk, agent) in enumerate(ANSWERED):
        caller = {0: REPEATER, 1: LATE_REPEATER}.get(index)
        rows.append(call(TEN + dt.timedelta(seconds=offset), wait=wait, talk=talk, wrap=20.0,
                         hold=10.0 if index == 0 else 0.0, agent=agent, caller=caller))
    rows += [call(TEN + dt.timedelta(minutes=7), outcome="abandoned_in_queue", wait=3.0),
             call(TEN + dt.timedelta(minutes=8), outcome="abandoned_in_queue", wait=40.0),
             # the next bucket starts at 10:30:00 sharp
             call(TEN + dt.timedelta(minutes=30), wait=25.0, talk=60.0, wrap=0.0,
                  agent="agent102"),
             call(TEN + dt.timedelta(minutes=5), queue="support", outcome="voicemail",
                  wait=60.0),
             # not counted: an outbound call, a call that ended in the IVR, an e-mail
             call(TEN, direction="outbound", agent="agent101", talk=500.0),
             call(TEN, queue=None, outcome="abandoned_in_ivr", wait=None),
             call(TEN, channel="email", agent="agent101"),
             # the repeats: two days later (within 7), eight days later (not within 7)
             call(TEN + dt.timedelta(days=2), caller=REPEATER, wait=2.0, talk=50.0,
                  wrap=10.0, agent="agent102"),
             call(TEN + dt.timedelta(days=8), caller=LATE_REPEATER, wait=2.0, talk=50.0,
                  wrap=10.0, agent="agent102")]
    return rows


async def plant(engine: AsyncEngine, rows: list[Interaction]) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add_all(rows)


async def history(engine: AsyncEngine, period: Period = WEEK_OF_TEN,
                  now: dt.datetime | None = None, **options: Any) -> list[CallFigures]:
    async with sessions(engine)() as session:
        return await call_history(session, period, HistoryOptions(**options), now)


def row_of(rows: list[CallFigures], key: str, start: dt.datetime) -> CallFigures:
    [row] = [row for row in rows if row.key == key and row.start == start]
    return row
