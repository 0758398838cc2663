"""Routes that say what they need: every route is added with the resource and the
action it takes (or as public), and with its entry in the API document.

``contactcenter.web.security`` refuses a request whose route was added any
other way, and the OpenAPI document is built from the same list, so the
permission check, the router and the document cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class RouteSpec:
    method: str
    path: str
    #: the permission table's resource; None for a public route
    resource: str | None
    action: str = "read"
    #: the OpenAPI operation object
    operation: dict[str, Any] = field(default_factory=dict)

    @property
    def public(self) -> bool:
        return self.resource is None


ROUTES: web.AppKey[dict[tuple[str, str], RouteSpec]] = web.AppKey("routes")


def add_route(app: web.Application, method: str, path: str, handler: Handler, *,
              resource: str | None, action: str = "read",
              operation: dict[str, Any]) -> None:
    """Add a route with what it needs; ``resource=None`` makes it public.

    It is filed under the route's canonical path (``{id}`` without its regex),
    the form the API document uses.
    """
    route = app.router.add_route(method, path, handler)
    assert route.resource is not None
    canonical = route.resource.canonical
    app.setdefault(ROUTES, {})[(method, canonical)] = RouteSpec(method, canonical, resource,
                                                                action, operation)


def spec_of(request: web.Request) -> RouteSpec | None:
    """What the matched route needs; None when no route matched (a 404 or 405 follows)."""
    route = request.match_info.route
    if route.resource is None:
        return None
    return request.app.get(ROUTES, {}).get((route.method, route.resource.canonical))
