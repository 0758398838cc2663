"""The RFM routes: recompute the scores now, the last run's segment sizes and rules, and
one contact's scores (docs/rfm.md).

Recomputing and reading the sizes are the ``analytics`` resource (recomputing is
``create``: managers, marketing and admins; reading also supervisors); a contact's
scores, reading contacts (agents too, as on the screen-pop). Every refusal is a 4xx
naming the field. ``add_rfm_routes`` also adds the analytics' campaign routes
(``uplift_routes``, ``campaign_list_routes``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from aiohttp import web

from contactcenter.web.campaign_list_routes import add_campaign_list_routes
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import DATABASE
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from contactcenter.web.uplift_routes import add_uplift_routes
from crm_core import rfm
from crm_core.models import Contact
from crm_core.rfm_read import contact_rfm, summary

_FIELDS = frozenset({"as_of"})
#: the one form docs/rfm.md allows: date.fromisoformat alone also reads ISO week dates
#: (2026-W01-1) and basic dates (20260101)
_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: ids are 32-bit integers in both databases (as in ``crm_routes``); a larger one names no row
MAX_ID = 2**31 - 1
_RULES = [{"name": rule.name, "r": list(rule.r), "f": list(rule.f), "meaning": rule.meaning}
          for rule in rfm.SEGMENTS]


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _as_of(body: dict[str, Any]) -> dt.date:
    """The body's ``as_of``: a date no later than today (UTC); today when null or not given."""
    for name in body:
        if name not in _FIELDS:
            raise BadInput(422, f"{name}: not a field (fields: as_of)", name)
    value = body.get("as_of")
    if value is None:
        return _today()
    if not isinstance(value, str) or not _YMD.fullmatch(value):
        raise BadInput(422, f"as_of: expected a date (YYYY-MM-DD), got {value!r}", "as_of")
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(422, f"as_of: expected a date (YYYY-MM-DD), got {value!r}",
                       "as_of") from None
    if day > _today():
        raise BadInput(422, f"as_of: {value} is after today; scores look back, not ahead",
                       "as_of")
    return day


async def recompute(request: web.Request) -> web.Response:
    body = await json_object(request) if request.body_exists else {}
    as_of = _as_of(body)
    run = await rfm.recompute(request.app[DATABASE], as_of=as_of,
                              now=dt.datetime.now(dt.UTC))
    return web.json_response({"as_of": run.as_of.isoformat(),
                              "computed_at": run.computed_at.isoformat(),
                              "customers": run.customers, "segments": run.segments})


async def last_run(request: web.Request) -> web.Response:
    return web.json_response({**await summary(request.app[DATABASE]), "rules": _RULES})


async def of_contact(request: web.Request) -> web.Response:
    contact_id = int(request.match_info["id"])
    if contact_id > MAX_ID:
        raise BadInput(404, f"no contact with id {contact_id}")
    async with request.app[DATABASE]() as session:
        if await session.get(Contact, contact_id) is None:
            raise BadInput(404, f"no contact with id {contact_id}")
        scores = await contact_rfm(session, contact_id)
    return web.json_response({"contact_id": contact_id, "rfm": scores})


_SEGMENT_SIZES: dict[str, Any] = {"type": "object", "properties": {
    name: {"type": "integer"} for name in rfm.SEGMENT_NAMES}}
_RUN_FIELDS: dict[str, Any] = {
    "as_of": {"type": ["string", "null"], "format": "date"},
    "computed_at": {"type": ["string", "null"], "format": "date-time"},
    "customers": {"type": "integer"}, "segments": _SEGMENT_SIZES}
_RUN = {"type": "object", "properties": _RUN_FIELDS}
_SCORES = {"type": ["object", "null"], "description": "null before the first run",
           "properties": {
               "segment": {"type": "string", "enum": [*rfm.SEGMENT_NAMES, rfm.NONE]},
               "r": {"type": ["integer", "null"]}, "f": {"type": ["integer", "null"]},
               "m": {"type": ["integer", "null"]},
               "recency_days": {"type": ["integer", "null"]}, "frequency": {"type": "integer"},
               "monetary": {"type": ["string", "null"]},
               "as_of": {"type": "string", "format": "date"}}}
_RECOMPUTE = {
    "summary": "Recompute every contact's RFM scores now, as of a day (docs/rfm.md)",
    "description": "Replaces the stored scores in one transaction: readers see the last "
                   "run's until this one commits. Contacts without an order get no scores "
                   "(segment `none`).",
    "requestBody": {"required": False, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False, "properties": {
            "as_of": {"type": ["string", "null"], "format": "date",
                      "description": "the day recency counts to (UTC), not after today; "
                                     "today when null or not given"}}}}}},
    "responses": {"200": json_content(_RUN), "422": ERROR}}
_LAST_RUN = {
    "summary": "The last RFM run: its day, how many contacts each segment holds, the rules",
    "responses": {"200": json_content({"type": "object", "properties": {
        **_RUN_FIELDS, "rules": {"type": "array", "items": {"type": "object"}}}})}}
_OF_CONTACT = {
    "summary": "One contact's RFM scores and segment, as of the last run",
    "parameters": [{"name": "id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1}}],
    "responses": {"200": json_content({"type": "object", "properties": {
        "contact_id": {"type": "integer"}, "rfm": _SCORES}}), "404": ERROR}}


def add_rfm_routes(app: web.Application) -> None:
    add_route(app, "POST", "/api/v1/rfm/recompute", recompute, resource="analytics",
              action="create", operation=_RECOMPUTE)
    add_route(app, "GET", "/api/v1/rfm", last_run, resource="analytics", operation=_LAST_RUN)
    add_route(app, "GET", "/api/v1/contacts/{id:\\d+}/rfm", of_contact, resource="contacts",
              operation=_OF_CONTACT)
    # the analytics' campaign routes, registered with these so that the app needs no change
    add_uplift_routes(app)
    add_campaign_list_routes(app)
