"""``POST /api/v1/analytics/whatif``: a queue's forecast day run on the simulator.

The day's forecast, handle time and patience come from the CRM's history as the
staffing route's do (``crm_core.metrics.call_whatif``); the staffing tried is the
plan's Erlang A or C agents, or the manager's own 48 numbers, changed by overrides
("12:00-14:00:-2"); the run is ``contactcenter.telephony.sim.whatif``'s. It changes
nothing, so it reads the ``call_history`` resource (supervisors, managers and admins).
The body is a POST's because the staffing tried can be long; the answer is JSON, or
CSV with ``"format": "csv"``. docs/simulation.md, "What-if: the forecast day".

The plan and the simulation take seconds of CPU: they run in a worker thread, one
request at a time. A request whose forecast calls over its replications pass
``MAX_CALLS`` is refused with a 422 before the plan is worked out, one whose calls and
agents logging in or out pass it before the run starts, and no half hour may be given
more than ``MAX_AGENTS`` agents, overrides included.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, field_validator

from contactcenter.telephony.sim.whatif import Day, WhatIf, WhatIfTooLarge, run_whatif
from contactcenter.telephony.sim.whatif_report import COLUMNS, rows
from contactcenter.web import analytics_params as params
from contactcenter.web.http import BadInput, json_object, validated
from contactcenter.web.keys import DATABASE
from contactcenter.web.openapi import ERROR
from contactcenter.web.routing import add_route
from crm_core.metrics.call_staffing import Target
from crm_core.metrics.call_whatif import (
    SLOTS,
    DayForecast,
    DayInputs,
    Override,
    WhatIfInput,
    base_of,
    check_agents,
    day_forecast,
    parse_override,
    planned,
    planned_agents,
    staffing,
)

#: the most calls one request simulates, over every replication (about 5 s of CPU)
MAX_CALLS = 100_000
#: how far ahead a day may be, as for the staffing route
MAX_DAYS_AHEAD = 28
#: the most agents a slot may be given
MAX_AGENTS = 5_000
#: one what-if at a time: each holds a core for seconds
LOCK: web.AppKey[asyncio.Semaphore] = web.AppKey("whatif_lock", asyncio.Semaphore)
_OVERRIDE = r"^[0-9]{1,2}:[0-9]{2}-[0-9]{1,2}:[0-9]{2}:(=[+-]?|[+-])[0-9]{1,5}$"
#: a day as the API document writes it (pydantic alone also reads "1795392000" as a date)
_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class WhatIfBody(BaseModel):
    """The request: the day and queue, the target, the staffing to try, the run."""

    model_config = ConfigDict(extra="forbid")

    date: dt.date = Field(description="the day (UTC) to run; at most 28 days ahead")
    queue: str = Field(min_length=1, max_length=64)
    sl_seconds: float = Field(20.0, ge=0, le=3600,
                              description="the service level's answer time")
    target: float = Field(0.8, ge=0, lt=1, description="the plan's service-level target")
    short_abandon_seconds: float = Field(5.0, ge=0, le=3600)
    weeks: int = Field(8, ge=2, le=26, description="weeks of history the forecast reads")
    patience: float | None = Field(None, ge=1, le=86_400,
                                   description="callers' mean patience, s; by default "
                                               "from the history")
    base: Literal["erlang_a", "erlang_c"] | None = Field(
        None, description="the plan whose agents per half hour are tried; by default "
                          "Erlang A, or Erlang C when the history has no abandons")
    agents: list[Annotated[int, Field(ge=0, le=MAX_AGENTS)]] | None = Field(
        None, min_length=SLOTS, max_length=SLOTS,
        description="the manager's own agents per half hour, in place of the plan's")
    overrides: list[Annotated[str, Field(pattern=_OVERRIDE)]] = Field(
        default_factory=list, max_length=SLOTS,
        description="FROM-TO:+N, FROM-TO:-N or FROM-TO:=N, UTC half hours, the end "
                    "excluded (12:00-14:00:-2: two agents fewer over lunch)")
    replications: int = Field(5, ge=1, le=20, description="runs, seeds seed, seed+1...")
    seed: int = Field(1, ge=0, le=2**31 - 1)
    format: Literal["json", "csv"] = "json"

    @field_validator("date", mode="before")
    @classmethod
    def _yyyy_mm_dd(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value  # refused by the type check, as the document says
        if not _YMD.fullmatch(value):
            raise ValueError("an ISO date (YYYY-MM-DD)")
        return dt.date.fromisoformat(value)  # a date past the month's end: ValueError


def _day(body: WhatIfBody, today: dt.date) -> None:
    if body.date > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise BadInput(422, f"date: at most {MAX_DAYS_AHEAD} days ahead", "date")
    if body.date.year < 1971:
        raise BadInput(422, "date: after 1970", "date")


def _overrides(body: WhatIfBody) -> list[Override]:
    try:
        return [parse_override(text) for text in body.overrides]
    except WhatIfInput as exc:
        raise BadInput(422, str(exc), exc.field) from None


def _too_many_calls(body: WhatIfBody, forecast: DayForecast) -> None:
    """Refused before the plan (seconds of CPU for a large queue) is worked out."""
    calls = sum(forecast.calls)
    if calls * body.replications > MAX_CALLS:
        raise BadInput(422, f"replications: {body.replications} runs of {calls:,.0f} calls "
                            f"exceed the cap of {MAX_CALLS:,} simulated calls", "replications")


def _run(body: WhatIfBody, forecast: DayForecast,
         overrides: list[Override]) -> tuple[DayInputs, WhatIf]:
    """The plan and the simulation, in a worker thread: both take seconds of CPU."""
    try:
        inputs = planned(forecast)
        base = body.agents if body.agents is not None else planned_agents(
            inputs.slots, base_of(inputs.slots, body.base))
        agents = staffing(base, overrides)
        check_agents(agents, MAX_AGENTS, "overrides" if overrides else "agents")
    except WhatIfInput as exc:
        raise BadInput(422, str(exc), exc.field) from None
    except ValueError as exc:  # a plan beyond any floor (more than 20,000 agents a slot)
        raise BadInput(422, str(exc), "queue") from None
    day = Day(calls=tuple(inputs.calls), agents=tuple(agents), aht=inputs.target.aht,
              patience=inputs.target.patience, sl_seconds=body.sl_seconds,
              short_abandon=body.short_abandon_seconds)
    try:
        return inputs, run_whatif(day, replications=body.replications, seed=body.seed,
                                  max_calls=MAX_CALLS)
    except WhatIfTooLarge as exc:
        raise BadInput(422, str(exc), "replications") from None


async def whatif(request: web.Request) -> web.Response:
    """Run the day; each half hour and the day beside Erlang A and C."""
    body = validated(WhatIfBody, await json_object(request))
    today = dt.datetime.now(dt.UTC).date()
    _day(body, today)
    overrides = _overrides(body)  # before any query: bad input costs nothing
    target = Target(level=body.target, within=body.sl_seconds,
                    short_abandon=body.short_abandon_seconds)
    try:
        async with request.app[DATABASE]() as session:
            forecast = await day_forecast(session, body.date, body.queue, today=today,
                                          target=target, weeks=body.weeks,
                                          patience=body.patience)
    except WhatIfInput as exc:
        raise BadInput(422, str(exc), exc.field) from None
    _too_many_calls(body, forecast)
    async with request.app[LOCK]:
        inputs, result = await asyncio.to_thread(_run, body, forecast, overrides)
    table = [{k: params.finite(v) for k, v in row.items()} for row in rows(result, body.date)]
    if body.format == "csv":
        return params.csv_response(table, COLUMNS, f"whatif-{body.date.isoformat()}.csv")
    return web.json_response(_answer(body, inputs, result))


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity: such a figure is unknown, None."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return params.finite(value)


def _answer(body: WhatIfBody, inputs: DayInputs, result: WhatIf) -> dict[str, Any]:
    first = dt.datetime.combine(body.date, dt.time(0), dt.UTC)
    slots = []
    for index, (outcome, plan) in enumerate(zip(result.slots, inputs.slots, strict=True)):
        start = first + dt.timedelta(minutes=30 * index)
        slots.append({"start": start.isoformat(),
                      "end": (start + dt.timedelta(minutes=30)).isoformat(),
                      "erlang_a_agents": plan.erlang_a_agents,
                      "erlang_c_agents": plan.erlang_c_agents, **outcome.as_dict()})
    found = inputs.found
    answer: dict[str, Any] = _clean({
        "queue": inputs.queue, "date": body.date.isoformat(),
        "history_from": inputs.history.start.isoformat(),
        "history_to": inputs.history.end.isoformat(),
        "history": {"offered": found.offered, "answered": found.answered,
                    "abandoned": found.abandoned, "aht": found.aht,
                    "patience": found.patience},
        "aht": inputs.target.aht, "patience": inputs.target.patience,
        "sl_seconds": body.sl_seconds, "short_abandon_seconds": body.short_abandon_seconds,
        "target": body.target,
        "base": None if body.agents is not None else base_of(inputs.slots, body.base),
        "overrides": body.overrides, "replications": result.replications,
        "seed": result.seed, "simulated_calls": result.simulated_calls,
        "slots": slots, "day": result.day.as_dict()})
    return answer


_SPREAD = {"type": "object", "properties": {"mean": {"type": ["number", "null"]},
                                            "sd": {"type": ["number", "null"]}}}
_PREDICTION = {"type": ["object", "null"], "properties": {
    name: {"type": ["number", "null"]}
    for name in ("service_level", "abandon_rate", "asa", "occupancy")}}
_OUTCOME = {"type": "object", "properties": {
    "calls": {"type": "number"}, "agents": {"type": "number"},
    "simulated": {"type": "object", "additionalProperties": _SPREAD},
    "erlang_a": _PREDICTION, "erlang_c": _PREDICTION}}
_ANSWER = {"description": "OK: JSON, or CSV with format csv", "content": {
    "application/json": {"schema": {"type": "object", "properties": {
        "slots": {"type": "array", "items": _OUTCOME}, "day": _OUTCOME}}},
    "text/csv": {"schema": {"type": "string"}}}}
WHATIF = {
    "summary": "A queue's forecast day run on the simulator with a staffing to try: per "
               "half hour (UTC) offered, answered, abandoned, service level, ASA and "
               "occupancy (mean and deviation over the replications) beside Erlang A and "
               "C; docs/simulation.md",
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": WhatIfBody.model_json_schema()}}},
    "responses": {"200": _ANSWER, "400": ERROR, "401": ERROR, "403": ERROR,
                  "413": ERROR, "422": ERROR}}


def add_whatif_routes(app: web.Application) -> None:
    """The route, for whoever may read the call history (not agents)."""
    app[LOCK] = asyncio.Semaphore(1)
    add_route(app, "POST", "/api/v1/analytics/whatif", whatif, resource="call_history",
              operation=WHATIF)
