"""The asyncio side of the ACD: feeds the core, runs its timers, carries out its commands.

The ACD core (``contactcenter.acd``) decides who gets which call, and the
offers core (``contactcenter.calls.offers``) what that does to agents' legs and
the waiting caller: the rings, the hang-ups, the bridge, the announcements, and
which legs' news the ACD hears. This module only translates: a waiting
caller's ``CallTask`` hands the call over with ``join``; the ACD's commands go
to the offers core as its events, and the offers core's commands go to the
driver, to the ACD (``TellAcd``) or to the caller's task. The legs' events come
back through ``agent_answered`` and ``leg_ended``. Commands go out in the order
the cores gave them, through one sender, so that a bridge is never asked for
before its leg was rung. What is a callback's own (the call gate, virtual
callers set aside and back in line, the customer's leg) is the callbacks core's
(``contactcenter.calls.callback``), fed by the layer below, ``callback_line.py``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from contactcenter.acd import commands as ac
from contactcenter.acd import events as ae
from contactcenter.acd.core import Acd
from contactcenter.acd.model import AgentId, CallId
from contactcenter.calls.callback import Callbacks
from contactcenter.calls.callback import events as be
from contactcenter.calls.offers import Offers
from contactcenter.calls.offers import commands as oc
from contactcenter.calls.offers import events as oe
from contactcenter.engine.agent_store import AgentStateStore, restoring_events
from contactcenter.engine.callback_line import CallbackLine, CallbackSide
from contactcenter.engine.control import Controller
from contactcenter.engine.deadlines import run_deadlines
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.parties import CallSide, Leg
from contactcenter.engine.phones import Phones
from contactcenter.engine.seats import ControlSeats
from contactcenter.engine.sender import OrderedSender
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

log = logging.getLogger(__name__)


Send = Callable[[dc.DriverCommand], Awaitable[None]]
Publish = Callable[[dict[str, Any]], None]


class Distributor(CallbackLine, ControlSeats):
    """The adapter of the ACD and offers cores: callers and legs in, the cores' commands
    out, in order."""

    def __init__(self, acd: Acd, *, send: Send, publish: Publish,
                 clock: Callable[[], float], store: AgentStateStore | None = None) -> None:
        self.acd = acd
        self._store = store
        self._publish = publish
        self._clock = clock
        #: agents' legs and waiting callers: the rules of ringing and connecting
        self.offers = Offers()
        #: the callers the offers core has -> their tasks (or a callback's attempt)
        self._sides: dict[str, CallSide] = {}
        self._sender = OrderedSender(send, name="ACD", on_failure=self._failed)
        self._wake = asyncio.Event()
        #: the people (agents, supervisors) with a phone registered, and which to ring
        self.registered = Phones()
        #: calls to withdraw once the core's current batch of commands is carried out
        self._withdraw: list[str] = []
        #: whether customers can be dialed (an outbound peer is configured)
        self.dial_out = False
        #: callbacks: promises, their turns and attempts (``contactcenter.calls.callback``)
        self.callbacks = Callbacks()
        #: the call gate every callback passes (``contactcenter.engine.gatekeeper``)
        self.gate: Gatekeeper | None = None
        #: callbacks to set aside (outside their calling hours) after the current batch
        self._set_aside: list[str] = []
        #: call control (hold, transfer...), told of each caller connected to an agent
        self.control: Controller | None = None
        #: calls recorded so far -> how many times (each agent's part has its file)
        self._recorded: dict[str, int] = {}

    def now(self) -> float:
        return self._clock()

    @property
    def legs(self) -> Mapping[str, Leg]:
        """Every agent's leg rung for a caller and still there (the offers core's)."""
        return self.offers.legs

    # -- in from the calls and the driver ---------------------------------------------------

    def join(self, call_id: str, side: CallSide, *, queue: str, priority: int,
             skill: str | None, caller: str, variables: dict[str, str],
             since: float | None = None) -> None:
        """``since``: when a caller picked up after a restart first joined (keeps their place)."""
        self._sides[call_id] = side
        self._offer(oe.CallerWaiting(call_id=call_id, caller=caller))
        self._handle(ae.CallJoined(call_id=CallId(call_id), queue=queue, priority=priority,
                                   skill=skill, caller=caller, variables=variables,
                                   since=since))

    def restore_agents(self) -> None:
        """Agents back in the states they had before the app stopped (``agent_store``)."""
        if self._store is None:
            return
        known = set(self.acd.config.agents)
        for event in restoring_events(self._store.load(), known):
            self._handle(event)

    def caller_gone(self, call_id: str) -> bool:
        """The caller hung up: still waiting (abandoned) or talking (the call is over).

        True when they were talking to an agent: the call was answered, even if the
        news of the connection had not reached the caller's task yet."""
        if isinstance(self._sides.get(call_id), CallbackSide):
            return False  # the caller who asked for it hangs up: their callback goes on
        return self._gone(call_id)

    def _gone(self, call_id: str) -> bool:
        self._recorded.pop(call_id, None)
        if self.control is not None and self.control.caller_gone(call_id, "caller"):
            return True  # call control ends every other leg
        talking = self.offers.talking_leg(call_id) is not None
        self._sides.pop(call_id, None)
        self._offer(oe.CallerGone(call_id=call_id))
        return talking

    def agent_answered(self, event: de.AgentAnswered) -> None:
        self._offer(oe.LegAnswered(call_id=event.call_id, leg_id=event.leg_id))

    def leg_ended(self, leg_id: str, cause: str) -> bool:
        """A leg's channel is gone; False when ``leg_id`` is no leg of ours."""
        if self._customer_leg_ended(leg_id, cause):
            return True
        leg = self.offers.legs.get(leg_id)
        if leg is None:
            return False
        if leg.connected:  # the call is over: its recordings' count with it
            self._recorded.pop(leg.call_id, None)
        self._offer(oe.LegEnded(leg_id=leg_id, cause=cause))
        return True

    def channels(self) -> set[str]:
        """The channels it drives that Asterisk should have now: agents' legs, and the
        customers' legs of callbacks whose customer was dialed."""
        return set(self.offers.legs) | self._customer_channels()

    def records(self) -> set[str]:
        """The journal records of callbacks under way (their calls are not callers')."""
        return self.callbacks.records()

    def talking_leg(self, call_id: str) -> Leg | None:
        """The agent's leg a call is connected to, if it is."""
        return self.offers.talking_leg(call_id)

    def playback_ended(self, call_id: str, playback_id: str) -> None:
        self._offer(oe.PlaybackEnded(call_id=call_id, playback_id=playback_id))

    def agent_event(self, event: ae.AcdEvent) -> None:
        """A state change asked for by the API (or the phone)."""
        self._handle(event)

    def registration(self, endpoint: str, registered: bool) -> None:
        """An agent whose last phone unregisters is logged out (also one restored after a
        restart whose phone went meanwhile)."""
        agent, none_left = self.registered.update(endpoint, registered)
        if not registered and none_left and agent in self.acd.config.agents:
            self._handle(ae.AgentLoggedOut(agent=AgentId(agent)))

    # -- the core ----------------------------------------------------------------------------

    def _handle(self, event: ae.AcdEvent) -> None:
        self._carry_out(self.acd.handle(event, self._clock()))
        self._withdraw_pending()
        self._wake.set()

    def _withdraw_pending(self) -> None:
        while self._withdraw or self._set_aside:
            if self._withdraw:
                event: ae.AcdEvent = ae.CallLeft(call_id=CallId(self._withdraw.pop(0)),
                                                 reason="cancelled")
            else:
                event = ae.CallbackDeferred(call_id=CallId(self._set_aside.pop(0)))
            self._carry_out(self.acd.handle(event, self._clock()))

    def _carry_out(self, commands: list[ac.AcdCommand]) -> None:
        for command in commands:
            try:
                self._command(command)
            except Exception:  # one bad command must not stop the others
                log.exception("ACD command %r failed", command)

    def _command(self, command: ac.AcdCommand) -> None:
        """One of the ACD's commands: what it does to legs and callers is the offers
        core's to say; a callback's own part is done here (``callback_line.py``)."""
        match command:
            case ac.OfferCall(call_id=call_id, agent=agent, ring_timeout=timeout):
                self._ring(call_id, agent, timeout)
            case ac.CancelOffer(call_id=call_id, agent=agent):
                self._offer(oe.OfferCancelled(call_id=call_id, agent=agent))
            case ac.ConnectCall(call_id=call_id, agent=agent):
                dialed = isinstance(self._sides.get(call_id), CallbackSide)
                self._offer(oe.Assigned(call_id=call_id, agent=agent, customer_dialed=dialed))
            case ac.Announce(call_id=call_id, position=position, expected_wait=wait):
                self._offer(oe.AnnouncementDue(call_id=call_id, position=position,
                                               expected_wait=wait))
            case ac.PlayComfort(call_id=call_id):
                self._offer(oe.AnnouncementDue(call_id=call_id))
            case ac.OverflowCall(call_id=call_id, kind=kind, target=target):
                if kind == "callback" and target:
                    self._callback_overflow(call_id, target)
                self._offer(oe.Overflowed(call_id=call_id, kind=kind, target=target))
            case ac.Report():
                self._report(command)

    def _report(self, command: ac.Report) -> None:
        """The ACD's news, published (a callback's on its own record), and what follows
        from some: an agent's state kept, a caller for no queue let go."""
        kind, data = command.type, command.data
        record = self.callbacks.record_of(str(data.get("call_id")))
        if record is not None and kind != "call.answered":
            # a callback's news goes on its own outbound record; it is answered
            # when the customer answers (the attempt's), not when the agent does
            data = {**dict(data), "call_id": record}
            acd_id = str(command.data["call_id"])
            if kind == "call.wrapped":
                self._callback(be.Wrapped(call_id=acd_id, handed_over=(
                    self.control is not None and self.control.has(acd_id))))
        self._publish({**dict(data), "type": kind, "time": self._clock()})
        if kind == "agent.state" and self._store is not None:
            since = data.get("since")
            self._store.save(str(data["agent"]), str(data["state"]),
                             str(data.get("reason") or ""),
                             float(since) if isinstance(since, int | float) else None)
        if kind == "call.rejected":  # a queue the ACD does not have: do not hold on
            self._offer(oe.CallerReleased(call_id=str(data.get("call_id")), reason="normal"))

    # -- the offers core -----------------------------------------------------------------------

    def _offer(self, event: oe.OfferEvent) -> None:
        """Hand the offers core ``event`` and carry out its commands, in order."""
        for command in self.offers.handle(event, self._clock()):
            match command:
                case oc.TellAcd(event=acd_event, then=then):
                    self._handle(acd_event)
                    if then is not None:
                        self._offer(then)
                case oc.ConnectCaller():
                    self._connected(command)
                case oc.OverflowCaller(call_id=call_id, kind=kind, target=target):
                    side = self._sides.pop(call_id, None)
                    if side is not None:
                        side.overflow(kind, target)
                case oc.HangUpCaller(call_id=call_id, reason=reason):
                    side = self._sides.pop(call_id, None)
                    if side is not None:
                        side.hang_up(reason)
                case oc.Publish(type=kind, data=data):
                    self._publish({**data, "type": kind})
                case _:
                    self._queue(command)

    def _connected(self, command: oc.ConnectCaller) -> None:
        """The caller is with the agent: recorded if the queue says so, their task told,
        and call control given the call (a callback's once its customer answers)."""
        call_id, agent, bridge = command.call_id, command.agent, command.bridge
        side = self._sides.get(call_id)
        if isinstance(side, CallbackSide):  # kept: the customer is dialed now
            self._callback(be.AgentAssigned(call_id=call_id))
        self._record(call_id, bridge, agent)
        if side is not None:
            side.connected(agent, command.leg_id, bridge)
        view = self.acd.call_state(call_id)
        if self.control is not None and view is not None and not isinstance(side, CallbackSide):
            self.control.connected(call_id=call_id, caller=self.offers.caller_of(call_id) or "",
                                   agent=agent, agent_leg=command.leg_id, queue=view.queue,
                                   priority=view.priority, bridge=bridge)

    def recorded_before(self, call_id: str, parts: int) -> None:
        """A call met again after a restart had ``parts`` recorded already: its next
        agent's part gets the next name, never an earlier part's (Asterisk overwrites a
        file of the same name)."""
        if parts > self._recorded.get(call_id, 0):
            self._recorded[call_id] = parts

    def _record(self, call_id: str, bridge: str, agent: str) -> None:
        """The queues that say so record each call with an agent, both sides; each
        agent's part of a call is a file of its own, named with the agent who took it."""
        view = self.acd.call_state(call_id)
        queue = self.acd.config.queues.get(view.queue) if view is not None else None
        if queue is None or not queue.record:
            return
        visits = self._recorded[call_id] = self._recorded.get(call_id, 0) + 1
        # one file per agent who had the call: a transfer must not overwrite the first
        name = f"call-{call_id}" if visits == 1 else f"call-{call_id}-{visits}"
        self._queue(dc.RecordBridge(call_id=call_id, bridge_id=bridge, name=name))
        record = self.callbacks.record_of(call_id) or call_id  # a callback's: its own
        self._publish({"type": "call.recording", "call_id": record, "queue": queue.name,
                       "agent": agent, "recording": name, "time": self._clock()})

    # -- out to the driver, and the timers ------------------------------------------------------

    def _queue(self, command: dc.DriverCommand) -> None:
        self._sender.put(command)

    async def run(self) -> None:
        """Send the commands in order and run the core's timers; until cancelled."""
        sender = asyncio.ensure_future(self._sender.run())
        try:
            await run_deadlines(self.acd.next_deadline, self._fire_timers, self._wake,
                                self._clock, name="ACD")
        finally:
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)

    def _fire_timers(self) -> None:
        self._carry_out(self.acd.handle_timer(self._clock()))
        self._withdraw_pending()

    def _failed(self, command: dc.DriverCommand) -> None:
        if self.control is not None and self.control.failed(command):
            return
        if isinstance(command, dc.RingAgent | dc.DialCustomer):  # a leg that cannot start
            self.leg_ended(command.leg_id, "unreachable")

    async def drained(self) -> None:
        """Wait until every command so far has been handed to the driver (for tests)."""
        await self._sender.drained()

    async def sent_for(self, call_id: str) -> None:
        """Once the ACD's commands so far for ``call_id`` are carried out."""
        await self._sender.sent_for(call_id)
