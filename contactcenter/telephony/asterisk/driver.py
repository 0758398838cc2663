"""The Asterisk driver's I/O: owns the ARI and AMI connections.

Wire messages go through ``translate`` both ways; this module only connects,
reconnects, resyncs and sends. On every ARI (re)connect it lists the channels
still in the Stasis app and hands them to ``on_resync``, so a restarted app
picks up its callers, and the agents' legs they talk to, instead of dropping them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

import aiohttp

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk.ami import AmiClient
from contactcenter.telephony.asterisk.ari import AriClient, AriError, AriEventStream
from contactcenter.telephony.asterisk.dialing import originate_action, originate_outcome
from contactcenter.telephony.asterisk.render import Credentials
from contactcenter.telephony.asterisk.translate import (
    OUTBOUND_ENDPOINT,
    AriRequest,
    ari_event,
    ari_request,
    event_filter,
    resynced_channel,
)

log = logging.getLogger(__name__)

OnEvent = Callable[[de.DriverEvent], None]
#: seconds past a dial's ring timeout to wait for AMI's answer to its originate
ORIGINATE_GRACE = 15
#: seconds a destroyed bridge's id may stay taken (its recording closing) before a
#: bridge asked for under it again gives up; and the pause between two asks
BRIDGE_ID_FREED = 3.0
BRIDGE_RETRY = 0.02
#: the callers still in the app, the agents' legs answered for them, and every channel id
#: in the app (customers' and supervisors' legs, snoops too)
OnResync = Callable[[Mapping[str, de.CallArrived],
                     Mapping[str, de.AnsweredLeg],
                     AbstractSet[str]], None]


class AsteriskDriver:
    """``credentials`` is asked again before every reconnect: an Asterisk that
    restarted (a container, say) renders new secrets, and the app follows."""

    def __init__(self, *, credentials: Callable[[], Credentials],
                 on_event: OnEvent, on_resync: OnResync) -> None:
        self._credentials = credentials
        self._last = credentials()
        self._on_event = on_event
        self._on_resync = on_resync
        self._session: aiohttp.ClientSession | None = None
        self._stream: AriEventStream | None = None
        self._stream_task: asyncio.Task[None] | None = None
        self.ari: AriClient | None = None
        self.ami: AmiClient | None = None
        #: campaign dials whose originate AMI has not answered yet
        self._dials: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=64)
        self._session = aiohttp.ClientSession(connector=connector)
        last = self._last
        self.ari = AriClient(last.ari_url, last.ari_user, last.ari_password, last.app,
                             session=self._session)
        self._stream = AriEventStream(self.ari, self._on_ari_message, self._resync,
                                      before_connect=self._refresh_ari)
        self._stream_task = asyncio.ensure_future(self._stream.run())
        self.ami = AmiClient(last.ami_host, last.ami_port, last.ami_user, last.ami_password,
                             on_event=self._on_event, refresh=self._refresh_ami)
        await self.ami.connect()

    def _current(self) -> Credentials:
        try:
            self._last = self._credentials()
        except (OSError, ValueError, TypeError) as exc:  # mid-render: keep the last ones
            log.warning("cannot read Asterisk credentials (%s); using the last ones", exc)
        return self._last

    def _refresh_ari(self) -> None:
        assert self.ari is not None
        current = self._current()
        self.ari.set_credentials(current.ari_user, current.ari_password)

    def _refresh_ami(self) -> tuple[str, str]:
        current = self._current()
        return current.ami_user, current.ami_password

    async def wait_connected(self, timeout: float) -> None:
        assert self._stream is not None and self.ami is not None
        await asyncio.wait_for(self._stream.connected.wait(), timeout)
        await asyncio.wait_for(self.ami.logged_in.wait(), timeout)

    def status(self) -> dict[str, bool]:
        return {
            "ari": bool(self._stream and self._stream.connected.is_set()),
            "ami": bool(self.ami and self.ami.logged_in.is_set()),
        }

    async def execute(self, command: dc.DriverCommand) -> None:
        assert self.ari is not None
        if isinstance(command, dc.PlaceDial):
            self._place(command)
            return
        request = ari_request(command, self.ari.app)
        if isinstance(command, dc.CreateBridge):
            await self._create_bridge(self.ari, request)
            return
        await self.ari.send(request)

    async def _create_bridge(self, ari: AriClient, request: AriRequest) -> None:
        """A call's bridge, again after a transfer (its name is the call's): Asterisk
        frees a destroyed bridge's id only once every channel has left it, a
        recording's too, closing its file, and until then answers 409 ("already
        exists"). The next agent answering within those milliseconds must still get
        the bridge, else the caller is bridged to nobody and their part never
        recorded; so it is asked again until the id is free (``BRIDGE_ID_FREED``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BRIDGE_ID_FREED
        for asked in itertools.count():
            try:
                await ari.send(request)
            except AriError as exc:
                if exc.status != 409 or loop.time() >= deadline:
                    raise
                await asyncio.sleep(BRIDGE_RETRY)
                continue
            if asked:
                log.info("ARI: %s was still closing; created after %d asks", request.path,
                         asked + 1)
            return

    def _place(self, command: dc.PlaceDial) -> None:
        """Originate a campaign's dial over AMI (``dialing.py``); its outcome before an
        answer comes back as an event, whenever AMI has it (up to the ring timeout)."""
        ami = self.ami
        if ami is None or not ami.logged_in.is_set():
            raise ConnectionError("AMI is not connected: the dial cannot be placed")
        task = asyncio.ensure_future(self._originate(ami, command))
        self._dials.add(task)
        task.add_done_callback(self._dials.discard)

    async def _originate(self, ami: AmiClient, command: dc.PlaceDial) -> None:
        try:  # AMI answers by the ring timeout; a lost answer must not wait forever
            replies = await asyncio.wait_for(
                ami.action(originate_action(command, OUTBOUND_ENDPOINT)),
                command.timeout + ORIGINATE_GRACE)
        except Exception as exc:  # noqa: BLE001 - the dial failed; the campaign goes on
            log.warning("dial %s: originate failed: %s", command.call_id, exc)
            replies = [{"Response": "Error", "Message": str(exc)}]
        outcome = originate_outcome(command, replies)
        log.debug("dial %s: AMI answered %r -> %s", command.call_id, replies, outcome)
        if outcome is not None:
            self._on_event(outcome)

    def _on_ari_message(self, message: dict[str, Any]) -> None:
        event = ari_event(message)
        if event is not None:
            self._on_event(event)

    async def _resync(self) -> None:
        assert self.ari is not None
        await self.ari.send(event_filter(self.ari.app))
        try:
            application = await self.ari.get(f"/applications/{self.ari.app}")
        except AriError as exc:
            if exc.status != 404:  # 404: the app is registered by the socket being opened
                raise
            application = {"channel_ids": []}
        live: dict[str, de.CallArrived] = {}
        legs: dict[str, de.AnsweredLeg] = {}
        for channel_id in application.get("channel_ids", []):
            found = await self._describe(channel_id)
            if isinstance(found, de.CallArrived):
                live[channel_id] = found
            elif found is not None:
                legs[channel_id] = found
        # the phones first: callers rejoining must find the agents' phones known
        await self._registrations()
        self._on_resync(live, legs, frozenset(application.get("channel_ids", [])))

    async def _registrations(self) -> None:
        """Which phones are registered now: a restarted app must not wait for each
        phone's next registration to know its agents can take calls."""
        assert self.ari is not None
        try:
            endpoints = await self.ari.get("/endpoints/PJSIP")
        except AriError as exc:
            log.warning("ARI: cannot list the endpoints: %s", exc)
            return
        listed = endpoints if isinstance(endpoints, list) else []
        # the registered first: a person's other phone (agent101-web) reported offline
        # before their registered one must not look like their last phone gone
        for endpoint in sorted(listed, key=lambda item: item.get("state") != "online"):
            self._on_event(de.EndpointRegistration(
                endpoint=str(endpoint.get("resource", "")),
                registered=endpoint.get("state") == "online"))

    async def _describe(self, channel_id: str,
                        ) -> de.CallArrived | de.AnsweredLeg | None:
        assert self.ari is not None
        try:
            channel = await self.ari.get(f"/channels/{channel_id}")
        except AriError as exc:
            if exc.status == 404:
                return None  # it hung up meanwhile
            # a passing error must not make a live call look gone: keep it, details unknown
            channel = {"id": channel_id}
        return resynced_channel(channel)

    async def stop(self) -> None:
        for task in list(self._dials):
            task.cancel()
        if self._stream_task is not None:
            self._stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream_task
        if self.ami is not None:
            self.ami.close()
        if self._session is not None:
            await self._session.close()
