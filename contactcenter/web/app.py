"""The aiohttp application: REST under /api/v1 and the events WebSocket."""

from __future__ import annotations

import asyncio
import dataclasses
import fnmatch
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from contactcenter.bus import DomainEvent, EventBus
from contactcenter.journal import CallJournal
from contactcenter.web.auth import Authenticator, Principal
from contactcenter.web.openapi import DOCUMENT
from crm_core.customers import CustomerService
from crm_core.phones import try_e164

log = logging.getLogger(__name__)

BUS = web.AppKey("bus", EventBus)
JOURNAL = web.AppKey("journal", CallJournal)
AUTH = web.AppKey("auth", Authenticator)
HealthCheck = Callable[[], dict[str, Any]]
HEALTH: web.AppKey[HealthCheck] = web.AppKey("health")
SOCKETS: web.AppKey[set[web.WebSocketResponse]] = web.AppKey("sockets")
CUSTOMERS: web.AppKey[CustomerService] = web.AppKey("customers")
PRINCIPAL = "principal"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_CREDENTIAL_LENGTH = 1024
#: roles that see every call and agent
SUPERVISING_ROLES = frozenset({"admin", "supervisor"})


def error(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure is JSON with a reason; an unexpected one is logged, never leaked."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return error(exc.status, exc.reason)
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return error(500, "internal error")


def _token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.query.get("token")


def authenticated(request: web.Request) -> Principal:
    token = _token(request)
    if not token:
        raise web.HTTPUnauthorized(reason="missing bearer token")
    principal = request.app[AUTH].verify(token, time.time())
    if principal is None:
        raise web.HTTPUnauthorized(reason="invalid or expired token")
    return principal


def require_role(principal: Principal, roles: frozenset[str]) -> None:
    if principal.role not in roles:
        raise web.HTTPForbidden(reason=f"role {principal.role!r} may not do this")


async def issue_token(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return error(400, "body must be JSON")
    if not isinstance(body, dict):
        return error(400, "body must be a JSON object")
    for field in ("username", "password"):
        if not isinstance(body.get(field), str) or not body[field]:
            return error(400, f"{field}: required string")
        if len(body[field]) > MAX_CREDENTIAL_LENGTH:
            return error(400, f"{field}: longer than {MAX_CREDENTIAL_LENGTH} characters")
    # scrypt takes tens of milliseconds by design: off the loop that drives the calls
    principal = await asyncio.to_thread(
        request.app[AUTH].check_password, body["username"], body["password"])
    if principal is None:
        return error(401, "wrong username or password")
    token = request.app[AUTH].issue(principal, time.time())
    return web.json_response({"token": token, "role": principal.role})


async def list_calls(request: web.Request) -> web.Response:
    require_role(authenticated(request), SUPERVISING_ROLES)
    calls = [record.summary() for record in request.app[JOURNAL].live()]
    return web.json_response({"calls": calls})


async def get_call(request: web.Request) -> web.Response:
    require_role(authenticated(request), SUPERVISING_ROLES)
    record = request.app[JOURNAL].records.get(request.match_info["call_id"])
    if record is None:
        return error(404, "no such call")
    return web.json_response({**record.summary(), "events": record.all_events()})


#: roles that work with customers' data
CUSTOMER_ROLES = frozenset({"admin", "supervisor", "agent", "sales", "marketing"})


async def customer_lookup(request: web.Request) -> web.Response:
    """The screen-pop payload: who is behind a phone number."""
    require_role(authenticated(request), CUSTOMER_ROLES)
    phone = request.query.get("phone", "").strip()
    if not phone:
        return error(400, "phone: required query parameter")
    if try_e164(phone) is None:
        return error(400, f"phone: {phone!r} is not a phone number")
    view = await request.app[CUSTOMERS].by_phone(phone)
    if view is None:
        return error(404, "no customer with this phone number")
    return web.json_response(dataclasses.asdict(view))


async def health(request: web.Request) -> web.Response:
    return web.json_response(request.app[HEALTH]())


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(DOCUMENT)


def visible_to(principal: Principal, event: DomainEvent) -> bool:
    """Supervisors and admins see everything; an agent sees what is theirs."""
    if principal.role in SUPERVISING_ROLES:
        return True
    mine = principal.agent
    return mine is not None and mine in (event.get("agent"), event.get("endpoint"))


async def events_socket(request: web.Request) -> web.StreamResponse:
    principal = authenticated(request)
    patterns = [p for p in request.query.get("types", "").split(",") if p]
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    subscription = request.app[BUS].subscribe()
    request.app[SOCKETS].add(socket)
    pumping: asyncio.Future[None] | None = None

    async def pump() -> None:
        async for event in subscription:
            if patterns and not any(fnmatch.fnmatchcase(event["type"], p) for p in patterns):
                continue
            if visible_to(principal, event):
                await socket.send_str(json.dumps(event))

    try:
        await socket.send_json({"type": "hello", "user": principal.username,
                                "role": principal.role, "time": time.time()})
        pumping = asyncio.ensure_future(pump())
        # a subscriber that fell too far behind is cut off: tell the client to come back
        pumping.add_done_callback(
            lambda task: task.cancelled() or asyncio.ensure_future(
                socket.close(code=1013, message=b"too slow; reconnect")))
        # reading is what notices the client's close frame; the pump only writes
        async for _message in socket:
            pass
    finally:
        if pumping is not None:
            pumping.cancel()
        subscription.close()
        request.app[SOCKETS].discard(socket)
    return socket


async def _close_sockets(app: web.Application) -> None:
    sockets: set[web.WebSocketResponse] = app[SOCKETS]
    for socket in list(sockets):
        await socket.close(code=1001, message=b"server shutdown")


def create_app(*, bus: EventBus, journal: CallJournal, auth: Authenticator,
               health_check: Callable[[], dict[str, Any]],
               customers: CustomerService | None = None) -> web.Application:
    app = web.Application(middlewares=[errors_as_json])
    app[BUS] = bus
    app[JOURNAL] = journal
    app[AUTH] = auth
    app[HEALTH] = health_check
    app[SOCKETS] = set()
    app.on_shutdown.append(_close_sockets)
    app.router.add_post("/api/v1/auth/token", issue_token)
    app.router.add_get("/api/v1/calls", list_calls)
    app.router.add_get("/api/v1/calls/{call_id}", get_call)
    if customers is not None:
        app[CUSTOMERS] = customers
        app.router.add_get("/api/v1/customers/lookup", customer_lookup)
    app.router.add_get("/api/v1/events", events_socket)
    app.router.add_get("/api/v1/health", health)
    app.router.add_get("/api/v1/openapi.json", openapi)
    return app


__all__ = ["create_app"]
