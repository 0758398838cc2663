"""Routes that read the CRM rather than a collection of it: the metrics of an
area over a period, the knowledge-base search, and the list generator's
preview of a segment before it is saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import DATABASE
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from crm_core import knowledge, segments
from crm_core.listing import digits
from crm_core.metrics import AREAS, Period, compute_area
from crm_core.segments import InvalidSegment

#: a metrics period longer than this is refused: it would scan years of rows per request
MAX_PERIOD_DAYS = 731
MAX_RESULTS = 50
_DATE = {"type": "string", "format": "date"}


def _limit(request: web.Request, default: int) -> int:
    text = request.query.get("limit", str(default))
    if not digits(text) or not 1 <= int(text) <= MAX_RESULTS:
        raise BadInput(400, f"limit: a whole number from 1 to {MAX_RESULTS}", "limit")
    return int(text)


def _period(request: web.Request) -> Period:
    for name in ("from", "to"):
        if not request.query.get(name):
            raise BadInput(400, f"{name}: required query parameter (an ISO date)", name)
    try:
        period = Period.parse(request.query["from"], request.query["to"])
    except ValueError as exc:
        raise BadInput(400, f"from/to: {exc}", "from") from None
    if period.days > MAX_PERIOD_DAYS:
        raise BadInput(400, f"to: a period of at most {MAX_PERIOD_DAYS} days", "to")
    try:  # the figures compare with the period before, which must be a period too
        period.previous()
    except (OverflowError, ValueError):
        raise BadInput(400, "from: too early to compare with the period before", "from") from None
    return period


async def metrics(request: web.Request) -> web.Response:
    area = request.match_info["area"]
    if area not in AREAS:
        raise BadInput(404, f"no metrics area {area!r}; there are {', '.join(AREAS)}")
    period = _period(request)
    async with request.app[DATABASE]() as session:
        figures = await compute_area(session, area, period)
    return web.json_response({"area": area, "from": period.start.isoformat(),
                              "to": period.end.isoformat(), "metrics": figures})


async def search_articles(request: web.Request) -> web.Response:
    query = request.query.get("q", "")
    if len(query) > 500:
        raise BadInput(400, "q: at most 500 characters", "q")
    hits = await knowledge.search(request.app[DATABASE], query, _limit(request, 10))
    return web.json_response({"query": query, "items": [
        {"id": hit.id, "title": hit.title, "snippet": hit.snippet} for hit in hits]})


async def preview_segment(request: web.Request) -> web.Response:
    body = await json_object(request)
    definition = body.get("definition")
    today = dt.datetime.now(dt.UTC).date()
    try:
        total = await segments.count(request.app[DATABASE], definition, today=today)
        members = await segments.preview(request.app[DATABASE], definition, today=today,
                                         limit=20)
    except InvalidSegment as exc:
        raise BadInput(422, f"definition.{exc}", "definition") from None
    return web.json_response({"total": total, "first": [
        {"id": m.id, "first_name": m.first_name, "last_name": m.last_name, "email": m.email}
        for m in members]})


def _operation(summary: str, parameters: list[dict[str, Any]],
               body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "parameters": parameters, "responses": {
        "200": json_content({"type": "object"}), "400": ERROR, "401": ERROR, "403": ERROR}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": body}}}
        operation["responses"]["422"] = ERROR
    return operation


def _query(name: str, description: str, required: bool = False,
           schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}}


def add_insight_routes(app: web.Application) -> None:
    add_route(app, "GET", "/api/v1/metrics/{area}", metrics, resource="metrics",
              operation=_operation(
                  "The metrics of one area (sales, marketing, service) over [from, to); "
                  "definitions in docs/crm-metrics.md",
                  [{"name": "area", "in": "path", "required": True,
                    "schema": {"type": "string", "enum": list(AREAS)}},
                   _query("from", "ISO date (or datetime), included", True, _DATE),
                   _query("to", f"ISO date (or datetime), excluded; at most {MAX_PERIOD_DAYS} "
                                "days after from", True, _DATE)]))
    add_route(app, "GET", "/api/v1/articles/search", search_articles, resource="articles",
              operation=_operation(
                  "Full-text search of the published knowledge-base articles, best first",
                  [_query("q", "what the user typed; any word may match", schema={
                      "type": "string", "maxLength": 500}),
                   _query("limit", f"1 to {MAX_RESULTS}, 10 by default", schema={
                       "type": "integer", "minimum": 1, "maximum": MAX_RESULTS})]))
    add_route(app, "POST", "/api/v1/segments/preview", preview_segment, resource="segments",
              operation=_operation(
                  "How many contacts a list-generator definition selects, and the first 20",
                  [], {"type": "object", "required": ["definition"],
                       "properties": {"definition": {"type": "object"}}}))
