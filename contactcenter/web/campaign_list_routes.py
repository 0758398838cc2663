"""A campaign's list from the analytics: ``POST /api/v1/campaigns/{id}/list``.

Two sources, exactly one per request:

- ``{"from_uplift": {"campaign": <id>, "top": 0.1}}``: the uplift model of another
  campaign with a control arm (two-model, fitted on all its members) scores the
  contacts on neither list, and the best ``top`` share of them by predicted uplift
  (the top decile by default) goes on this campaign's list;
- ``{"from_cluster": {"name": "..."}}``: the customers (a counted order) clustered on
  their recency, orders, spend, calls and cases as of now (``clusters.py``, seeded),
  and the cluster of that name goes on the list;
- ``{"from_segment": {"id": <id>}}``: a saved segment's contacts, as
  ``crm_core.segments.materialise`` puts them.

``holdout`` (0 to 0.5, default 0) puts that share of the new members in the control
arm, drawn from ``seed`` (``crm_core.holdout``; by default the campaign's id, so that
two campaigns hold out different people), so that this campaign can be measured in its
turn; ``seed`` (default 0) also seeds the model's fit and the clustering. Contacts already on the list are skipped, and so, on a phone campaign's
list, are those who asked not to be called. The answer says how many were
added, to which arm, out of how many selected. Fits run in a worker thread. Resource
``analytics``, ``create``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from contactcenter.analytics import crm_uplift
from contactcenter.analytics.clusters import Clustering, cluster_contacts, cluster_customers
from contactcenter.analytics.crm_features import contact_features
from contactcenter.analytics.shortage import BadInput as AnalyticsInput
from contactcenter.analytics.shortage import TooLittleData
from contactcenter.analytics.uplift import check_enough, fit_uplift
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import DATABASE
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from contactcenter.web.uplift_routes import (
    MAX_ID,
    MAX_WINDOW_DAYS,
    campaign_id,
    fields,
    in_thread,
    refused,
    sample_of,
    share,
    whole,
)
from crm_core import segments
from crm_core.holdout import CONTROL, MAX_HOLDOUT
from crm_core.models import Campaign, CampaignMember, Segment

_SOURCES = ("from_uplift", "from_cluster", "from_segment")


def _source(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    fields(body, (*_SOURCES, "holdout", "seed"))
    given = [name for name in _SOURCES if name in body]
    if len(given) != 1:
        field = given[1] if given else _SOURCES[0]
        raise BadInput(422, f"{field}: give exactly one of {' or '.join(_SOURCES)}", field)
    value = body[given[0]]
    if not isinstance(value, dict):
        raise BadInput(422, f"{given[0]}: expected an object, got {value!r}", given[0])
    return given[0], value


async def _from_uplift(request: web.Request, target: int, asked: dict[str, Any],
                       seed: int) -> list[int]:
    """The best ``top`` share by the source campaign's predicted uplift."""
    prefix = "from_uplift."
    fields(asked, ("campaign", "top", "window_days"), prefix)
    source = whole(asked, "campaign", 0, 1, MAX_ID, prefix)
    top = share(asked, "top", 0.1, 0, 1, prefix=prefix, above_low=True)
    window = whole(asked, "window_days", 30, 0, MAX_WINDOW_DAYS, prefix)
    if source == target:  # its arms would gain people who were never in its experiment
        raise BadInput(422, f"{prefix}campaign: a campaign's own model cannot grow its own "
                            "measured list; name the list of another campaign",
                       f"{prefix}campaign")
    async with request.app[DATABASE]() as session:
        if await session.get(Campaign, source) is None:
            raise BadInput(404, f"{prefix}campaign: no campaign with id {source}",
                           f"{prefix}campaign")
    sample = await sample_of(request, source, window, f"{prefix}campaign")
    try:
        check_enough(sample)
    except TooLittleData as exc:
        raise refused(exc, f"{prefix}campaign") from None
    async with request.app[DATABASE]() as session:
        candidates = await crm_uplift.not_contacted(session, (source, target),
                                                    as_of=dt.datetime.now(dt.UTC))
    if not len(candidates.contact_ids):
        return []

    def score() -> list[int]:
        model = fit_uplift(sample, "two_model", seed=seed)
        return crm_uplift.top_contacts(candidates.contact_ids,
                                       model.predict(candidates.values), fraction=top)

    try:
        return await in_thread(request, score)
    except (AnalyticsInput, TooLittleData) as exc:
        raise refused(exc, f"{prefix}campaign") from None


async def _from_cluster(request: web.Request, asked: dict[str, Any], seed: int) -> list[int]:
    """The customers of the cluster named ``name``."""
    prefix = "from_cluster."
    fields(asked, ("name",), prefix)
    name = asked.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BadInput(422, f"{prefix}name: expected a cluster's name, got {name!r}",
                       f"{prefix}name")
    async with request.app[DATABASE]() as session:
        customers = await contact_features(session, as_of=dt.datetime.now(dt.UTC),
                                           customers_only=True)

    def clustered() -> Clustering:
        return cluster_customers(customers.values, customers.names, seed=seed)

    try:
        found = await in_thread(request, clustered)
        return cluster_contacts(customers.contact_ids, found, name)
    except TooLittleData as exc:
        raise BadInput(422, f"{prefix}name: {exc}", f"{prefix}name") from None
    except AnalyticsInput as exc:
        raise BadInput(422, f"{prefix}name: {exc}", f"{prefix}name") from None


async def _from_segment(request: web.Request, target: int, asked: dict[str, Any],
                        holdout: float, seed: int, now: dt.datetime) -> tuple[int, int]:
    """The saved segment's contacts put on the list (``segments.materialise``): how many
    it selects and how many were added."""
    prefix = "from_segment."
    fields(asked, ("id",), prefix)
    segment = whole(asked, "id", 0, 1, MAX_ID, prefix)
    async with request.app[DATABASE]() as session:
        found = await session.get(Segment, segment)
        if found is None:
            raise BadInput(404, f"{prefix}id: no segment with id {segment}", f"{prefix}id")
        try:
            selected = await session.scalar(select(func.count()).select_from(
                segments.contact_ids(found.definition, now.date()).subquery()))
        except segments.InvalidSegment as exc:
            raise BadInput(422, f"{prefix}id: {exc}", f"{prefix}id") from None
    added = await segments.materialise(request.app[DATABASE], segment, target, now=now,
                                       holdout=holdout, seed=seed)
    return int(selected or 0), added


async def _arms(request: web.Request, target: int, stamp: dt.datetime) -> dict[str, int]:
    """How many members this request added in each arm: those stamped with its ``now``
    (a request that began later and wrote first stamped its own, later, members)."""
    query = (select(CampaignMember.arm, func.count())
             .where(CampaignMember.campaign_id == target, CampaignMember.added_at == stamp)
             .group_by(CampaignMember.arm))
    async with request.app[DATABASE]() as session:
        counted = {arm: int(count) for arm, count in await session.execute(query)}
    return {"treated": sum(v for k, v in counted.items() if k != CONTROL),
            "control": counted.get(CONTROL, 0)}


async def make_list(request: web.Request) -> web.Response:
    """Put the chosen contacts on the campaign's list, with a control arm if asked."""
    body = await json_object(request)
    kind, asked = _source(body)
    holdout = share(body, "holdout", 0.0, 0, MAX_HOLDOUT)
    seed = whole(body, "seed", 0, 0, MAX_ID)
    target = await campaign_id(request)
    drawn = seed if "seed" in body else target  # the arms' seed: see crm_core.holdout
    now = dt.datetime.now(dt.UTC)
    if kind == "from_segment":
        selected, added = await _from_segment(request, target, asked, holdout, drawn, now)
    else:
        chosen = await (_from_uplift(request, target, asked, seed) if kind == "from_uplift"
                        else _from_cluster(request, asked, seed))
        selected = len(chosen)
        async with request.app[DATABASE]() as session, session.begin():
            added = await crm_uplift.add_to_campaign(session, target, chosen, now=now,
                                                     holdout=holdout, seed=drawn)
    arms = await _arms(request, target, now) if added else {"treated": 0, "control": 0}
    return web.json_response({"campaign_id": target, "source": kind, "selected": selected,
                              "added": added, **arms, "holdout": holdout, "seed": drawn})


_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
LIST = {
    "summary": "Put the top share by another campaign's predicted uplift, a customer "
               "cluster or a saved segment on the campaign's list, with an optional control arm "
               "(docs/analytics-uplift.md)",
    "parameters": [{"name": "id", "in": "path", "required": True,
                    "schema": {"type": "integer", "minimum": 1}}],
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": False, "properties": {
            "from_uplift": {"type": "object", "additionalProperties": False,
                            "required": ["campaign"], "properties": {
                                "campaign": _ID,
                                "top": {"type": "number", "exclusiveMinimum": 0,
                                        "maximum": 1},
                                "window_days": {"type": "integer", "minimum": 0,
                                                "maximum": MAX_WINDOW_DAYS}}},
            "from_cluster": {"type": "object", "additionalProperties": False,
                             "required": ["name"],
                             "properties": {"name": {"type": "string", "minLength": 1}}},
            "from_segment": {"type": "object", "additionalProperties": False,
                             "required": ["id"], "properties": {"id": _ID}},
            "holdout": {"type": "number", "minimum": 0, "maximum": MAX_HOLDOUT},
            "seed": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}}}}},
    "responses": {"200": json_content({"type": "object", "properties": {
        "campaign_id": {"type": "integer"}, "source": {"type": "string"},
        "selected": {"type": "integer"}, "added": {"type": "integer"},
        "treated": {"type": "integer"}, "control": {"type": "integer"}}}),
        "400": ERROR, "404": ERROR, "409": ERROR, "413": ERROR, "422": ERROR}}


def add_campaign_list_routes(app: web.Application) -> None:
    add_route(app, "POST", "/api/v1/campaigns/{id:\\d+}/list", make_list,
              resource="analytics", action="create", operation=LIST)
