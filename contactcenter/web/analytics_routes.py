"""The contact center's history and staffing, for supervisors and admins.

``GET /api/v1/analytics/calls``: the figures of ``crm_core.metrics.calls_history``
per queue or agent and interval. ``GET /api/v1/analytics/staffing``: one day's
forecast of calls per half hour and the agents Erlang C and Erlang A ask for.
Both answer JSON, or CSV with ``format=csv``. They read the ``call_history``
resource: managers, supervisors and admins, not agents (``permissions.py``).
Definitions are in ``docs/call-history.md``; the managers' page ``/analytics``
draws them. The history's days, weeks and clock are the contact center's time zone's
(the ``time_zone`` setting, given to ``use_time_zone``; UTC when unset), or the
request's ``tz``; the staffing's day and half hours are UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from aiohttp import web

from contactcenter.web import analytics_params as params
from contactcenter.web.analytics_docs import CALLS, STAFFING
from contactcenter.web.analytics_export import add_export_routes
from contactcenter.web.http import BadInput
from contactcenter.web.keys import DATABASE
from contactcenter.web.routing import add_route
from crm_core.metrics import call_forecast
from crm_core.metrics.buckets import INTERVALS
from crm_core.metrics.call_load import SLOT_SECONDS, Handling, day_period, handling, offered_series
from crm_core.metrics.call_staffing import SlotPlan, Target, plan
from crm_core.metrics.calls_history import GROUPINGS, CallFigures, HistoryOptions, call_history
from crm_core.metrics.local_buckets import UTC, zone_named
from crm_core.metrics.period import Period

#: the most buckets (times queues or agents) one history answers; beyond, a longer interval
MAX_BUCKETS = 20_000
#: the most rows (intervals times queues or agents) one history answers
MAX_ROWS = 100_000
#: the longest period a history reads, as the CRM metrics have it
MAX_PERIOD_DAYS = 731
#: how far ahead a staffing day may be
MAX_DAYS_AHEAD = 28
_HISTORY_COLUMNS = ("key", *(name for name in CallFigures.__slots__ if name != "key"))
_PLAN_COLUMNS = ("start", "end", *SlotPlan.__slots__)
#: the years a history's period may fall in (a zone's offsets are not known beyond)
_YEARS = (1900, 9998)
#: the contact center's time zone: the history's days, weeks and clock when no ``tz``
TIME_ZONE: web.AppKey[ZoneInfo] = web.AppKey("history_time_zone", ZoneInfo)


def use_time_zone(app: web.Application, name: str) -> None:
    """Read the history in zone ``name`` (the ``time_zone`` setting) unless asked otherwise."""
    app[TIME_ZONE] = zone_named(name)


def _zone(request: web.Request) -> ZoneInfo:
    """The request's ``tz`` (an IANA name; 422 when there is no such zone), else the
    contact center's."""
    name = params.text(request, "tz", 64)
    if name is None:
        return request.app.get(TIME_ZONE, UTC)
    try:
        return zone_named(name)
    except ValueError as exc:
        raise BadInput(422, f"tz: {exc}", "tz") from None


def _history_options(request: web.Request, zone: ZoneInfo) -> HistoryOptions:
    return HistoryOptions(
        by=params.choice(request, "by", GROUPINGS, "queue"),
        interval=params.choice(request, "interval", tuple(INTERVALS), "30min"),
        sl_seconds=params.number(request, "sl_seconds", 20.0, 0, 3600) or 0.0,
        short_abandon_seconds=params.number(request, "short_abandon_seconds", 5.0, 0,
                                            3600) or 0.0,
        fcr_days=params.number(request, "fcr_days", 7.0, 0, 365) or 0.0,
        queue=params.text(request, "queue", 64), time_zone=zone.key)


def _history_period(request: web.Request, width: int, zone: ZoneInfo) -> Period:
    start, end = params.moment(request, "from", zone), params.moment(request, "to", zone)
    for name, moment in (("from", start), ("to", end)):
        if not _YEARS[0] <= moment.year <= _YEARS[1]:
            raise BadInput(422, f"{name}: in the years {_YEARS[0]} to {_YEARS[1]}", name)
    if end <= start:
        raise BadInput(422, "to: must be after from", "to")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise BadInput(422, f"to: at most {MAX_PERIOD_DAYS} days after from", "to")
    if (end - start).total_seconds() / width > MAX_BUCKETS:
        raise BadInput(422, f"interval: more than {MAX_BUCKETS} intervals in the period; "
                            "choose a longer interval or a shorter period", "interval")
    try:
        return Period(start, end)
    except (ValueError, OverflowError) as exc:
        raise BadInput(422, f"from: {exc}", "from") from None


async def calls(request: web.Request) -> web.Response:
    """The history: one row per queue (or agent) and interval with calls."""
    output = params.choice(request, "format", params.FORMATS, "json")
    zone = _zone(request)
    options = _history_options(request, zone)
    period = _history_period(request, options.width, zone)
    async with request.app[DATABASE]() as session:
        figures = await call_history(session, period, options)
    if len(figures) > MAX_ROWS:
        raise BadInput(422, f"interval: {len(figures)} rows, more than {MAX_ROWS}; choose a "
                            "longer interval, a shorter period or one queue", "interval")
    rows = [{name: params.finite(value) for name, value in row.as_dict().items()}
            for row in figures]
    if output == "csv":
        answer = params.csv_response(rows, _HISTORY_COLUMNS, f"calls-{options.by}.csv")
        answer.headers["X-Time-Zone"] = zone.key  # the rows' times carry its offsets
        return answer
    grid = options.grid(period)  # every bucket, those without rows too: a chart's axis
    return web.json_response({
        "from": period.start.astimezone(zone).isoformat(),
        "to": period.end.astimezone(zone).isoformat(), **asdict(options),
        "buckets": [grid.moment(edge).isoformat() for edge in grid.edges[:-1]],
        "rows": rows})


def _staffing_day(request: web.Request, today: dt.date) -> dt.date:
    day = params.date(request, "day")
    if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise BadInput(422, f"day: at most {MAX_DAYS_AHEAD} days ahead", "day")
    if day.year < 1971:
        raise BadInput(422, "day: after 1970", "day")
    return day


def _asked_target(request: web.Request) -> dict[str, float | None]:
    """The target's parameters, read before any query so that bad input costs nothing."""
    return {"level": params.number(request, "target", 0.8, 0, 1, below_high=True),
            "within": params.number(request, "within", 20.0, 0, 3600),
            "short_abandon": params.number(request, "short_abandon_seconds", 5.0, 0, 3600),
            "patience": params.number(request, "patience", None, 1, 86_400)}


def _target(asked: dict[str, float | None], found: Handling) -> Target:
    if found.aht is None:
        raise BadInput(422, "queue: no answered calls in the weeks before day, so the handle "
                            "time is unknown", "queue")
    # under a second of handle time or of patience is no call center's: a floor keeps
    # Erlang's series finite when the history's calls have (nearly) no durations
    patience = asked["patience"] or found.patience
    return Target(level=asked["level"] or 0.0, within=asked["within"] or 0.0,
                  aht=max(found.aht, 1.0),
                  patience=None if patience is None else max(patience, 1.0),
                  short_abandon=asked["short_abandon"] or 0.0)


def _forecast(history: np.ndarray, day: dt.date, history_end: dt.date,
              weeks: int) -> np.ndarray:
    """The day's 48 half hours, forecast from the history that ends at ``history_end``."""
    try:
        return call_forecast.forecast_after(history, (day - history_end).days * 48, 48,
                                            weeks=weeks)
    except call_forecast.TooLittleHistory as exc:
        raise BadInput(422, f"weeks: {exc}", "weeks") from None


def _check(history: np.ndarray, weeks: int) -> dict[str, Any] | None:
    """The forecast against seasonal naive on the history's last week, when it has 3."""
    if weeks < 3 or not history.any():
        return None
    result = call_forecast.backtest(history, 1, weeks=weeks)
    return {"held_out_weeks": 1,
            "model": {k: params.finite(v) for k, v in asdict(result.model).items()},
            "seasonal_naive": {k: params.finite(v) for k, v in asdict(result.baseline).items()}}


def _plan_rows(day: dt.date, slots: list[SlotPlan]) -> list[dict[str, Any]]:
    first = dt.datetime.combine(day, dt.time(0), dt.UTC)
    rows = []
    for index, slot in enumerate(slots):
        start = first + dt.timedelta(seconds=index * SLOT_SECONDS)
        end = start + dt.timedelta(seconds=SLOT_SECONDS)
        rows.append({"start": start.isoformat(), "end": end.isoformat(),
                     **{k: params.finite(v) for k, v in slot.as_dict().items()}})
    return rows


async def staffing(request: web.Request) -> web.Response:
    """One day's forecast and staffing, half hour by half hour."""
    output = params.choice(request, "format", params.FORMATS, "json")
    today = dt.datetime.now(dt.UTC).date()
    day = _staffing_day(request, today)
    weeks = params.whole(request, "weeks", call_forecast.DEFAULT_WEEKS, 2, 26)
    queue = params.text(request, "queue", 64)
    asked = _asked_target(request)
    history_end = min(day, today)
    period = day_period(history_end, weeks)
    async with request.app[DATABASE]() as session:
        history = await offered_series(session, period, queue)
        found = await handling(session, period, queue)
    target = _target(asked, found)
    try:
        slots = plan(list(_forecast(history, day, history_end, weeks)), target)
    except ValueError as exc:
        raise BadInput(422, str(exc), "queue") from None
    rows = _plan_rows(day, slots)
    if output == "csv":
        answer = params.csv_response(rows, _PLAN_COLUMNS, f"staffing-{day.isoformat()}.csv")
        answer.headers["X-Time-Zone"] = "UTC"  # the day and its half hours, whatever the setting
        return answer
    return web.json_response({
        "queue": queue, "day": day.isoformat(), "time_zone": "UTC", "history_from": period.start.isoformat(),
        "history_to": period.end.isoformat(), "history": asdict(found),
        "target": asdict(target), "forecast_check": _check(history, weeks), "slots": rows})


def add_analytics_routes(app: web.Application) -> None:
    """The two routes, for whoever may read the call history (managers, supervisors,
    admins), and the analytics' exports."""
    add_route(app, "GET", "/api/v1/analytics/calls", calls, resource="call_history",
              operation=CALLS)
    add_route(app, "GET", "/api/v1/analytics/staffing", staffing, resource="call_history",
              operation=STAFFING)
    add_export_routes(app)  # the scored tables as Parquet, the segment sizes as CSV
