"""Commands held for a call Twilio has not named yet, and how long they may wait.

A command for a leg whose CallSid no REST answer or webhook has given yet, or for a call
in a conference whose SID no callback has given yet (``translate.UnknownCall``), waits
with the later commands of its call until the SID comes. It may never come: a create
answer lost, a callback Twilio failed to deliver, a leg placed before a restart that the
books on disk do not know. So each call's wait has a deadline, ``within`` seconds after
it began; a leg whose create request is still on its way (waiting for the account's
calls-per-second budget, say) is not late, and its deadline moves on. At the deadline
``expired`` is called (once) with the call id; the driver drops the commands and tells
the engine the call failed.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from contactcenter.telephony import commands as dc

Expired = Callable[[str], Awaitable[None]]


class HeldCommands:
    def __init__(self, within: float, expired: Expired) -> None:
        if within <= 0:
            raise ValueError("held commands need a deadline of more than 0 seconds")
        self.within = within
        self._expired = expired
        self._queues: dict[str, list[dc.DriverCommand]] = {}
        self._since: dict[str, float] = {}
        self._timers: dict[str, asyncio.Task[None]] = {}
        #: legs whose create request is on its way: their SID is coming
        self.creating: set[str] = set()

    def __bool__(self) -> bool:
        return bool(self._queues)

    def __contains__(self, call_id: object) -> bool:
        return call_id in self._queues

    def calls(self) -> list[str]:
        return list(self._queues)

    def hold(self, call_id: str, queue: list[dc.DriverCommand], *, anew: bool = True) -> None:
        """Hold ``queue`` (the command the SID is missing for first). ``anew``: the wait
        begins now (False: the same command is still stuck, the wait goes on)."""
        self._queues[call_id] = queue
        now = asyncio.get_running_loop().time()
        self._since[call_id] = now if anew else self._since.get(call_id, now)
        timer = self._timers.get(call_id)
        if timer is None or timer.done():
            timer = asyncio.ensure_future(self._deadline(call_id))
            self._timers[call_id] = timer
            timer.add_done_callback(lambda done: self._forget_timer(call_id, done))

    def _forget_timer(self, call_id: str, done: asyncio.Task[None]) -> None:
        if self._timers.get(call_id) is done:
            del self._timers[call_id]

    def append(self, command: dc.DriverCommand) -> bool:
        """Behind the commands held for its call (the call's order kept); False if none."""
        queue = self._queues.get(command.call_id)
        if queue is None:
            return False
        queue.append(command)
        return True

    def take(self, call_id: str) -> list[dc.DriverCommand]:
        """The commands held for a call, to try again (``hold`` them again if still
        stuck; ``release`` the call once they went through, or it ended)."""
        return self._queues.pop(call_id, [])

    def release(self, call_id: str) -> None:
        """Nothing held for the call any more: its deadline is off."""
        self._queues.pop(call_id, None)
        self._since.pop(call_id, None)

    def overdue(self, call_id: str) -> bool:
        """Commands still held for the call, past their deadline, and no create on its way."""
        since = self._since.get(call_id)
        return (call_id in self._queues and since is not None
                and since + self.within <= asyncio.get_running_loop().time()
                and call_id not in self.creating)

    async def _deadline(self, call_id: str) -> None:
        loop = asyncio.get_running_loop()
        while (since := self._since.get(call_id)) is not None:  # None: carried out, ended
            late = since + self.within - loop.time()
            if late > 0:
                await asyncio.sleep(late)
            elif call_id in self.creating:
                self._since[call_id] = loop.time()  # its create is still on its way
            else:
                await self._expired(call_id)
                if self._since.get(call_id) == since:  # not expired after all: later
                    await asyncio.sleep(self.within)

    async def close(self) -> None:
        """Cancel the deadlines (the driver stops)."""
        timers = list(self._timers.values())
        for timer in timers:
            timer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*timers, return_exceptions=True)
