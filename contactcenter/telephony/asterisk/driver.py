"""The Asterisk driver's I/O: owns the ARI and AMI connections.

Wire messages go through ``translate`` both ways; this module only connects,
reconnects, resyncs and sends. On every ARI (re)connect it lists the channels
still in the Stasis app and hands them to ``on_resync``, so a restarted app
picks up its callers instead of dropping them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk.ami import AmiClient
from contactcenter.telephony.asterisk.ari import AriClient, AriError, AriEventStream
from contactcenter.telephony.asterisk.translate import (
    INBOUND_ARG,
    ari_event,
    ari_request,
    event_filter,
)

log = logging.getLogger(__name__)

OnEvent = Callable[[de.DriverEvent], None]
OnResync = Callable[[Mapping[str, de.CallArrived]], None]


class AsteriskDriver:
    def __init__(self, *, ari_url: str, ari_user: str, ari_password: str, app: str,
                 ami_host: str, ami_port: int, ami_user: str, ami_password: str,
                 on_event: OnEvent, on_resync: OnResync) -> None:
        self._ari_args = (ari_url, ari_user, ari_password, app)
        self._ami_args = (ami_host, ami_port, ami_user, ami_password)
        self._on_event = on_event
        self._on_resync = on_resync
        self._session: aiohttp.ClientSession | None = None
        self._stream: AriEventStream | None = None
        self._stream_task: asyncio.Task[None] | None = None
        self.ari: AriClient | None = None
        self.ami: AmiClient | None = None
        self.raw_listeners: list[Callable[[dict[str, Any]], None]] = []

    async def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=64)
        self._session = aiohttp.ClientSession(connector=connector)
        self.ari = AriClient(*self._ari_args, session=self._session)
        self._stream = AriEventStream(self.ari, self._on_ari_message, self._resync)
        self._stream_task = asyncio.ensure_future(self._stream.run())
        self.ami = AmiClient(*self._ami_args, on_event=self._on_event)
        await self.ami.connect()

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
        await self.ari.send(ari_request(command))

    def _on_ari_message(self, message: dict[str, Any]) -> None:
        for listener in self.raw_listeners:
            listener(message)
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
        for channel_id in application.get("channel_ids", []):
            arrival = await self._describe(channel_id)
            if arrival is not None:
                live[channel_id] = arrival
        self._on_resync(live)

    async def _describe(self, channel_id: str) -> de.CallArrived | None:
        assert self.ari is not None
        try:
            channel = await self.ari.get(f"/channels/{channel_id}")
        except AriError:
            return None
        event = ari_event({"type": "StasisStart", "args": [INBOUND_ARG], "channel": channel})
        return event if isinstance(event, de.CallArrived) else None

    async def stop(self) -> None:
        if self._stream_task is not None:
            self._stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream_task
        if self.ami is not None:
            self.ami.close()
        if self._session is not None:
            await self._session.close()
