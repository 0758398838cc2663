"""The guard in front of every route: who is calling, and may their role do this.

A bearer token (``Authorization: Bearer`` or ``?token=``, which browsers'
WebSockets need) wins over the session cookie; a cookie-authenticated change
also needs the CSRF token (``contactcenter.web.sessions``). The route's
resource and action come from ``contactcenter.web.routing``; a route added
without them is refused outright (fail closed).
"""

from __future__ import annotations

import time

from aiohttp import web

from contactcenter.web.auth import Principal
from contactcenter.web.http import BadInput
from contactcenter.web.keys import AUTH, PRINCIPAL
from contactcenter.web.permissions import allowed
from contactcenter.web.routing import Handler, spec_of
from contactcenter.web.sessions import COOKIE, session_principal

#: (method, canonical path) of routes outside the API's table that anyone may open: the
#: sign-in and help pages and their static files (``contactcenter.web.pages``)
OPEN_ROUTES: web.AppKey[set[tuple[str, str]]] = web.AppKey("open_routes")


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query.get("token")


def authenticate(request: web.Request) -> Principal:
    token = bearer_token(request)
    if token:
        principal = request.app[AUTH].verify(token, time.time())
        if principal is None:
            raise BadInput(401, "invalid or expired token")
        return principal
    cookie = request.cookies.get(COOKIE)
    if cookie:
        return session_principal(request, cookie)
    raise BadInput(401, "missing bearer token or session cookie")


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
