"""The agent desktop's routes: a call's screen-pop again, its script, its disposition,
and a queue's disposition codes.

A call's routes are for the agent the call is with (before the answer: any agent whose
phone rang for it) and for supervisors and admins; another agent gets a 403. The
desk (``contactcenter.desk``) does the work; its refusals become 4xx with a reason and,
when one input is at fault, the field.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from contactcenter.desk import Desk, DeskCall, DeskError
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import BUS, JOURNAL, PRINCIPAL
from contactcenter.web.openapi import OPERATIONS
from contactcenter.web.routing import add_route

DESK: web.AppKey[Desk] = web.AppKey("desk")
#: roles that work on any agent's call
SUPERVISING = frozenset({"admin", "supervisor"})


async def _call(request: web.Request) -> DeskCall:
    """The route's call, if the caller may work on it (DeskError otherwise)."""
    principal = request[PRINCIPAL]
    return await request.app[DESK].call(request.match_info["call_id"], principal.agent,
                                        principal.role in SUPERVISING)


def _refusals(work: Callable[[web.Request], Awaitable[Any]]
              ) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The desk's refusals as 4xx with the reason and the field; the rest as JSON."""
    async def handler(request: web.Request) -> web.Response:
        try:
            return web.json_response(await work(request))
        except DeskError as exc:
            raise BadInput(exc.status, exc.reason, exc.field) from None
    return handler


@_refusals
async def get_screen(request: web.Request) -> Any:
    return Desk.screen(await _call(request))


@_refusals
async def get_script(request: web.Request) -> Any:
    return Desk.script(await _call(request))


@_refusals
async def post_script(request: web.Request) -> Any:
    call = await _call(request)
    return request.app[DESK].act(call, await json_object(request))


@_refusals
async def post_disposition(request: web.Request) -> Any:
    call = await _call(request)
    body = await json_object(request)
    principal = request[PRINCIPAL]
    return request.app[DESK].dispose(call, body, principal.username, principal.agent)


@_refusals
async def get_dispositions(request: web.Request) -> Any:
    return request.app[DESK].dispositions(request.match_info["queue"])


#: (method, path, handler, resource, action)
_ROUTES = (
    ("GET", "/api/v1/calls/{call_id}/screen", get_screen, "desk", "read"),
    ("GET", "/api/v1/calls/{call_id}/script", get_script, "desk", "read"),
    ("POST", "/api/v1/calls/{call_id}/script", post_script, "desk", "update"),
    ("POST", "/api/v1/calls/{call_id}/disposition", post_disposition, "desk", "update"),
    # any segment, so that a queue that is not one is a 404 from the desk, with its reason
    ("GET", "/api/v1/queues/{queue:[^/]+}/dispositions", get_dispositions, "queues", "read"),
)


def add_desk_routes(app: web.Application, desk: Desk | None) -> None:
    """The desk's routes; without a desk (an app with no ACD) they know no call or queue."""
    app[DESK] = desk if desk is not None else Desk(bus=app[BUS], journal=app[JOURNAL])
    for method, path, handler, resource, action in _ROUTES:
        add_route(app, method, path, handler, resource=resource, action=action,
                  operation=OPERATIONS[(method, path.replace(":[^/]+", ""))])
