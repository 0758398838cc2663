"""Callbacks in line: the virtual callers the ACD offers in turn, and the call gate
they pass before any phone rings.

The layer under ``Distributor`` (``distribution.py``) for what is a callback's
own: asking the gate (``contactcenter.engine.gatekeeper``) when one is asked
for or left by an overflow, lining it up in the ACD once accepted, setting it
aside when its turn comes outside the callee's hours and putting it back when
the gate says so, and, at its turn, the ``CallbackCall`` that rings the agent
and dials the customer (``callbacks.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.core import Acd
from contactcenter.acd.model import CallId
from contactcenter.calls import Cleared, Deferred, Refused, Source
from contactcenter.calls.offers import events as oe
from contactcenter.engine.callbacks import DIALABLE, CallbackCall, Promise
from contactcenter.engine.control import Controller
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.parties import CallSide
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

#: the gate's first answer for a callback: accepted (maybe for later), or refused
Checked = asyncio.Future[Cleared | Refused]


class CallbackLine:
    """What the distributor does for callbacks; its state is the distributor's."""

    acd: Acd
    dial_out: bool
    #: the call gate every callback passes
    gate: Gatekeeper | None
    #: call control, told of each customer who answered
    control: Controller | None
    _sides: dict[str, CallSide]
    _callbacks: dict[str, str]
    _promises: dict[str, Promise]
    _customer_legs: dict[str, str]
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
        accepts it; the gate's first decision, for whoever asked to tell the customer."""
        promise = Promise(queue, number, priority, skill, variables,
                          self._clock() if since is None else since)
        self._callbacks[call_id] = number
        if self.gate is None:
            self._line_up(call_id, promise)
            return None
        self._promises[call_id] = promise
        decision = self.gate.ask(call_id, source, number)
        decision.add_done_callback(lambda done: self._checked(call_id, done, in_line=False))
        return decision

    def _line_up(self, call_id: str, promise: Promise) -> None:
        self._handle(ae.CallbackRequested(
            call_id=CallId(call_id), queue=promise.queue, number=promise.number,
            priority=promise.priority, skill=promise.skill, variables=promise.variables,
            since=promise.since))

    def _checked(self, call_id: str, done: Checked, *, in_line: bool) -> None:
        """The gate's answer for a callback: in line now, at the window's opening, or never."""
        decision = done.result() if not done.cancelled() else None
        if isinstance(decision, Cleared) and decision.earliest is None:
            if not in_line and call_id in self._promises:
                self._line_up(call_id, self._promises[call_id])
        elif isinstance(decision, Cleared):  # the gate says Resume at the opening
            if in_line:
                self._handle(ae.CallbackDeferred(call_id=CallId(call_id)))
        else:
            self.drop_callback(call_id)

    def resume_callback(self, call_id: str) -> None:
        """A callback set aside may wait in line again (its place kept by ``since``)."""
        promise = self._promises.get(call_id)
        if promise is not None:
            self._line_up(call_id, promise)

    def forget_promise(self, call_id: str) -> None:
        """A callback given up before its customer was dialed: the gate forgets it too."""
        if self._promises.pop(call_id, None) is not None and self.gate is not None:
            self.gate.finished(call_id, dialed=False)

    def drop_callback(self, call_id: str) -> None:
        """The gate refused a callback: out of the ACD, nobody is called."""
        self._promises.pop(call_id, None)
        if self._callbacks.pop(call_id, None) is not None and self.acd.call_state(call_id):
            self._handle(ae.CallLeft(call_id=CallId(call_id), reason="cancelled"))

    def _check_overflow(self, call_id: str, number: str) -> None:
        """A caller left a virtual caller behind: it waits in line while the gate looks
        the number up (a turn before the answer is set aside until it comes)."""
        view = self.acd.call_state(call_id)
        if self.gate is None or view is None:
            return
        self._promises[call_id] = Promise(view.queue, number, view.priority, view.skill,
                                          {}, view.joined)
        decision = self.gate.ask(call_id, "callback_overflow", number)
        decision.add_done_callback(lambda done: self._checked(call_id, done, in_line=True))

    def _turn_cleared(self, call_id: str) -> bool:
        """A callback's customer not dialed yet: may they be now? Checked at every turn
        (an agent may let it ring out, and the next turn come after the window closed)."""
        if self.gate is None or call_id not in self._promises:
            return True
        decision = self.gate.turn(call_id)
        if isinstance(decision, Cleared):
            return True
        if isinstance(decision, Deferred):
            self._set_aside.append(call_id)  # out of line once this batch is carried out
        else:
            self._promises.pop(call_id, None)
            self._callbacks.pop(call_id, None)
            self._withdraw.append(call_id)
        return False

    def _callback_turn(self, call_id: str) -> bool:
        """A virtual caller's turn: the customer is called back once an agent answers;
        False when there is nobody to call."""
        number = self._callbacks.get(call_id)
        view = self.acd.call_state(call_id)
        if not self.dial_out or number is None or view is None or not DIALABLE.match(number):
            return False
        del self._callbacks[call_id]
        side = CallbackCall(call_id=call_id, record_id=f"{call_id}-callback", number=number,
                            queue=view.queue,
                            send=self._queue, publish=self._publish, clock=self._clock)
        self._sides[call_id] = side
        self._offer(oe.CallerWaiting(call_id=call_id, caller=number))
        self._customer_legs[side.customer_leg] = call_id
        return True

    def customer_answered(self, event: de.CustomerAnswered) -> None:
        """The customer called back answered: bridged with the agent waiting for them."""
        side = self._sides.get(event.call_id)
        if isinstance(side, CallbackCall) and side.customer_leg == event.leg_id:
            side.customer_answered()
            self._control(event.call_id, side)
        else:  # the agent gave up meanwhile
            self._queue(dc.HangupCall(call_id=event.leg_id))

    def _control(self, call_id: str, side: CallbackCall) -> None:
        """The customer and the agent talk: under call control, like a caller."""
        view = self.acd.call_state(call_id)
        if self.control is None or view is None or side.agent is None \
                or side.agent_leg is None or not side.answered:
            return
        self.control.connected(call_id=call_id, caller=side.number, agent=side.agent,
                               agent_leg=side.agent_leg, queue=view.queue,
                               priority=view.priority, bridge=side.bridge,
                               caller_leg=side.customer_leg, record=side.record_id)

    def _customer_gone(self, call_id: str, cause: str) -> None:
        side = self._sides.get(call_id)
        self._gone(call_id)  # the agent's leg goes, the agent wraps up
        if isinstance(side, CallbackCall):
            side.finish(cause)
