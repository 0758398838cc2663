"""The asyncio side of monitoring: supervisors' requests and their legs' news in, the
core's commands carried out.

``contactcenter.calls.monitor`` decides what a supervisor listening to, whispering to,
or barging into an agent's live call does, which phone may ring, and when a session
ends (its theory of operation is ``states.py``). This module only translates: the web
route's request becomes ``MonitorAsked`` with what the distributor knows of the call
and of the phones registered; the driver's news of the supervisor's phone, the snoop
and the agent's leg becomes ``PhoneAnswered`` and ``LegGone``; the core's commands go
to the driver in order through one sender, its reports to the bus (the call journal
keeps them with the call's record) and to the observers (the audit log).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from contactcenter.calls.monitor import SNOOPS, Monitoring, Session, mode_of, phone_of
from contactcenter.calls.monitor import commands as mc
from contactcenter.calls.monitor import events as me
from contactcenter.calls.monitor.states import SUPERVISOR_RING
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.parties import bridge_of
from contactcenter.engine.sender import OrderedSender, Send
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

__all__ = ["SNOOPS", "SUPERVISOR_RING", "MonitorRefused", "Monitors", "Publish",
           "checked_mode", "phone_to_ring"]

Publish = Callable[[dict[str, Any]], None]


class MonitorRefused(Exception):
    """Why a session cannot start: an HTTP status, a reason, and the field at fault."""

    def __init__(self, status: int, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.field = status, reason, field


def _refused(refusal: mc.Refusal) -> MonitorRefused:
    return MonitorRefused(refusal.status, refusal.reason, refusal.field)


def checked_mode(mode: object) -> str:
    """The mode asked for, if it is one (the core's ``mode_of``); ``MonitorRefused`` if not."""
    found = mode_of(mode)
    if isinstance(found, mc.Refusal):
        raise _refused(found)
    return found


def phone_to_ring(own: str | None, asked: object = None) -> str:
    """The endpoint a user's session may ring (the core's ``phone_of``): their own phone or
    its browser twin; ``MonitorRefused`` for any other."""
    found = phone_of(own, asked)
    if isinstance(found, mc.Refusal):
        raise _refused(found)
    return found


class Monitors:
    """The supervisors' sessions on live calls; the engine hands it their legs' news."""

    def __init__(self, distributor: Distributor, *, send: Send, publish: Publish,
                 clock: Callable[[], float] = time.time) -> None:
        self.core = Monitoring()
        self._distributor = distributor
        self._publish = publish
        self._clock = clock
        self._sender = OrderedSender(send, name="monitoring", on_failure=self._failed)
        #: told every session's reports after they are published (the audit log)
        self.observers: list[Publish] = []

    @property
    def sessions(self) -> Mapping[str, Session]:
        """The sessions under way, by id (``mode``, ``endpoint``, ``phone``...)."""
        return self.core.sessions

    def start(self, call_id: str, mode: object, *, supervisor: str, own_phone: str | None,
              endpoint: object = None) -> str:
        """Ring ``supervisor``'s own phone (``endpoint``, else ``own_phone``) to monitor
        ``call_id``; refused (``MonitorRefused``) before anything rings."""
        checked = mode_of(mode)
        if isinstance(checked, mc.Refusal):
            raise _refused(checked)
        phone = phone_to_ring(own_phone, endpoint)
        leg = self._distributor.talking_leg(call_id)
        commands = self.core.handle(me.MonitorAsked(
            call_id=call_id, mode=checked, supervisor=supervisor, endpoint=phone,
            phone=self._distributor.registered.reach(phone),
            agent=leg.agent if leg is not None else None,
            agent_leg=leg.leg_id if leg is not None else None,
            bridge=bridge_of(call_id)), self._clock())
        refusal = next((c for c in commands if isinstance(c, mc.Refusal)), None)
        if refusal is not None:
            raise _refused(refusal)
        self._carry_out(commands)
        return next(c.monitor_id for c in commands if isinstance(c, mc.RingPhone))

    def agent_of(self, call_id: str) -> str | None:
        """The agent a call is connected to, if it is."""
        leg = self._distributor.talking_leg(call_id)
        return leg.agent if leg is not None else None

    def channels(self) -> set[str]:
        """Supervisors' phones (and the snoops of answered sessions) Asterisk should have."""
        return self.core.channels()

    def records(self) -> set[str]:
        return set()

    def answered(self, event: de.MonitorAnswered) -> None:
        session = self.core.sessions.get(event.monitor_id)
        connected = session is not None and \
            self._distributor.talking_leg(session.call_id) is not None
        self._handle(me.PhoneAnswered(monitor_id=event.monitor_id, leg=event.leg_id,
                                      call_connected=connected))

    def channel_gone(self, channel_id: str) -> bool:
        """A channel ended; True when it was a supervisor's phone or a snoop (ours alone).

        The agent's leg ending (the call is over) ends the sessions on it, and is
        still the distributor's news."""
        ours = self.core.owns(channel_id)
        self._handle(me.LegGone(leg=channel_id))
        return ours

    def _handle(self, event: me.MonitorEvent) -> None:
        self._carry_out(self.core.handle(event, self._clock()))

    def _carry_out(self, commands: list[mc.MonitorCommand]) -> None:
        put = self._sender.put
        for command in commands:
            match command:
                case mc.RingPhone(monitor_id=monitor_id, leg=leg, endpoint=endpoint,
                                  caller_id=caller_id, timeout=timeout, near=near):
                    put(dc.RingAgent(call_id=monitor_id, leg_id=leg, endpoint=endpoint,
                                     caller_id=caller_id, timeout=timeout, purpose="monitor",
                                     near=near))
                case mc.Snoop(monitor_id=monitor_id, snoop=snoop, target=target, spy=spy,
                              whisper=whisper):
                    put(dc.SnoopChannel(call_id=monitor_id, snoop_id=snoop, target=target,
                                        spy=spy, whisper=whisper))
                case mc.OpenBridge(monitor_id=monitor_id, bridge=bridge):
                    put(dc.CreateBridge(call_id=monitor_id, bridge_id=bridge))
                case mc.Bridge(call_id=call_id, bridge=bridge, legs=legs):
                    put(dc.AddToBridge(call_id=call_id, bridge_id=bridge, channels=legs))
                case mc.HangUp(leg=leg):
                    put(dc.HangupCall(call_id=leg))
                case mc.CloseBridge(monitor_id=monitor_id, bridge=bridge):
                    put(dc.DestroyBridge(call_id=monitor_id, bridge_id=bridge))
                case mc.Report(type=kind, data=data):
                    self._report({"type": kind, **dict(data)})

    def _report(self, event: dict[str, Any]) -> None:
        self._publish(event)
        for observer in self.observers:
            observer(event)

    def _failed(self, command: dc.DriverCommand) -> None:
        """A supervisor's phone that could not even ring: gone, for the core."""
        if isinstance(command, dc.RingAgent):
            self._handle(me.LegGone(leg=command.leg_id, cause="unreachable"))

    async def drained(self) -> None:
        """Wait until every command so far has been handed to the driver (for tests)."""
        await self._sender.drained()

    async def run(self) -> None:
        await self._sender.run()
