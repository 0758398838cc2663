"""AMI through panoramisk: device and contact state, resent after reconnect.

panoramisk reconnects on its own with a fixed delay; we stretch that delay
(doubling to 30 s) while Asterisk stays away and ask for the full device state
list after every login, so that nothing changed during the gap is missed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from panoramisk import Manager

from contactcenter.telephony.asterisk.translate import ami_event
from contactcenter.telephony.events import DriverEvent

log = logging.getLogger(__name__)

_EVENTS = ("DeviceStateChange", "ContactStatus", "UserEvent", "Hangup")
_MAX_RECONNECT = 30


class _BackoffManager(Manager):  # type: ignore[misc]
    """panoramisk's Manager, waiting longer after each refused connection."""

    reconnect_timeout: int
    refresh: Callable[[], tuple[str, str]] | None = None

    def connection_made(self, future: asyncio.Future[Any]) -> None:
        if self.refresh is not None:  # log in with the secret of the Asterisk now running
            self.config["username"], self.config["secret"] = self.refresh()
        if not future.cancelled() and isinstance(future.exception(), OSError):
            self.reconnect_timeout = min(self.reconnect_timeout * 2, _MAX_RECONNECT)
        super().connection_made(future)


class AmiClient:
    """One AMI connection feeding driver events to ``on_event``."""

    def __init__(self, host: str, port: int, user: str, secret: str,
                 on_event: Callable[[DriverEvent], None],
                 refresh: Callable[[], tuple[str, str]] | None = None) -> None:
        self._on_event = on_event
        self.logged_in = asyncio.Event()
        self._manager = _BackoffManager(
            host=host, port=port, username=user, secret=secret,
            ping_delay=5, ping_interval=10, reconnect_timeout=1,
            # an originate whose answer the dropped connection took is not sent again
            # after the reconnect: the campaign gave that dial up meanwhile
            forgetable_actions=("ping", "login", "originate"),
            on_login=self._on_login, on_disconnect=self._on_disconnect,
            log=log,
        )
        self._manager.refresh = refresh
        for name in _EVENTS:
            self._manager.register_event(name, self._dispatch)

    async def connect(self) -> None:
        self._manager.loop = asyncio.get_running_loop()
        self._manager.connect()

    def close(self) -> None:
        self.logged_in.clear()  # nothing is sent into a connection that is closing
        # first stop panoramisk's own reconnect timer from reopening the socket
        self._manager.connection_lost = lambda exc: None
        self._manager.close()

    async def action(self, action: dict[str, str]) -> Any:
        return await self._manager.send_action(action)

    def _dispatch(self, manager: Manager, message: Any) -> None:
        event = ami_event(dict(message))
        if event is not None:
            self._on_event(event)

    def _on_login(self, manager: Manager) -> None:
        manager.reconnect_timeout = 1
        self.logged_in.set()
        log.info("AMI: logged in")
        asyncio.ensure_future(self._resync())

    def _on_disconnect(self, manager: Manager, exc: Exception | None) -> None:
        self.logged_in.clear()
        manager.reconnect_timeout = min(manager.reconnect_timeout * 2, _MAX_RECONNECT)
        log.warning("AMI: disconnected (%s); retry in %d s", exc, manager.reconnect_timeout)

    async def _resync(self) -> None:
        try:
            replies = await self._manager.send_action({"Action": "DeviceStateList"}, as_list=True)
        except Exception as exc:  # noqa: BLE001 - a failed resync must not kill the client
            log.warning("AMI: DeviceStateList failed: %s", exc)
            return
        for reply in replies or ():
            message = dict(reply)
            if message.get("Event") == "DeviceStateChange":
                self._dispatch(self._manager, message)
