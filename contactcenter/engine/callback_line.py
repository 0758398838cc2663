"""Callbacks in line: the asyncio side of the callbacks core.

The layer under ``Distributor`` (``distribution.py``) for what is a callback's
own. The rules (the call gate's word on each promise and each turn, virtual
callers in line, set aside and back, withdrawn when nobody can be dialed, the
attempt that rings the agent and dials the customer) are the sans-I/O core's,
``contactcenter.calls.callback``. This module feeds it what the ACD, the gate
and the customer's leg say, and carries its commands out: to the gate
(``contactcenter.engine.gatekeeper``), the ACD core, the offers core, call
control and the driver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.core import Acd
from contactcenter.acd.model import CallId
from contactcenter.calls import Cleared, Refused, Source
from contactcenter.calls.callback import Callbacks
from contactcenter.calls.callback import commands as bc
from contactcenter.calls.callback import events as be
from contactcenter.calls.offers import Offers
from contactcenter.calls.offers import events as oe
from contactcenter.engine.booking_store import BookingStore
from contactcenter.engine.bookings import Bookings
from contactcenter.engine.control import Controller
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.parties import CallSide
from contactcenter.engine.phones import Phones
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

#: the exit variable of an IVR callback node that books a slot instead (docs/callbacks.md)
SLOT_VARIABLE = "callback_slot"

#: the gate's first answer for a callback: accepted (maybe for later), or refused
Checked = asyncio.Future[Cleared | Refused]


class CallbackSide:
    """Where a waiting caller's task would be, for a callback at its turn: what the
    offers core and call control tell it goes to the callbacks core."""

    def __init__(self, line: CallbackLine, call_id: str) -> None:
        self._line = line
        self.call_id = call_id

    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None:
        """The agent answered: the customer is dialed."""
        self._line._callback(be.AgentConnected(call_id=self.call_id, agent=agent,
                                               leg_id=leg_id, bridge=bridge_id))

    def overflow(self, kind: str, target: str | None) -> None:
        """A virtual caller does not overflow again; nothing to do."""

    def hang_up(self, reason: str) -> None:
        """The agent hung up (or the call was withdrawn): the customer's leg goes too."""
        self._line._callback(be.AgentLeft(call_id=self.call_id, reason=reason))

    def finish(self, cause: str) -> None:
        """Call control is done with the call: the attempt's record ends."""
        self._line._callback(be.AttemptOver(call_id=self.call_id, cause=cause))


class CallbackLine:
    """What the distributor does for callbacks; its state is the core's, ``callbacks``."""

    acd: Acd
    dial_out: bool
    registered: Phones
    offers: Offers
    #: the call gate every callback passes
    gate: Gatekeeper | None
    #: call control, told of each customer who answered
    control: Controller | None
    #: the rules of callbacks (``contactcenter.calls.callback``)
    callbacks: Callbacks
    #: callbacks booked for a slot (``contactcenter.engine.bookings``), when wired
    bookings: Bookings | None = None
    _sides: dict[str, CallSide]
    _withdraw: list[str]
    _set_aside: list[str]
    _clock: Callable[[], float]
    _publish: Callable[[dict[str, Any]], None]

    #: the distributor's own moves, which this layer uses
    _handle: Callable[[ae.AcdEvent], None]
    _queue: Callable[[dc.DriverCommand], None]
    _offer: Callable[[oe.OfferEvent], None]
    _gone: Callable[[str], bool]

    def request_callback(self, call_id: str, *, queue: str, number: str, priority: int,
                         skill: str | None, variables: dict[str, str],
                         since: float | None = None,
                         source: Source = "callback_ivr") -> Checked | None:
        """A customer asked to be called back: a virtual caller waits its turn in ``queue``
        (``since``: when they asked, for one restored after a restart), once the call gate
        accepts it; the gate's first decision, for whoever asked to tell the customer.
        An IVR node that asks for a slot (``callback_slot``) books the first one offered
        for the number instead, answered the same way."""
        if variables.get(SLOT_VARIABLE) and self.bookings is not None:
            return self.bookings.book_for_call(call_id, queue=queue, number=number,
                                               variables=variables)
        return self._callback(be.Requested(
            call_id=call_id, queue=queue, number=number, priority=priority, skill=skill,
            variables=variables, since=self._clock() if since is None else since,
            source=source, gated=self.gate is not None))

    def attach_bookings(self, path: Path) -> Bookings:
        """Callbacks booked for a slot, kept in ``path``, through this line's gate."""
        self.bookings = Bookings(self.acd.config, line=self, gate=self.gate,
                                 store=BookingStore(path), clock=self._clock,
                                 publish=self._publish)
        return self.bookings

    def resume_callback(self, call_id: str) -> None:
        """A callback set aside may wait in line again (its place kept by ``since``)."""
        self._callback(be.Resumed(call_id=call_id))

    def forget_promise(self, call_id: str) -> None:
        """A callback given up before its customer was dialed: the gate forgets it too."""
        self._callback(be.Forgotten(call_id=call_id))

    def drop_callback(self, call_id: str) -> None:
        """The gate refused a callback: out of the ACD, nobody is called."""
        self._callback(be.Dropped(call_id=call_id))

    def customer_answered(self, event: de.CustomerAnswered) -> None:
        """The customer called back answered: bridged with the agent waiting for them."""
        self._callback(be.CustomerAnswered(call_id=event.call_id, leg_id=event.leg_id))

    # -- what the distributor hands over ----------------------------------------------------

    def _callback_overflow(self, call_id: str, number: str) -> None:
        """A caller left a virtual caller behind: it waits in line while the gate looks
        the number up (a turn before the answer is set aside until it comes)."""
        view = self.acd.call_state(call_id)
        self._callback(be.Overflowed(
            call_id=call_id, number=number, queue=view.queue if view else None,
            priority=view.priority if view else 0, skill=view.skill if view else None,
            since=view.joined if view else 0.0, gated=self.gate is not None))

    def _ring(self, call_id: str, agent: str, timeout: float) -> None:
        """The ACD offers a call: a callback's turn is checked, then the agent rung."""
        view = self.acd.call_state(call_id)
        self._callback(be.TurnCame(call_id=call_id, agent=agent, ring_timeout=timeout,
                                   queue=view.queue if view else None,
                                   caller_waiting=self.offers.is_waiting(call_id),
                                   dial_out=self.dial_out))

    def _customer_leg_ended(self, leg_id: str, cause: str) -> bool:
        """A customer's leg went; False when it is none of the callbacks'."""
        if not self.callbacks.owns_leg(leg_id):
            return False
        self._callback(be.CustomerLegEnded(leg_id=leg_id, cause=cause))
        return True

    def _customer_channels(self) -> set[str]:
        """The customers' legs dialed for callbacks still under way."""
        return {leg for leg, call_id in self.callbacks.customer_legs().items()
                if isinstance(self._sides.get(call_id), CallbackSide)
                and (attempt := self.callbacks.attempt(call_id)) is not None
                and attempt.agent_leg is not None}

    # -- the core ---------------------------------------------------------------------------

    def _callback(self, event: be.CallbackEvent) -> Checked | None:
        """Hand the core ``event`` and carry out its commands, in order; the gate's
        first answer, when it was asked."""
        asked = None
        for command in self.callbacks.handle(event, self._clock()):
            match command:
                case bc.AskGate(call_id=call_id, source=source, number=number):
                    asked = self._ask(call_id, source, number)
                case bc.CheckTurn(call_id=call_id):
                    assert self.gate is not None, "only a gated promise is checked"
                    self._callback(be.TurnChecked(call_id=call_id,
                                                  decision=self.gate.turn(call_id)))
                case _:
                    self._carry_out_callback(command)
        return asked

    def _ask(self, call_id: str, source: Source, number: str) -> Checked:
        assert self.gate is not None, "only a gated promise asks"
        decision = self.gate.ask(call_id, source, number)

        def answered(done: Checked) -> None:
            self._callback(be.GateAnswered(
                call_id=call_id, decision=None if done.cancelled() else done.result()))

        decision.add_done_callback(answered)
        return decision

    def _carry_out_callback(self, command: bc.CallbackCommand) -> None:
        match command:
            case bc.GateFinished(call_id=call_id, dialed=dialed):
                if self.gate is not None:
                    self.gate.finished(call_id, dialed=dialed)
            case bc.TellAcd(event=event):
                self._handle(event)
            case bc.LeaveLine(call_id=call_id):
                if self.acd.call_state(call_id):
                    self._handle(ae.CallLeft(call_id=CallId(call_id), reason="cancelled"))
            case bc.Withdraw(call_id=call_id):
                self._withdraw.append(call_id)  # once the ACD's current batch is done
            case bc.SetAside(call_id=call_id):
                self._set_aside.append(call_id)
            case bc.StartAttempt(call_id=call_id, number=number, via=via):
                self._sides[call_id] = CallbackSide(self, call_id)
                self._offer(oe.CallerWaiting(call_id=call_id, caller=number, via=via))
            case bc.Ring(call_id=call_id, agent=agent, ring_timeout=timeout):
                self._offer(oe.Offered(call_id=call_id, agent=agent, ring_timeout=timeout,
                                       endpoint=self.registered.ring(agent)))
            case bc.ControlCall():
                self._control(command)
            case bc.EndForAgent(call_id=call_id):
                self._gone(call_id)  # the agent's leg goes, the agent wraps up
            case bc.Publish(type=kind, data=data):
                self._publish({**data, "type": kind})
            case dc.PlayMedia() | dc.StopMedia() | dc.DialCustomer() | dc.HangupCall() \
                    | dc.AddToBridge():
                self._queue(command)

    def _control(self, command: bc.ControlCall) -> None:
        """The customer and the agent talk: under call control, like a caller."""
        view = self.acd.call_state(command.call_id)
        if self.control is None or view is None:
            return
        self.control.connected(call_id=command.call_id, caller=command.caller,
                               agent=command.agent, agent_leg=command.agent_leg,
                               queue=view.queue, priority=view.priority,
                               bridge=command.bridge, caller_leg=command.caller_leg,
                               record=command.record)
