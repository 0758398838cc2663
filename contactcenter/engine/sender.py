"""Driver commands sent one after another, in the order they were asked for.

A bridge must not be asked for before the leg it joins was rung, nor a
hang-up before the ring: each feature that drives legs of its own queues its
commands here and one task sends them. A command that fails is logged and
handed to ``on_failure`` (a leg that cannot start has ended).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from contactcenter.telephony import commands as dc

log = logging.getLogger(__name__)

Send = Callable[[dc.DriverCommand], Awaitable[None]]


class OrderedSender:
    def __init__(self, send: Send, *, name: str,
                 on_failure: Callable[[dc.DriverCommand], None] | None = None) -> None:
        self._send = send
        self._name = name
        self._on_failure = on_failure
        self._outbox: asyncio.Queue[tuple[dc.DriverCommand, Callable[[], None] | None]] = \
            asyncio.Queue()
        #: commands queued and not yet carried out, by the channel they act on; who
        #: waits for none
        self._pending: dict[str, int] = {}
        self._sent: dict[str, asyncio.Event] = {}

    def put(self, command: dc.DriverCommand, then: Callable[[], None] | None = None) -> None:
        """Send ``command`` after those before it; ``then``: once the driver carried it out
        (a person bridged is connected only when the bridge took them)."""
        channel = acted_on(command)
        self._pending[channel] = self._pending.get(channel, 0) + 1
        self._outbox.put_nowait((command, then))

    async def sent_for(self, call_id: str) -> None:
        """Return once every command queued so far that acts on the channel ``call_id``
        is carried out (or failed): a caller's next document may be among them (the hold
        music again after an announcement); a leg rung for them is not."""
        if call_id in self._pending:
            await self._sent.setdefault(call_id, asyncio.Event()).wait()

    async def run(self) -> None:
        """Send until cancelled."""
        while True:
            command, then = await self._outbox.get()
            try:
                await self._send(command)
                if then is not None:
                    self._then(command, then)
            except Exception as exc:  # noqa: BLE001 - logged; the feature decides what it means
                log.warning("%s: %s failed: %s", self._name, type(command).__name__, exc)
                if self._on_failure is not None:
                    try:
                        self._on_failure(command)
                    except Exception:  # the sender must go on for every other command
                        log.exception("%s: handling the failure of %s failed", self._name,
                                      type(command).__name__)
            finally:
                self._outbox.task_done()
                self._carried_out(acted_on(command))

    def _carried_out(self, call_id: str) -> None:
        left = self._pending.get(call_id, 1) - 1
        if left > 0:
            self._pending[call_id] = left
            return
        self._pending.pop(call_id, None)
        waiting = self._sent.pop(call_id, None)
        if waiting is not None:
            waiting.set()

    def _then(self, command: dc.DriverCommand, then: Callable[[], None]) -> None:
        try:
            then()
        except Exception:  # the command went through: its follow-up failing is no failure of it
            log.exception("%s: what follows %s failed", self._name, type(command).__name__)

    async def drained(self) -> None:
        """Every command so far handed to the driver (for tests)."""
        await self._outbox.join()


def acted_on(command: dc.DriverCommand) -> str:
    """The channel a command acts on: the new leg of one that starts a leg, else its call."""
    leg = getattr(command, "leg_id", None)
    return leg if isinstance(leg, str) and leg else command.call_id
