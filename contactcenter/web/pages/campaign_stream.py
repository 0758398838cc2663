"""The dialer, live, for the pages: the campaign managers' boards and the agents' own seats
and previews, on ``GET /api/v1/dialer/events`` (a WebSocket); and the preview clock.

Why a stream of its own: the platform's event stream shows a user only what names their
agent (or everything, to supervisors), so a campaign manager (role ``marketing``) would
see no board there, and an agent sees no seat of theirs (``dialer.board`` names no
agent). Here a user who may read the dialer gets every ``dialer.board`` and the
campaigns' moves (``dialer.running``, ``paused``, ``stopped``, ``refused``), each board
with ``ringing`` (``with_ringing``); an agent gets ``dialer.seat`` (their seat in a
campaign, sent when it changes), the ``dialer.preview`` of the records shown to them
(with the ``deadline``), and the ``dialer.attempt``, ``dialer.answered`` and
``dialer.ended`` of their dials.

The countdown is the dialer core's: each ``dialer.preview`` carries its ``deadline``
(the campaign's ``preview_seconds`` after it was shown), at which the core dials the
record for its agent. ``PreviewClock`` only keeps the records shown, and to whom.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from contactcenter.dialer.states import DialState
from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.outbound_campaigns import Campaigns
from contactcenter.events.bus import DomainEvent, EventBus
from contactcenter.server.campaign_admin import CampaignAdmin
from contactcenter.web.auth import Principal
from contactcenter.web.keys import AUTH, BUS, PRINCIPAL, SOCKETS
from contactcenter.web.permissions import allowed
from contactcenter.web.sessions import CLAIMS

log = logging.getLogger(__name__)

#: a campaign's ``preview_seconds`` when it does not say (the core's default): a preview
#: with no deadline of its own counts down from this
PREVIEW_SECONDS = 30.0
#: previews remembered after they were answered, to tell "no longer offered" from unknown
PREVIEWS_KEPT = 2_000
#: what a campaign manager follows of every campaign
BOARD_EVENTS = frozenset({"dialer.board", "dialer.running", "dialer.paused",
                          "dialer.stopped", "dialer.refused"})
#: an agent's own dials' news
DIAL_EVENTS = frozenset({"dialer.attempt", "dialer.answered", "dialer.ended"})


class PreviewClock:
    """The records shown to agents in preview, with the core's deadline (the core dials
    each one left alone then); and who each was shown to, for the preview routes."""

    def __init__(self, campaigns: Campaigns, *, seconds: float = PREVIEW_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.campaigns = campaigns
        self.seconds = seconds
        self.clock = clock
        self.offered: dict[str, DomainEvent] = {}  #: dial id -> its preview, with deadline
        self._shown: OrderedDict[str, str] = OrderedDict()  #: dial id -> agent
        self._timers: dict[str, asyncio.TimerHandle] = {}

    def on_event(self, event: DomainEvent) -> DomainEvent | None:
        """Follows the bus; returns a preview with its deadline, for the agent's stream."""
        kind, dial_id = event.get("type"), event.get("dial_id")
        if not isinstance(dial_id, str):
            return None
        if kind == "dialer.preview":
            preview = {**event, "deadline": deadline_of(event, self.seconds)}
            self.offered[dial_id] = preview
            self._shown[dial_id] = str(event["agent"])
            while len(self._shown) > PREVIEWS_KEPT:
                self._shown.popitem(last=False)
            return preview
        if kind in ("dialer.attempt", "dialer.ended"):
            self.answered(dial_id)
        return None

    def answered(self, dial_id: str) -> None:
        """Dialed, skipped, withdrawn: no longer offered, and no deadline."""
        self.offered.pop(dial_id, None)
        timer = self._timers.pop(dial_id, None)
        if timer is not None:
            timer.cancel()

    def shown_to(self, dial_id: str) -> str | None:
        return self._shown.get(dial_id)

    def of_agent(self, agent: str) -> list[DomainEvent]:
        return [p for p in self.offered.values() if p["agent"] == agent]

    def mine(self, dial_id: object, agent: str | None) -> bool:
        return agent is not None and isinstance(dial_id, str) and self.shown_to(dial_id) == agent

    async def follow(self, bus: EventBus) -> None:
        """Read the bus until it closes; cut off for falling behind, read it again."""
        subscription = bus.subscribe()
        try:
            while True:
                while (events := await subscription.batch()) is not None:
                    for event in events:
                        self.on_event(event)
                if not subscription.overflowed:
                    return  # the bus closed
                log.warning("the preview clock fell behind the bus; previews meanwhile "
                            "have no deadline")
                subscription = bus.subscribe()
        finally:
            subscription.close()

    async def context(self, bus: EventBus) -> AsyncIterator[None]:
        """The app's ``cleanup_ctx``: follows the bus while the app runs."""
        task = asyncio.ensure_future(self.follow(bus))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for timer in self._timers.values():
            timer.cancel()


def deadline_of(preview: DomainEvent, seconds: float = PREVIEW_SECONDS) -> float:
    """When the core dials a record shown in preview: its own ``deadline``."""
    deadline = preview.get("deadline")
    return float(deadline) if deadline is not None else float(preview["time"]) + seconds


CAMPAIGNS: web.AppKey[Campaigns] = web.AppKey("dialer_campaigns")
PHONES: web.AppKey[Distributor] = web.AppKey("dialer_phones")
PREVIEWS: web.AppKey[PreviewClock] = web.AppKey("dialer_previews")
#: campaigns made and changed through the API (``web.campaign_admin_routes``)
ADMIN: web.AppKey[CampaignAdmin] = web.AppKey("dialer_admin")


#: a dial placed and not yet answered (the network connecting it, or the phone ringing)
_UNANSWERED = frozenset({DialState.DIALING, DialState.RINGING})


def with_ringing(runner: CampaignRunner, board: DomainEvent) -> DomainEvent:
    """The board with ``ringing``: the dials placed and not yet answered now (the board
    the engine makes does not count them; until it does, they are counted here)."""
    dials = (runner.core.dial(dial_id) for dial_id in runner.dials())
    ringing = sum(1 for dial in dials if dial is not None and dial.state in _UNANSWERED)
    return {**board, "ringing": ringing}


def board_of(runner: CampaignRunner) -> DomainEvent:
    return with_ringing(runner, runner.snapshot())


def seat_view(runner: CampaignRunner, agent: str) -> dict[str, Any]:
    """A campaign as one agent sees it: its state and mode, and their seat (None: not
    working it) with the end of their wrap-up."""
    seat = runner.seats.seat(agent)
    return {"type": "dialer.seat", "campaign": runner.name,
            "campaign_state": runner.core.state.value,
            "strategy": runner.core.campaign.strategy, "queue": runner.queue,
            "seat": None if seat is None else {
                "state": seat.state.value, "wrap_until": seat.wrap_until,
                "dial": seat.dial}}


class _Reader:
    """What one socket's user is sent of each event."""

    def __init__(self, request: web.Request, principal: Principal) -> None:
        self.app = request.app
        self.principal = principal
        self.seats: dict[str, dict[str, Any]] = {}  #: the last seat view sent, by campaign

    def messages(self, event: DomainEvent) -> list[dict[str, Any]]:
        principal, kind = self.principal, event.get("type")
        out: list[dict[str, Any]] = []
        if kind in BOARD_EVENTS and allowed(principal.role, "dialer", "read"):
            out.append(self._board(event))
        agent = principal.agent
        if agent is None:
            return out
        previews = self.app[PREVIEWS]
        if kind == "dialer.preview" and event.get("agent") == agent:
            out.append({**event, "deadline": deadline_of(event, previews.seconds)})
        elif kind in DIAL_EVENTS and (event.get("agent") == agent
                                      or previews.mine(event.get("dial_id"), agent)):
            out.append(event)
        elif kind in BOARD_EVENTS:
            out += self._seat(str(event.get("campaign")), agent)
        return out

    def _board(self, event: DomainEvent) -> DomainEvent:
        runner = self.app[CAMPAIGNS].get(str(event.get("campaign")))
        if event.get("type") != "dialer.board" or runner is None:
            return event
        return with_ringing(runner, event)

    def _seat(self, campaign: str, agent: str) -> list[dict[str, Any]]:
        runner = self.app[CAMPAIGNS].get(campaign)
        if runner is None:
            return []
        view = seat_view(runner, agent)
        if view["seat"] is None and campaign not in self.seats or self.seats.get(
                campaign) == view:
            return []  # not theirs, or unchanged
        self.seats[campaign] = view
        return [{**view, "time": time.time()}]


def _watch_credential(request: web.Request, socket: web.WebSocketResponse,
                      reader: _Reader) -> Callable[[], None]:
    """Close the socket (1008) once its credential ends or is signed out; a role change
    applies from the next event. Returns what stops watching."""
    auth, claims = request.app[AUTH], request[CLAIMS]

    def end(why: bytes) -> None:
        asyncio.ensure_future(socket.close(code=1008, message=why))

    def recheck() -> None:
        if not auth.lasts(claims) or auth.ends(claims) <= time.time():
            end(b"signed out")
        else:
            reader.principal = auth.principal(claims)

    unwatch = auth.watch(recheck)
    expiry = asyncio.get_running_loop().call_later(
        max(0.0, auth.ends(claims) - time.time()), end, b"credential expired")
    recheck()  # it may have ended between the handshake's check and the watch

    def stop() -> None:
        unwatch()
        expiry.cancel()

    return stop


def _now(request: web.Request, principal: Principal) -> dict[str, Any]:
    """What the stream would say now, once: the boards the user may read, their seats and
    the records shown to them (a plain GET, for a client that cannot keep a socket)."""
    runners = request.app[CAMPAIGNS].runners.values()
    agent = principal.agent
    return {"boards": [board_of(runner) for runner in runners]
            if allowed(principal.role, "dialer", "read") else [],
            "seats": [seat_view(runner, agent) for runner in runners
                      if agent is not None and runner.seats.seat(agent) is not None],
            "previews": request.app[PREVIEWS].of_agent(agent) if agent is not None else []}


async def dialer_events(request: web.Request) -> web.StreamResponse:
    """The WebSocket: ``hello``, then what the user may follow, until either side closes,
    the credential ends or is signed out (closed with 1008, as the event stream is).
    Without the handshake: what it would say now, once (``_now``)."""
    principal: Principal = request[PRINCIPAL]
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return web.json_response(_now(request, principal))
    socket = web.WebSocketResponse(heartbeat=30)
    await socket.prepare(request)
    reader = _Reader(request, principal)
    subscription = request.app[BUS].subscribe()
    request.app[SOCKETS].add(socket)

    async def pump() -> None:
        with contextlib.suppress(ConnectionResetError):  # the client left: reading ends too
            while (events := await subscription.batch()) is not None:
                for event in events:
                    for message in reader.messages(event):
                        await socket.send_json(message)
            await socket.close(code=1013, message=b"too slow; reconnect")

    stop_watching = _watch_credential(request, socket, reader)
    pumping: asyncio.Future[None] | None = None
    try:
        await socket.send_json({"type": "hello", "user": principal.username,
                                "role": principal.role, "agent": principal.agent,
                                "time": time.time(), "preview_seconds": PREVIEW_SECONDS})
        pumping = asyncio.ensure_future(pump())
        async for _message in socket:  # reading notices the client's close
            pass
    except ConnectionResetError:
        pass  # the client left as the stream opened (a page navigated away): nothing to do
    finally:
        stop_watching()
        if pumping is not None:
            pumping.cancel()
        subscription.close()
        request.app[SOCKETS].discard(socket)
    return socket
