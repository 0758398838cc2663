"""The asyncio side of the ACD: feeds the core, runs its timers, carries out its commands.

The ACD core (``contactcenter.acd``) decides who gets which call; this module
only translates. A waiting caller's ``CallTask`` hands the call over with
``join``; the core's ``OfferCall`` rings the agent's phone as a leg of its own
(``RingAgent``), ``ConnectCall`` takes the caller off hold and bridges the two,
``CancelOffer`` hangs the ringing leg up, announcements play between stretches
of hold music. The legs' events come back through ``agent_answered`` and
``leg_ended``. Commands go out in the order the core gave them, through one
sender, so that a bridge is never asked for before its leg was rung. What is a
callback's own (the call gate, virtual callers set aside and back in line, the
customer's leg) is the layer below, ``callback_line.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from contactcenter.acd import commands as ac
from contactcenter.acd import events as ae
from contactcenter.acd.core import Acd
from contactcenter.acd.model import AgentId, CallId
from contactcenter.engine.agent_store import AgentStateStore, restoring_events
from contactcenter.engine.callback_line import CallbackLine
from contactcenter.engine.callbacks import CallbackCall, Promise
from contactcenter.engine.control import Controller
from contactcenter.engine.deadlines import run_deadlines
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.parties import CallSide, Leg, Waiting, bridge_of, position_media
from contactcenter.engine.phones import Phones
from contactcenter.engine.seats import ControlSeats
from contactcenter.engine.sender import OrderedSender
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

log = logging.getLogger(__name__)


Send = Callable[[dc.DriverCommand], Awaitable[None]]
Publish = Callable[[dict[str, Any]], None]


class Distributor(CallbackLine, ControlSeats):
    """The ACD core's adapter: callers and legs in, the core's commands out, in order."""

    def __init__(self, acd: Acd, *, send: Send, publish: Publish,
                 clock: Callable[[], float], store: AgentStateStore | None = None) -> None:
        self.acd = acd
        self._store = store
        self._publish = publish
        self._clock = clock
        self.legs: dict[str, Leg] = {}
        self._calls: dict[str, Waiting] = {}
        self._sender = OrderedSender(send, name="ACD", on_failure=self._failed)
        self._wake = asyncio.Event()
        self._ids = itertools.count(1)
        #: the people (agents, supervisors) with a phone registered, and which to ring
        self.registered = Phones()
        #: (call, agent) -> the leg of the ring under way; older legs' news is stale
        self._current: dict[tuple[str, str], str] = {}
        #: calls to withdraw once the core's current batch of commands is carried out
        self._withdraw: list[str] = []
        #: whether customers can be dialed (an outbound peer is configured)
        self.dial_out = False
        #: virtual callers (callbacks) waiting in the ACD -> the number to call back
        self._callbacks: dict[str, str] = {}
        #: customers' legs dialed out -> the callback they are for
        self._customer_legs: dict[str, str] = {}
        #: callbacks under way -> their own record in the journal
        self._records: dict[str, str] = {}
        #: the call gate every callback passes (``contactcenter.engine.gatekeeper``)
        self.gate: Gatekeeper | None = None
        #: callbacks the gate checks, holds or clears, until their customer is dialed
        self._promises: dict[str, Promise] = {}
        #: callbacks to set aside (outside their calling hours) after the current batch
        self._set_aside: list[str] = []
        #: call control (hold, transfer...), told of each caller connected to an agent
        self.control: Controller | None = None
        #: calls recorded so far -> how many times (each agent's part has its file)
        self._recorded: dict[str, int] = {}

    def now(self) -> float:
        return self._clock()

    # -- in from the calls and the driver ---------------------------------------------------

    def join(self, call_id: str, side: CallSide, *, queue: str, priority: int,
             skill: str | None, caller: str, variables: dict[str, str],
             since: float | None = None) -> None:
        """``since``: when a caller picked up after a restart first joined (keeps their place)."""
        self._calls[call_id] = Waiting(caller=caller, side=side)
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
        waiting = self._calls.get(call_id)
        if waiting is not None and isinstance(waiting.side, CallbackCall):
            return False  # the caller who asked for it hangs up: their callback goes on
        return self._gone(call_id)

    def _gone(self, call_id: str) -> bool:
        self._recorded.pop(call_id, None)
        if self.control is not None and self.control.caller_gone(call_id, "caller"):
            return True  # call control ends every other leg
        waiting = self._calls.pop(call_id, None)
        for key in [key for key in self._current if key[0] == call_id]:
            del self._current[key]
        if waiting is None:
            return False
        talking = [self.legs[leg_id] for leg_id in waiting.legs
                   if leg_id in self.legs and self.legs[leg_id].connected]
        if talking:
            self._handle(ae.CallFinished(call_id=CallId(call_id)))
            for leg in talking:
                self._queue(dc.HangupCall(call_id=leg.leg_id))
                self._queue(dc.DestroyBridge(call_id=call_id, bridge_id=bridge_of(call_id)))
        else:
            self._handle(ae.CallLeft(call_id=CallId(call_id), reason="abandoned"))
        for leg_id in waiting.legs:  # a ring still under way is stopped by the core's cancel
            ringing = self.legs.get(leg_id)
            if ringing is not None and not ringing.connected and not ringing.answered:
                self._queue(dc.HangupCall(call_id=leg_id))
        return bool(talking)

    def agent_answered(self, event: de.AgentAnswered) -> None:
        leg = self.legs.get(event.leg_id)
        if leg is None or event.call_id not in self._calls:
            self._queue(dc.HangupCall(call_id=event.leg_id))  # for a caller already gone
            return
        leg.answered = True
        if self._current.get((leg.call_id, leg.agent)) != leg.leg_id:
            self._queue(dc.HangupCall(call_id=leg.leg_id))  # an earlier ring, answered late
            return
        self._handle(ae.OfferAnswered(call_id=CallId(leg.call_id), agent=AgentId(leg.agent)))
        if not leg.connected:  # the core did not take it (cancelled meanwhile)
            self._queue(dc.HangupCall(call_id=leg.leg_id))

    def leg_ended(self, leg_id: str, cause: str) -> bool:
        """A leg's channel is gone; False when ``leg_id`` is no leg of ours."""
        if leg_id in self._customer_legs:
            self._customer_gone(self._customer_legs.pop(leg_id), cause)
            return True
        leg = self.legs.pop(leg_id, None)
        if leg is None:
            return False
        waiting = self._calls.get(leg.call_id)
        if leg.connected:  # the agent hung up: the call is over, the caller goes too
            self._calls.pop(leg.call_id, None)
            self._recorded.pop(leg.call_id, None)
            self._handle(ae.CallFinished(call_id=CallId(leg.call_id)))
            self._queue(dc.DestroyBridge(call_id=leg.call_id, bridge_id=bridge_of(leg.call_id)))
            if waiting is not None:
                waiting.side.hang_up("normal")
        elif not leg.answered and self._current.get((leg.call_id, leg.agent)) == leg_id:
            del self._current[(leg.call_id, leg.agent)]
            self._handle(ae.OfferFailed(call_id=CallId(leg.call_id), agent=AgentId(leg.agent),
                                        reason=cause or "no answer"))
        if waiting is not None and leg_id in waiting.legs:
            waiting.legs.remove(leg_id)
        return True

    def channels(self) -> set[str]:
        """The channels it drives that Asterisk should have now: agents' legs, and the
        customers' legs of callbacks whose customer was dialed."""
        dialed = {leg for leg, call_id in self._customer_legs.items()
                  if isinstance(side := getattr(self._calls.get(call_id), "side", None),
                                CallbackCall) and side.agent_leg is not None}
        return set(self.legs) | dialed

    def records(self) -> set[str]:
        """The journal records of callbacks under way (their calls are not callers')."""
        return set(self._records.values())

    def talking_leg(self, call_id: str) -> Leg | None:
        """The agent's leg a call is connected to, if it is."""
        waiting = self._calls.get(call_id)
        for leg_id in waiting.legs if waiting is not None else ():
            leg = self.legs.get(leg_id)
            if leg is not None and leg.connected:
                return leg
        return None

    def playback_ended(self, call_id: str, playback_id: str) -> None:
        waiting = self._calls.get(call_id)
        if waiting is not None and waiting.announcing == playback_id:
            waiting.announcing = None
            # heard to the end (Asterisk's PlaybackFinished): a supervisor can see what
            self._publish({"type": "call.announced", "call_id": call_id, **waiting.said,
                           "time": self._clock()})
            if not any(self.legs[leg].connected for leg in waiting.legs if leg in self.legs):
                self._queue(dc.StartHold(call_id=call_id))

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
        match command:
            case ac.OfferCall(call_id=call_id, agent=agent, ring_timeout=timeout):
                self._ring(call_id, agent, timeout)
            case ac.CancelOffer(call_id=call_id, agent=agent):
                self._current.pop((call_id, agent), None)
                for leg in self._legs_of(call_id, agent):
                    if not leg.connected:
                        self._queue(dc.HangupCall(call_id=leg.leg_id))
            case ac.ConnectCall(call_id=call_id, agent=agent):
                self._connect(call_id, agent)
            case ac.Announce(call_id=call_id, position=position, expected_wait=wait):
                self._announce(call_id, position_media(position, wait),
                               {"kind": "position", "position": position,
                                "expected_wait": wait})
            case ac.PlayComfort(call_id=call_id):
                self._announce(call_id, ("sound:queue-periodic-announce",), {"kind": "comfort"})
            case ac.OverflowCall(call_id=call_id, kind=kind, target=target):
                if kind == "callback" and target:
                    self._callbacks[call_id] = target
                    self._check_overflow(call_id, target)
                waiting = self._calls.get(call_id)
                if kind != "queue" and waiting is not None:
                    self._calls.pop(call_id, None)
                    self._stop_announcement(call_id, waiting)
                    waiting.side.overflow(kind, target)
            case ac.Report():
                self._report(command)

    def _report(self, command: ac.Report) -> None:
        """The ACD's news, published (a callback's on its own record), and what follows
        from some: an agent's state kept, a caller for no queue let go."""
        kind, data = command.type, command.data
        record = self._records.get(str(data.get("call_id")))
        if record is not None and kind != "call.answered":
            # a callback's news goes on its own outbound record; it is answered
            # when the customer answers (CallbackCall), not when the agent does
            data = {**dict(data), "call_id": record}
            acd_id = str(command.data["call_id"])
            if kind == "call.wrapped" and not (self.control is not None
                                               and self.control.has(acd_id)):
                self._records.pop(acd_id, None)  # (handed over: the next one's too)
        self._publish({**dict(data), "type": kind, "time": self._clock()})
        if kind == "agent.state" and self._store is not None:
            self._store.save(str(data["agent"]), str(data["state"]),
                             str(data.get("reason") or ""))
        if kind == "call.rejected":  # a queue the ACD does not have: do not hold on
            rejected = self._calls.pop(str(data.get("call_id")), None)
            if rejected is not None:
                rejected.side.hang_up("normal")

    def _legs_of(self, call_id: str, agent: str) -> list[Leg]:
        return [leg for leg in self.legs.values()
                if leg.call_id == call_id and leg.agent == agent]

    def _ring(self, call_id: str, agent: str, timeout: float) -> None:
        if not self._turn_cleared(call_id):
            return
        waiting = self._calls.get(call_id) or self._callback_turn(call_id)
        if waiting is None:
            # no caller on the line and none to call back (no outbound peer, or a number
            # that cannot be dialed): withdrawn rather than left ringing nobody, which
            # would set agent after agent not ready
            log.warning("call %s: nobody to connect %s to; withdrawn", call_id, agent)
            self._publish({"type": "callback.withdrawn", "call_id": call_id, "agent": agent,
                           "number": self._callbacks.pop(call_id, None),
                           "reason": "no_outbound" if not self.dial_out else "not_dialable",
                           "time": self._clock()})
            self._withdraw.append(call_id)
            self.forget_promise(call_id)
            return
        leg = Leg(leg_id=f"{call_id}-{agent}-{next(self._ids)}", call_id=call_id, agent=agent)
        self.legs[leg.leg_id] = leg
        self._current[(call_id, agent)] = leg.leg_id
        waiting.legs.append(leg.leg_id)
        # the core's own timer cancels first; Asterisk's is only a backstop
        self._queue(dc.RingAgent(call_id=call_id, leg_id=leg.leg_id,
                                 endpoint=self.registered.ring(agent),
                                 caller_id=waiting.caller, timeout=math.ceil(timeout) + 5))

    def _connect(self, call_id: str, agent: str) -> None:
        waiting = self._calls.get(call_id)
        leg = self.legs.get(self._current.pop((call_id, agent), ""))
        if waiting is None or leg is None or not leg.answered:
            log.warning("ACD connects %s to %s, but one of them is gone", call_id, agent)
            return
        leg.connected = True
        bridge = bridge_of(call_id)
        if isinstance(waiting.side, CallbackCall):  # the customer is dialed now
            self._records[call_id] = waiting.side.record_id  # the attempt's own record
            if self._promises.pop(call_id, None) is not None and self.gate is not None:
                self.gate.finished(call_id, dialed=True)
            self._queue(dc.CreateBridge(call_id=call_id, bridge_id=bridge))
            self._record(call_id, bridge)
            waiting.side.connected(agent, leg.leg_id, bridge)
            return
        self._stop_announcement(call_id, waiting)
        self._queue(dc.StopHold(call_id=call_id))
        self._queue(dc.CreateBridge(call_id=call_id, bridge_id=bridge))
        self._queue(dc.AddToBridge(call_id=call_id, bridge_id=bridge,
                                   channels=(call_id, leg.leg_id)))
        self._record(call_id, bridge)
        waiting.side.connected(agent, leg.leg_id, bridge)
        view = self.acd.call_state(call_id)
        if self.control is not None and view is not None:
            self.control.connected(call_id=call_id, caller=waiting.caller, agent=agent,
                                   agent_leg=leg.leg_id, queue=view.queue,
                                   priority=view.priority, bridge=bridge)

    def _record(self, call_id: str, bridge: str) -> None:
        """The queues that say so record each call with an agent, both sides."""
        view = self.acd.call_state(call_id)
        queue = self.acd.config.queues.get(view.queue) if view is not None else None
        if queue is None or not queue.record:
            return
        visits = self._recorded[call_id] = self._recorded.get(call_id, 0) + 1
        # one file per agent who had the call: a transfer must not overwrite the first
        name = f"call-{call_id}" if visits == 1 else f"call-{call_id}-{visits}"
        self._queue(dc.RecordBridge(call_id=call_id, bridge_id=bridge, name=name))
        record = self._records.get(call_id, call_id)  # a callback's: its outbound record
        self._publish({"type": "call.recording", "call_id": record, "queue": queue.name,
                       "recording": name, "time": self._clock()})

    def _stop_announcement(self, call_id: str, waiting: Waiting) -> None:
        if waiting.announcing is not None:
            self._queue(dc.StopMedia(call_id=call_id, playback_id=waiting.announcing))
            waiting.announcing = None

    def _announce(self, call_id: str, media: tuple[str, ...], said: dict[str, Any]) -> None:
        waiting = self._calls.get(call_id)
        if waiting is None or waiting.announcing is not None:
            return  # one announcement at a time; the next one comes round again
        waiting.announcing = f"{call_id}:announce:{next(self._ids)}"
        waiting.said = {**said, "started": self._clock()}
        self._queue(dc.StopHold(call_id=call_id))
        self._queue(dc.PlayMedia(call_id=call_id, playback_id=waiting.announcing, media=media))

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
