"""A campaign's uplift, measured against its control arm: ``POST /api/v1/campaigns/{id}/uplift``.

The campaign's list must have a control arm (members held out at random when the list
was made, ``crm_core.holdout``): the route reads both arms, each member's features at
the campaign's start and whether they ordered in its window
(``crm_uplift.campaign_sample``), fits the two-model and the class-transformation
models on 70 % and answers their held-out figures (``uplift_report.held_out_figures``,
docs/analytics-uplift.md). The fit runs in a worker thread, one at a time, so the
server's loop goes on answering. It takes the ``analytics`` resource: running a model
is ``create`` (managers, marketing, admins).

The body's readers here are shared with ``campaign_list_routes``: every refusal is a
4xx naming the field (``from_uplift.top``, not "bad request").
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aiohttp import web

from contactcenter.analytics import crm_uplift
from contactcenter.analytics.shortage import BadInput as AnalyticsInput
from contactcenter.analytics.shortage import TooLittleData
from contactcenter.analytics.uplift import Classifier, UpliftSample
from contactcenter.analytics.uplift_report import CLASSIFIERS, held_out_figures
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import DATABASE
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from crm_core.metrics.marketing import lift_figures
from crm_core.models import Campaign

#: ids are 32-bit integers in both databases; a larger one names no row
MAX_ID = 2**31 - 1
#: the longest window after a campaign's end in which an order counts as its outcome
MAX_WINDOW_DAYS = 365
#: one model fit at a time: each takes a core for seconds
FITS: web.AppKey[asyncio.Semaphore] = web.AppKey("uplift_fits", asyncio.Semaphore)
Result = TypeVar("Result")


def fields(body: dict[str, Any], allowed: tuple[str, ...], prefix: str = "") -> None:
    """A 422 naming the first field the body has that is not ``allowed``."""
    for name in body:
        if name not in allowed:
            raise BadInput(422, f"{prefix}{name}: not a field (fields: "
                                f"{', '.join(allowed)})", f"{prefix}{name}")


def whole(body: dict[str, Any], name: str, default: int, low: int, high: int,
          prefix: str = "") -> int:
    """The body's whole number ``name`` in [low, high], or ``default`` when absent."""
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise BadInput(422, f"{prefix}{name}: expected a whole number from {low} to {high}, "
                            f"got {value!r}", f"{prefix}{name}")
    return value


def share(body: dict[str, Any], name: str, default: float, low: float, high: float, *,
          prefix: str = "", above_low: bool = False) -> float:
    """The body's number ``name`` in [low, high] (above ``low`` with ``above_low``)."""
    value = body.get(name, default)
    valid = (not isinstance(value, bool) and isinstance(value, int | float)
             and math.isfinite(value) and low <= value <= high
             and not (above_low and value == low))
    if not valid:
        span = f"{'above ' if above_low else 'from '}{low} {'up ' if above_low else ''}to {high}"
        raise BadInput(422, f"{prefix}{name}: expected a number {span}, got {value!r}",
                       f"{prefix}{name}")
    return float(value)


def choice(body: dict[str, Any], name: str, options: tuple[str, ...], prefix: str = "") -> str:
    value = body.get(name, options[0])
    if value not in options:
        raise BadInput(422, f"{prefix}{name}: expected one of {', '.join(options)}, "
                            f"got {value!r}", f"{prefix}{name}")
    return str(value)


async def campaign_id(request: web.Request) -> int:
    """The path's campaign, which must exist (404 otherwise)."""
    found = int(request.match_info["id"])
    if found > MAX_ID:
        raise BadInput(404, f"id: no campaign with id {found}", "id")
    async with request.app[DATABASE]() as session:
        if await session.get(Campaign, found) is None:
            raise BadInput(404, f"id: no campaign with id {found}", "id")
    return found


def refused(exc: AnalyticsInput | TooLittleData, field: str) -> BadInput:
    """The analytics' refusal as the API's: no control arm is a 409 (the campaign, not
    the request, lacks it), too little data or bad input a 422; both name ``field``."""
    status = 409 if isinstance(exc, crm_uplift.NoControlArm) else 422
    reason = str(exc)
    if not reason.startswith(f"{field}:"):
        reason = f"{field}: {reason.removeprefix('campaign: ')}"
    return BadInput(status, reason, field)


async def in_thread(request: web.Request, work: Callable[[], Result]) -> Result:
    """``work`` in a worker thread, one fit at a time."""
    async with request.app[FITS]:
        return await asyncio.to_thread(work)


async def sample_of(request: web.Request, campaign: int, window_days: int,
                    field: str) -> UpliftSample:
    """The campaign's uplift sample; its refusals named ``field``."""
    try:
        async with request.app[DATABASE]() as session:
            found = await crm_uplift.campaign_sample(session, campaign,
                                                     window_days=window_days)
    except (AnalyticsInput, TooLittleData) as exc:
        raise refused(exc, field) from None
    return found.sample


async def uplift(request: web.Request) -> web.Response:
    """Fit and judge the campaign's uplift models on its own two arms."""
    body = await json_object(request) if request.body_exists else {}
    fields(body, ("window_days", "classifier", "seed"))
    window = whole(body, "window_days", 30, 0, MAX_WINDOW_DAYS)
    classifier = cast(Classifier, choice(body, "classifier", CLASSIFIERS))
    seed = whole(body, "seed", 0, 0, MAX_ID)
    campaign = await campaign_id(request)
    sample = await sample_of(request, campaign, window, "id")

    def fit() -> dict[str, dict[str, float]]:
        return held_out_figures(sample, classifier=classifier, seed=seed)

    try:
        figures = await in_thread(request, fit)
    except (AnalyticsInput, TooLittleData) as exc:
        raise refused(exc, "id") from None
    control = ~sample.treated
    lift = lift_figures(int(sample.treated.sum()), int((sample.responded & sample.treated).sum()),
                        int(control.sum()), int((sample.responded & control).sum()))
    return web.json_response({
        "campaign_id": campaign, "window_days": window, "classifier": classifier,
        "seed": seed, "treated": int(sample.treated.sum()), "control": int(control.sum()),
        "treated_responded": int((sample.responded & sample.treated).sum()),
        "control_responded": int((sample.responded & control).sum()),
        "held_out_share": 0.3, "measured": lift,
        "methods": {method: {name: _finite(value) for name, value in figure.items()}
                    for method, figure in figures.items()}})


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


_FIGURES = {"type": "object", "properties": {
    name: {"type": ["number", "null"]}
    for name in ("qini_area", "qini_coefficient", "uplift_at_10", "uplift_at_30")}}
UPLIFT = {
    "summary": "Fit the campaign's uplift models (two-model and class transformation) on "
               "its treated and control arms; the Qini coefficient and uplift at 10 % and "
               "30 % on held-out members (docs/analytics-uplift.md)",
    "parameters": [{"name": "id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1}}],
    "requestBody": {"required": False, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False, "properties": {
            "window_days": {"type": "integer", "minimum": 0, "maximum": MAX_WINDOW_DAYS,
                            "description": "days after the campaign's end in which an "
                                           "order counts as its outcome (30)"},
            "classifier": {"type": "string", "enum": list(CLASSIFIERS)},
            "seed": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}}}}},
    "responses": {"200": json_content({"type": "object", "properties": {
        "campaign_id": {"type": "integer"}, "treated": {"type": "integer"},
        "control": {"type": "integer"}, "treated_responded": {"type": "integer"},
        "control_responded": {"type": "integer"},
        "measured": {"type": "object", "description": "treated against control conversion "
                     "in the window, the lift and its 95 % interval", "properties": {
                         name: {"type": ["number", "null"]}
                         for name in ("treated_conversion", "control_conversion", "lift",
                                      "lift_low", "lift_high")}},
        "methods": {"type": "object", "additionalProperties": _FIGURES}}}),
        "400": ERROR, "404": ERROR, "409": ERROR, "413": ERROR, "422": ERROR}}


def add_uplift_routes(app: web.Application) -> None:
    app[FITS] = asyncio.Semaphore(1)
    add_route(app, "POST", "/api/v1/campaigns/{id:\\d+}/uplift", uplift, resource="analytics",
              action="create", operation=UPLIFT)
