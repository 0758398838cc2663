"""The aiohttp application: REST under /api/v1 and the events WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import fnmatch
import logging
import time
from collections.abc import Callable

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.desk import Desk
from contactcenter.engine.click_to_talk import ClickToTalk
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.events.bus import DomainEvent, EventBus, Subscription
from contactcenter.events.journal import CallJournal
from contactcenter.web.acd_routes import add_acd_routes
from contactcenter.web.analytics_routes import add_analytics_routes
from contactcenter.web.auth import Authenticator, Principal
from contactcenter.web.booking_routes import add_booking_routes
from contactcenter.web.crm_routes import add_crm_routes
from contactcenter.web.desk_routes import add_desk_routes
from contactcenter.web.headers import add_answer_headers
from contactcenter.web.http import SERVER_ERRORS, BadInput, ServerErrors, error
from contactcenter.web.insight_routes import add_insight_routes
from contactcenter.web.keys import (
    AUTH,
    BUS,
    CUSTOMERS,
    DATABASE,
    HEALTH,
    JOURNAL,
    OPENAPI,
    PRINCIPAL,
    RECORDS,
    ROUTES,
    SOCKETS,
    HealthCheck,
)
from contactcenter.web.openapi import OPERATIONS, build
from contactcenter.web.openapi_crm import components
from contactcenter.web.outbound_routes import GATE, add_outbound_routes
from contactcenter.web.pages import add_pages
from contactcenter.web.resources import RESOURCES
from contactcenter.web.routing import Handler, add_route
from contactcenter.web.scope import SCOPES, Scopes, scopes
from contactcenter.web.security import guard
from contactcenter.web.sessions import (
    CLAIMS,
    close_session,
    events_ticket,
    issue_token,
    open_session,
    revoke_token,
)
from contactcenter.web.whatif_routes import add_whatif_routes
from crm_core.customers import CustomerService
from crm_core.phones import try_e164
from crm_core.records import RecordService

log = logging.getLogger(__name__)

#: roles that see every call and agent on the event stream
SUPERVISING_ROLES = frozenset({"admin", "supervisor"})


#: the log line of an unexpected failure (the tests look for it in a platform's log)
FAILED = "%s %s failed (answered 500)"
#: headers of aiohttp's own refusals that the JSON answer keeps (405: the methods allowed)
_KEPT_HEADERS = ("Allow",)


@web.middleware
async def errors_as_json(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every failure is JSON with a reason; an unexpected one is logged and counted, never
    leaked."""
    try:
        return await handler(request)
    except BadInput as exc:
        return error(exc.status, exc.reason, exc.field)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        answer = error(exc.status, exc.reason)
        for name in _KEPT_HEADERS:
            if name in exc.headers:
                answer.headers[name] = exc.headers[name]
        return answer
    except Exception:
        log.exception(FAILED, request.method, request.path)
        request.app[SERVER_ERRORS].add(f"{request.method} {request.path}")
        return error(500, "internal error")


async def list_calls(request: web.Request) -> web.Response:
    calls = [record.summary() for record in request.app[JOURNAL].live()]
    return web.json_response({"calls": calls})


async def get_call(request: web.Request) -> web.Response:
    record = request.app[JOURNAL].records.get(request.match_info["call_id"])
    if record is None:
        return error(404, "no such call")
    return web.json_response({**record.summary(), "events": record.all_events()})


async def customer_lookup(request: web.Request) -> web.Response:
    """The screen-pop payload: who is behind a phone number."""
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
    """200 when all is well; 503 when a part of the process stopped (its background
    tasks say ``ok: false``), so that a supervisor restarts it."""
    report = request.app[HEALTH]()
    background = report.get("background")
    down = isinstance(background, dict) and background.get("ok") is False
    return web.json_response(report, status=503 if down else 200)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])


def visible_to(principal: Principal, event: DomainEvent, scope: Scopes | None = None) -> bool:
    """Admins see everything, supervisors their queues' (``scope``); an agent what is
    theirs (a voicemail message's news by the message's rule)."""
    if principal.role in SUPERVISING_ROLES:
        return scope is None or scope.sees_event(principal, event)
    mine = principal.agent
    return mine is not None and mine in (event.get("agent"), event.get("endpoint")) \
        and (scope or Scopes()).agent_sees(principal, event)


def superseded_stats_dropped(events: list[DomainEvent]) -> list[DomainEvent]:
    """A queue's figures are a snapshot: in a batch, only each queue's last one counts."""
    last = {event.get("queue"): index for index, event in enumerate(events)
            if event["type"] == "queue.stats"}
    return [event for index, event in enumerate(events)
            if event["type"] != "queue.stats" or last[event.get("queue")] == index]


class _EventStream:
    """One socket's share of the bus: the types it asked for, shown to its principal for as
    long as the credential lasts (a sign-out or its end closes the socket)."""

    def __init__(self, request: web.Request) -> None:
        self.principal: Principal | None = request[PRINCIPAL]
        self.auth, self.claims = request.app[AUTH], request[CLAIMS]
        self.scope = scopes(request)
        self.patterns = [p for p in request.query.get("types", "").split(",") if p]
        self.bus = request.app[BUS]
        self.socket = web.WebSocketResponse(heartbeat=30)
        self.wanted: dict[str, bool] = {}  # event type -> does it match the patterns

    def chosen(self, kind: str) -> bool:
        if kind not in self.wanted:
            self.wanted[kind] = not self.patterns or any(
                fnmatch.fnmatchcase(kind, p) for p in self.patterns)
        return self.wanted[kind]

    def watch(self) -> Callable[[], None]:
        """Follow the credential from now on; returns what stops following it."""
        unwatch = self.auth.watch(self.recheck)
        self.recheck()  # it may have been signed out between the handshake's check and the watch
        expiry = asyncio.get_running_loop().call_later(
            max(0.0, self.auth.ends(self.claims) - time.time()), self.expire)

        def stop() -> None:
            unwatch()
            expiry.cancel()
        return stop

    def recheck(self) -> None:
        """Signed out, password changed, deactivated: closed at once; else the role now."""
        if not self.auth.lasts(self.claims) or self.auth.ends(self.claims) <= time.time():
            self.principal = None
            asyncio.ensure_future(self.socket.close(code=1008, message=b"signed out"))
        else:
            self.principal = self.auth.principal(self.claims)

    def expire(self) -> None:
        self.principal = None
        asyncio.ensure_future(self.socket.close(code=1008, message=b"credential expired"))

    async def pump(self, subscription: Subscription) -> None:
        with contextlib.suppress(ConnectionResetError):  # the client left: reading ends too
            while (events := await subscription.batch()) is not None:
                for event in superseded_stats_dropped(events):
                    if self.principal is None:  # its credential ended: not one more event
                        return
                    if self.chosen(event["type"]) and visible_to(self.principal, event,
                                                                 self.scope):
                        await self.socket.send_str(self.bus.encoded(event))


async def events_socket(request: web.Request) -> web.StreamResponse:
    """The domain events as JSON, each as its principal may see it, until either side
    leaves, the credential ends, or the client falls too far behind."""
    stream = _EventStream(request)
    socket = stream.socket
    await socket.prepare(request)
    subscription = request.app[BUS].subscribe()
    request.app[SOCKETS].add(socket)
    pumping: asyncio.Future[None] | None = None
    unwatch = stream.watch()
    try:
        hello = request[PRINCIPAL]
        await socket.send_json({"type": "hello", "user": hello.username,
                                "role": hello.role, "time": time.time()})
        pumping = asyncio.ensure_future(stream.pump(subscription))
        # a subscriber that fell too far behind is cut off: tell the client to come back
        pumping.add_done_callback(
            lambda task: task.cancelled() or asyncio.ensure_future(
                socket.close(code=1013, message=b"too slow; reconnect")))
        # reading is what notices the client's close frame; the pump only writes
        async for _message in socket:
            pass
    except ConnectionResetError:
        pass  # the client left as the stream opened (a page navigated away): nothing to do
    finally:
        unwatch()
        if pumping is not None:
            pumping.cancel()
        subscription.close()
        request.app[SOCKETS].discard(socket)
    return socket


async def _close_sockets(app: web.Application) -> None:
    sockets: set[web.WebSocketResponse] = app[SOCKETS]
    for socket in list(sockets):
        await socket.close(code=1001, message=b"server shutdown")


#: (method, path, handler, resource or None for public, action) of the platform's own routes
_PLATFORM: tuple[tuple[str, str, Handler, str | None, str], ...] = (
    ("POST", "/api/v1/auth/token", issue_token, None, "read"),
    ("POST", "/api/v1/auth/session", open_session, None, "read"),
    ("DELETE", "/api/v1/auth/session", close_session, None, "read"),
    ("DELETE", "/api/v1/auth/token", revoke_token, None, "read"),
    ("GET", "/api/v1/calls", list_calls, "calls", "read"),
    ("GET", "/api/v1/calls/{call_id}", get_call, "calls", "read"),
    ("GET", "/api/v1/events", events_socket, "events", "read"),
    ("POST", "/api/v1/events/ticket", events_ticket, "events", "read"),
    ("GET", "/api/v1/health", health, None, "read"),
    ("GET", "/api/v1/openapi.json", openapi, None, "read"),
)


async def _document(app: web.Application) -> None:
    """The API document of the routes the app ended up with, made once at start."""
    schemas = components(RESOURCES) if RECORDS in app else {}
    app[OPENAPI] = build(app[ROUTES].values(), schemas)


def _add_crm(app: web.Application, database: async_sessionmaker[AsyncSession]) -> None:
    """The CRM's collections, its insights, the analytics and the what-if."""
    app[DATABASE] = database
    app[RECORDS] = RecordService(database)
    add_crm_routes(app)
    add_insight_routes(app)
    add_analytics_routes(app)
    add_whatif_routes(app)


def _add_acd(app: web.Application, distributor: Distributor, journal: CallJournal) -> None:
    """The agents' and queues' routes, and the callbacks booked for a slot (kept beside
    the journal)."""
    add_acd_routes(app, distributor)
    add_booking_routes(app, distributor.attach_bookings(
        journal.path.parent / "bookings.jsonl"))


def _platform_app(bus: EventBus, journal: CallJournal, auth: Authenticator,
                  health_check: HealthCheck, supervised: Scopes | None) -> web.Application:
    """The parts every app has: its state, its answers' headers, the platform's routes."""
    app = web.Application(middlewares=[errors_as_json, guard])
    app[BUS] = bus
    app[JOURNAL] = journal
    app[AUTH] = auth
    app[HEALTH] = health_check
    app[SOCKETS] = set()
    app[SCOPES] = supervised or Scopes()
    app[ROUTES] = {}
    app[SERVER_ERRORS] = ServerErrors()
    add_answer_headers(app)  # nosniff, no-store, a Server header without versions
    app.on_shutdown.append(_close_sockets)
    app.on_startup.append(_document)
    for method, path, handler, resource, action in _PLATFORM:
        add_route(app, method, path, handler, resource=resource, action=action,
                  operation=OPERATIONS[(method, path)])
    return app


def create_app(*, bus: EventBus, journal: CallJournal, auth: Authenticator,
               health_check: HealthCheck, customers: CustomerService | None = None,
               database: async_sessionmaker[AsyncSession] | None = None,
               distributor: Distributor | None = None,
               desk: Desk | None = None,
               outbound: ClickToTalk | None = None,
               gate: Gatekeeper | None = None,
               supervised: Scopes | None = None) -> web.Application:
    """The app; with ``database`` it serves the CRM's collections and manages users."""
    app = _platform_app(bus, journal, auth, health_check, supervised)
    if customers is None and database is not None:
        customers = CustomerService(database)
    if customers is not None:
        app[CUSTOMERS] = customers
        add_route(app, "GET", "/api/v1/customers/lookup", customer_lookup,
                  resource="customers", operation=OPERATIONS[("GET", "/api/v1/customers/lookup")])
    if database is not None:
        _add_crm(app, database)
    if gate is not None:
        app[GATE] = gate  # every call placed from a page or the API asks it first
    if distributor is not None:
        _add_acd(app, distributor, journal)
    if outbound is not None:
        assert gate is not None, "click-to-talk places calls: it needs the call gate"
        add_outbound_routes(app, outbound, gate)
    add_pages(app)
    add_desk_routes(app, desk)  # screen-pops, scripts, dispositions
    return app


__all__ = ["Principal", "create_app"]
