"""The guard in front of every route: who is calling, and may their role do this.

A bearer token (``Authorization: Bearer``) wins over the session cookie; a
cookie-authenticated change also needs the CSRF token
(``contactcenter.web.sessions``). Tokens in the query string are not taken:
they end up in access logs. A WebSocket handshake is also taken with a
one-use ticket (``?ticket=``, from ``POST /api/v1/events/ticket``), and only
from the platform's own pages (``contactcenter.web.origins``). The route's
resource and action come from ``contactcenter.web.routing``; a route added
without them is refused outright (fail closed).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from contactcenter.web.auth import BEARER, Principal
from contactcenter.web.http import BadInput
from contactcenter.web.keys import AUTH, PRINCIPAL
from contactcenter.web.origins import origin_accepted
from contactcenter.web.permissions import allowed
from contactcenter.web.routing import Handler, spec_of
from contactcenter.web.sessions import CLAIMS, COOKIE, bearer_token, session_claims

#: (method, canonical path) of routes outside the API's table that anyone may open: the
#: sign-in and help pages and their static files (``contactcenter.web.pages``)
OPEN_ROUTES: web.AppKey[set[tuple[str, str]]] = web.AppKey("open_routes")

__all__ = ["OPEN_ROUTES", "authenticate", "bearer_token", "guard"]


#: the one route a ticket opens
EVENTS_PATH = "/api/v1/events"


def is_websocket(request: web.Request) -> bool:
    return request.headers.get("Upgrade", "").lower() == "websocket"


def opens_event_stream(request: web.Request) -> bool:
    """A ticket opens the event stream and nothing else: not a REST route, not a change."""
    return (request.method == "GET" and request.path == EVENTS_PATH
            and is_websocket(request))


def _missing(request: web.Request) -> BadInput:
    if "token" in request.query:
        return BadInput(401, "a token in the query string is not accepted: send it in the "
                             "Authorization header (a page's WebSocket: ?ticket=, from "
                             "POST /api/v1/events/ticket)")
    return BadInput(401, "missing bearer token or session cookie")


def credential(request: web.Request) -> dict[str, Any]:
    """The checked claims of what the request signs in with; a 401 if none holds."""
    auth, now = request.app[AUTH], time.time()
    token = bearer_token(request)
    if token:
        claims = auth.claims(token, now, kind=BEARER)
        if claims is None:
            raise BadInput(401, "invalid or expired token")
        return claims
    ticket = request.query.get("ticket") if opens_event_stream(request) else None
    if ticket:
        claims = auth.redeem_ticket(ticket, now)
        if claims is None:
            raise BadInput(401, "invalid, used or expired ticket: ask for a new one")
        return claims
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return session_claims(request, cookie)
    raise _missing(request)


def authenticate(request: web.Request) -> Principal:
    """Who is calling (a ``Principal``); their claims go to ``request[CLAIMS]``."""
    if is_websocket(request) and not origin_accepted(request):
        raise BadInput(403, "this page's origin may not open the platform's WebSocket")
    claims = credential(request)
    request[CLAIMS] = claims
    return request.app[AUTH].principal(claims)


@web.middleware
async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    spec = spec_of(request)
    if spec is None:
        route = request.match_info.route
        if route.resource is not None:
            if (route.method, route.resource.canonical) in request.app.get(OPEN_ROUTES, ()):
                return await handler(request)
            raise BadInput(403, "this route has no permission rule")
        return await handler(request)  # no route matched: the 404 or 405 it raises
    if spec.public:
        return await handler(request)
    principal = authenticate(request)
    assert spec.resource is not None
    if not allowed(principal.role, spec.resource, spec.action):
        raise BadInput(403, f"role {principal.role!r} may not {spec.action} {spec.resource}")
    request[PRINCIPAL] = principal
    return await handler(request)
