"""The lifetime value and churn routes: recompute every customer's scores now, the last
run's figures, and one contact's scores (docs/analytics-churn.md).

Recomputing runs the analytics' models, so it takes creating ``analytics`` (managers,
marketing, admins); reading the last run takes reading them (supervisors too); a
contact's scores take reading contacts (agents too, as on the screen-pop). Every refusal
is a 4xx naming the field; too little history for a model is a 422 whose text says what
was needed and what was found, naming ``as_of`` (the day the history runs to).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.analytics.errors import AnalyticsError
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import DATABASE
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from crm_core.models import Contact
from crm_core.scores import ScoreRun, recompute_scores
from crm_core.scores_read import contact_scores, last_run

#: what runs a recompute: ``serve`` sets a child process (``crm_core.scores_job``), so
#: that the fits never hold the calls' event loop; without it, in this process
RECOMPUTE: web.AppKey[Callable[..., Awaitable[ScoreRun]]] = web.AppKey("scores_recompute")

#: each field of the body and the whole days it may be, inclusive
_DAYS = {"horizon_days": (1, 3650), "window_days": (7, 730)}
_FIELDS = ("as_of", *_DAYS)
#: ids are 32-bit integers in both databases; a larger one names no row
MAX_ID = 2**31 - 1


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _as_of(value: Any) -> dt.date:
    """A date no later than today (UTC); today when null or not given."""
    if value is None:
        return _today()
    wrong = f"as_of: expected a date (YYYY-MM-DD), got {value!r}"
    if not isinstance(value, str) or len(value) != 10:
        raise BadInput(422, wrong, "as_of")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(422, wrong, "as_of") from None
    if day > _today():
        raise BadInput(422, f"as_of: {value} is after today; scores look back, not ahead",
                       "as_of")
    return day


def _days(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    low, high = _DAYS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(422, f"{name}: expected whole days from {low} to {high}, got "
                            f"{value!r}", name)
    return value


def _options(body: dict[str, Any]) -> dict[str, Any]:
    for name in body:
        if name not in _FIELDS:
            raise BadInput(422, f"{name}: not a field (fields: {', '.join(_FIELDS)})", name)
    as_of, horizon = _as_of(body.get("as_of")), _days(body, "horizon_days", 365)
    window = _days(body, "window_days", 90)
    if as_of - dt.date.min < dt.timedelta(days=window):
        raise BadInput(422, f"as_of: {as_of} leaves no day for the cut-off {window} days "
                            "before it", "as_of")
    return {"as_of": as_of, "horizon_days": horizon, "window_days": window}


def _engine(request: web.Request) -> AsyncEngine:
    bind = request.app[DATABASE].kw["bind"]
    assert isinstance(bind, AsyncEngine)
    return bind


async def recompute(request: web.Request) -> web.Response:
    body = await json_object(request) if request.body_exists else {}
    options = _options(body)
    try:
        run = await request.app.get(RECOMPUTE, recompute_scores)(_engine(request), **options)
    except AnalyticsError as exc:  # too little history, or no model fits it
        raise BadInput(422, f"as_of: {exc}", "as_of") from None
    return web.json_response(run.as_json())


async def latest(request: web.Request) -> web.Response:
    async with request.app[DATABASE]() as session:
        run = await last_run(session)
    return web.json_response({"run": run})


async def of_contact(request: web.Request) -> web.Response:
    contact_id = int(request.match_info["id"])
    if contact_id > MAX_ID:
        raise BadInput(404, f"no contact with id {contact_id}")
    async with request.app[DATABASE]() as session:
        if await session.get(Contact, contact_id) is None:
            raise BadInput(404, f"no contact with id {contact_id}")
        scores = await contact_scores(session, contact_id)
    return web.json_response({"contact_id": contact_id, "scores": scores})


_NUMBER = {"type": "number"}
_RUN: dict[str, Any] = {"type": "object", "properties": {
    "run_id": {"type": "integer"}, "as_of": {"type": "string", "format": "date"},
    "computed_at": {"type": "string", "format": "date-time"},
    "horizon_days": {"type": "integer"}, "window_days": {"type": "integer"},
    "customers": {"type": "integer"},
    "parameters": {"type": "object", "description": "bgnbd, gamma_gamma, bgnbd_at_cut, "
                                                    "survival, discount"},
    "auc": {"type": ["number", "null"], "description": "the attrition model's held-out AUC"},
    "p_alive_auc": {"type": ["number", "null"],
                    "description": "1 - P(alive)'s AUC on the same held-out customers"},
    "timings": {"type": "object", "additionalProperties": _NUMBER},
    "figures": {"type": "object"}}}
_SCORES = {"type": ["object", "null"],
           "description": "null without a counted order as of the last run, or before it",
           "properties": {"as_of": {"type": "string", "format": "date"},
                          "expected_purchases": _NUMBER, "p_alive": _NUMBER,
                          "clv": {"type": "string"}, "churn_probability": _NUMBER,
                          "median_days_to_churn": _NUMBER}}
_DAY_FIELD = {"type": ["integer", "null"]}
_RECOMPUTE = {
    "summary": "Recompute every customer's lifetime value and churn scores now "
               "(docs/analytics-churn.md)",
    "description": "Fits the models on the CRM's orders and replaces the stored scores in "
                   "one transaction. Too little history is a 422 saying what is missing.",
    "requestBody": {"required": False, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False, "properties": {
            "as_of": {"type": ["string", "null"], "format": "date",
                      "description": "the last day of history (UTC), not after today"},
            "horizon_days": {**_DAY_FIELD, "minimum": 1, "maximum": 3650,
                             "description": "days ahead the value and purchases cover; 365"},
            "window_days": {**_DAY_FIELD, "minimum": 7, "maximum": 730,
                            "description": "days without an order that make a customer "
                                           "lapsed; 90"}}}}}},
    "responses": {"200": json_content(_RUN), "422": ERROR}}
_LATEST = {"summary": "The last scores run: the models' parameters, AUCs, counts, timings",
           "responses": {"200": json_content({"type": "object", "properties": {
               "run": {**_RUN, "type": ["object", "null"]}}})}}
_OF_CONTACT = {
    "summary": "One contact's lifetime value and churn scores, as of the last run",
    "parameters": [{"name": "id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1}}],
    "responses": {"200": json_content({"type": "object", "properties": {
        "contact_id": {"type": "integer"}, "scores": _SCORES}}), "404": ERROR}}


def add_score_routes(app: web.Application) -> None:
    add_route(app, "POST", "/api/v1/scores/recompute", recompute, resource="analytics",
              action="create", operation=_RECOMPUTE)
    add_route(app, "GET", "/api/v1/scores", latest, resource="analytics", operation=_LATEST)
    add_route(app, "GET", "/api/v1/contacts/{id:\\d+}/scores", of_contact,
              resource="contacts", operation=_OF_CONTACT)
