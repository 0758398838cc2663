"""The CRM's REST routes, made from the resource descriptions: one generic
handler per verb, not one per table.

``GET /api/v1/{name}`` lists (filters, ``sort``, ``limit``, ``offset``),
``GET .../{id}`` reads one, ``POST`` creates, ``PATCH .../{id}`` changes the
fields it is given, ``DELETE .../{id}`` deletes; each only where the
description allows it. Input is checked by the description's pydantic model
and the store's reference checks; every failure is a 4xx naming the field.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from aiohttp import web

from contactcenter.web.http import BadInput, json_object, validated
from contactcenter.web.keys import AUTH, DATABASE, PRINCIPAL, RECORDS
from contactcenter.web.openapi_crm import operations
from contactcenter.web.resources import RESOURCES, Resource
from contactcenter.web.rfm_routes import add_rfm_routes
from contactcenter.web.routing import Handler, add_route
from contactcenter.web.score_routes import add_score_routes
from crm_core.audit import jsonable
from crm_core.listing import BadQuery, parse_query
from crm_core.records import NotFound, Rejected
from crm_core.users import load_users

#: ids are 32-bit integers in both databases; a larger one names no row
MAX_ID = 2**31 - 1
USERS_LOCK = web.AppKey("users_lock", asyncio.Lock)
AfterWrite = Callable[[web.Application], Awaitable[None]]


async def refresh_users(app: web.Application) -> None:
    """Reload the users the tokens are checked against, right after a change commits.

    One reload at a time, each reading after its own commit, so the last view
    swapped in is never older than the last change.
    """
    async with app[USERS_LOCK]:
        app[AUTH].replace(await load_users(app[DATABASE]))


#: what follows a committed write to a collection
AFTER_WRITE: dict[str, AfterWrite] = {"users": refresh_users}


def _row_id(request: web.Request) -> int:
    row_id = int(request.match_info["id"])
    if row_id > MAX_ID:
        raise BadInput(404, f"no row with id {row_id}")
    return row_id


def _out(row: dict[str, Any]) -> dict[str, Any]:
    return {name: jsonable(value) for name, value in row.items()}


def _failure(exc: NotFound | Rejected) -> BadInput:
    if isinstance(exc, NotFound):
        return BadInput(404, str(exc))
    return BadInput(exc.status, f"{exc.field}: {exc.reason}", exc.field)


def list_handler(resource: Resource) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        try:
            query = parse_query(request.query.items(), resource.entity.model,
                                filterable=resource.filterable, sortable=resource.sortable)
        except BadQuery as exc:
            raise BadInput(400, str(exc), exc.field) from None
        query = query if query.sort else replace(query, sort=resource.default_sort)
        rows, total = await request.app[RECORDS].page(resource.entity, query)
        following = query.offset + query.limit
        next_link = (str(request.rel_url.update_query(offset=following))
                     if following < total else None)
        return web.json_response({"items": [_out(row) for row in rows], "total": total,
                                  "limit": query.limit, "offset": query.offset,
                                  "next": next_link})
    return handler


def get_handler(resource: Resource) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        try:
            row = await request.app[RECORDS].get(resource.entity, _row_id(request))
        except NotFound as exc:
            raise _failure(exc) from None
        return web.json_response(_out(row))
    return handler


def create_handler(resource: Resource, schema: type[Any]) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        values = validated(schema, await json_object(request)).model_dump()
        try:
            row = await request.app[RECORDS].create(resource.entity, values,
                                                    request[PRINCIPAL].username)
        except (NotFound, Rejected) as exc:
            raise _failure(exc) from None
        await _after_write(request, resource)
        location = f"/api/v1/{resource.name}/{row['id']}"
        return web.json_response(_out(row), status=201, headers={"Location": location})
    return handler


def update_handler(resource: Resource, schema: type[Any]) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        row_id = _row_id(request)
        values = validated(schema, await json_object(request)).model_dump(exclude_unset=True)
        try:
            row = await request.app[RECORDS].update(resource.entity, row_id, values,
                                                    request[PRINCIPAL].username)
        except (NotFound, Rejected) as exc:
            raise _failure(exc) from None
        await _after_write(request, resource)
        return web.json_response(_out(row))
    return handler


def delete_handler(resource: Resource) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        try:
            await request.app[RECORDS].delete(resource.entity, _row_id(request),
                                              request[PRINCIPAL].username)
        except (NotFound, Rejected) as exc:
            raise _failure(exc) from None
        await _after_write(request, resource)
        return web.Response(status=204)
    return handler


async def _after_write(request: web.Request, resource: Resource) -> None:
    after = AFTER_WRITE.get(resource.name)
    if after is not None:
        await after(request.app)


def add_crm_routes(app: web.Application, resources: tuple[Resource, ...] = RESOURCES) -> None:
    """Every resource's routes, each with its permission and its API document entry."""
    app[USERS_LOCK] = asyncio.Lock()
    for resource in resources:
        name, docs = resource.name, operations(resource)
        collection, item = f"/api/v1/{name}", f"/api/v1/{name}/{{id:\\d+}}"
        routes: list[tuple[str, str, Handler, str]] = [
            ("GET", collection, list_handler(resource), "read"),
            ("GET", item, get_handler(resource), "read")]
        if resource.create is not None:
            routes.append(("POST", collection, create_handler(resource, resource.create),
                           "create"))
        if resource.update is not None:
            routes.append(("PATCH", item, update_handler(resource, resource.update), "update"))
        if resource.deletable:
            routes.append(("DELETE", item, delete_handler(resource), "delete"))
        for method, path, handler, action in routes:
            add_route(app, method, path, handler, resource=name, action=action,
                      operation=docs[(method, path.replace("{id:\\d+}", "{id}"))])
    add_rfm_routes(app)  # RFM scores: recompute, the last run, a contact's
    add_score_routes(app)  # value and churn scores: recompute, the last run, a contact's
