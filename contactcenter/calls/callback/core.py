"""The callbacks core: promises through the call gate and the ACD's line, and their
attempts, sans-I/O.

See ``states.py`` for the theory of operation. ``_ON_EVENT`` at the end of
this module is its transition table: which events each promise state acts
on; an attempt's own table is in ``attempt.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.model import CallId
from contactcenter.calls.callback import commands as bc
from contactcenter.calls.callback import events as be
from contactcenter.calls.callback.attempt import Attempt
from contactcenter.calls.callback.states import (
    BEFORE_TURN,
    DIALABLE,
    FINAL,
    AttemptState,
    CallbackState,
)
from contactcenter.calls.commands import Cleared, Deferred
from contactcenter.calls.states import Source
from contactcenter.telephony import commands as dc

log = logging.getLogger(__name__)

#: promises that ended, remembered so that ``state`` still answers for them
ENDED_MEMORY = 10_000


class CallbackUsageError(Exception):
    """An event the core does not know, or an answer nobody asked for: the engine's bug."""


@dataclass(slots=True)
class Promise:
    """A callback promised: what it takes to put it back in line, and where it is."""

    call_id: str
    number: str
    queue: str
    priority: int
    skill: str | None
    variables: Mapping[str, str]
    since: float  #: when it was asked for: its place in line
    gated: bool  #: the gate checks it (``AskGate``, each turn)
    in_line: bool  #: in the ACD's line while the gate first looks (an overflow)
    state: CallbackState = CallbackState.CHECKING
    attempt: Attempt | None = None
    turn: be.TurnCame | None = field(default=None, repr=False)  #: a turn being checked


class Callbacks:
    """Promises and attempts in, commands out; see ``states.py``."""

    def __init__(self) -> None:
        self._promises: dict[str, Promise] = {}
        self._customer_legs: dict[str, str] = {}  #: customer's leg -> its callback
        self._records: dict[str, str] = {}  #: callbacks kept -> their attempt's record
        self._ended: dict[str, CallbackState] = {}  #: the last promises that ended
        self._out: list[bc.CallbackCommand] = []
        self.ignored = 0

    def handle(self, event: be.CallbackEvent, now: float) -> list[bc.CallbackCommand]:
        """Act on one event at ``now``; the commands to carry out, in order."""
        self._out = []
        handler = _ON_ANY.get(type(event))
        if handler is not None:
            handler(self, event, now)
        elif type(event) in _KNOWN:
            self._on_promise(event, now)
        else:
            raise CallbackUsageError(f"not an event of the callbacks core: {event!r}")
        out, self._out = self._out, []
        return out

    # -- what the engine may read ----------------------------------------------------------

    def state(self, call_id: str) -> CallbackState | None:
        promise = self._promises.get(call_id)
        return promise.state if promise is not None else self._ended.get(call_id)

    def attempt(self, call_id: str) -> Attempt | None:
        promise = self._promises.get(call_id)
        return promise.attempt if promise is not None else None

    def owns_leg(self, leg_id: str) -> bool:
        """Whether ``leg_id`` is a customer's leg of a callback."""
        return leg_id in self._customer_legs

    def customer_legs(self) -> Mapping[str, str]:
        """Customers' legs (to be) dialed -> their callback."""
        return self._customer_legs

    def record_of(self, call_id: str) -> str | None:
        """A kept callback's own outbound record, whose news the ACD's goes on."""
        return self._records.get(call_id)

    def records(self) -> set[str]:
        return set(self._records.values())

    # -- promises made ---------------------------------------------------------------------

    def _on_requested(self, event: be.Requested, now: float) -> None:
        self._make(Promise(event.call_id, event.number, event.queue, event.priority,
                           event.skill, dict(event.variables), event.since, event.gated,
                           in_line=False), event.source)

    def _on_overflowed(self, event: be.Overflowed, now: float) -> None:
        """In line already; with no gate (or unknown to the ACD) nothing to ask."""
        gated = event.gated and event.queue is not None
        self._make(Promise(event.call_id, event.number, event.queue or "", event.priority,
                           event.skill, {}, event.since, gated, in_line=True),
                   "callback_overflow")

    def _make(self, promise: Promise, source: Source) -> None:
        self._promises[promise.call_id] = promise
        if promise.gated:
            self._out.append(bc.AskGate(call_id=promise.call_id, source=source,
                                        number=promise.number))
        else:
            promise.state = CallbackState.WAITING
            if not promise.in_line:
                self._line_up(promise)

    def _line_up(self, promise: Promise) -> None:
        promise.state = CallbackState.WAITING
        self._out.append(bc.TellAcd(event=ae.CallbackRequested(
            call_id=CallId(promise.call_id), queue=promise.queue, number=promise.number,
            priority=promise.priority, skill=promise.skill,
            variables=dict(promise.variables), since=promise.since)))

    # -- the gate's word -------------------------------------------------------------------

    def _on_promise(self, event: Any, now: float) -> None:
        promise = self._promises.get(event.call_id)
        handler = _ON_EVENT[promise.state].get(type(event)) if promise else None
        if promise is None or handler is None:
            self.ignored += 1  # a promise that ended, or news its state is past
            return
        handler(self, promise, event, now)

    def _answered(self, promise: Promise, event: be.GateAnswered, now: float) -> None:
        """In line now, at the window's opening (the gate resumes it), or never."""
        decision = event.decision
        if isinstance(decision, Cleared) and decision.earliest is None:
            if not promise.in_line:
                self._line_up(promise)
            elif promise.state is CallbackState.CHECKING:
                promise.state = CallbackState.WAITING
        elif isinstance(decision, Cleared):
            if promise.in_line:  # out of line now; not yet in line otherwise
                self._out.append(bc.TellAcd(event=ae.CallbackDeferred(
                    call_id=CallId(promise.call_id))))
            promise.state = CallbackState.DEFERRED
        else:
            self._refused(promise, event, now)

    def _resumed(self, promise: Promise, event: be.Resumed, now: float) -> None:
        """Back in line, its place kept by ``since``."""
        if promise.gated:
            self._line_up(promise)

    def _refused(self, promise: Promise, event: Any, now: float) -> None:
        """Out of the ACD, nobody is called (not at a later turn either)."""
        self._end(promise, CallbackState.REFUSED)
        self._out.append(bc.LeaveLine(call_id=promise.call_id))

    def _forgotten(self, promise: Promise, event: be.Forgotten, now: float) -> None:
        if promise.gated:
            self._end(promise, CallbackState.CANCELLED)
            self._out.append(bc.GateFinished(call_id=promise.call_id, dialed=False))

    # -- its turn --------------------------------------------------------------------------

    def _on_turn(self, event: be.TurnCame, now: float) -> None:
        """Any call's offer: a promise's turn is checked first, then someone is rung."""
        promise = self._promises.get(event.call_id)
        if promise is None or promise.state in FINAL:
            self._go_on(None, event, now)
        elif promise.gated:
            promise.turn = event
            self._out.append(bc.CheckTurn(call_id=event.call_id))
        else:
            self._go_on(promise, event, now)

    def _turn_checked(self, promise: Promise, event: be.TurnChecked, now: float) -> None:
        turn, promise.turn = promise.turn, None
        if turn is None:
            raise CallbackUsageError(f"no turn of {promise.call_id} was being checked")
        if isinstance(event.decision, Cleared):
            self._go_on(promise, turn, now)
        elif isinstance(event.decision, Deferred):
            promise.state = CallbackState.DEFERRED
            self._out.append(bc.SetAside(call_id=promise.call_id))
        else:
            self._end(promise, CallbackState.REFUSED)
            self._out.append(bc.Withdraw(call_id=promise.call_id))

    def _go_on(self, promise: Promise | None, turn: be.TurnCame, now: float) -> None:
        """Ring the agent for the caller waiting (a callback's, from its first turn on);
        with nobody to connect them to, withdrawn rather than ringing for nobody."""
        if turn.caller_waiting or (promise is not None and self._start(promise, turn, now)):
            if promise is not None:
                promise.state = CallbackState.OFFERED
            self._out.append(bc.Ring(call_id=turn.call_id, agent=turn.agent,
                                     ring_timeout=turn.ring_timeout))
            return
        log.warning("call %s: nobody to connect %s to; withdrawn", turn.call_id, turn.agent)
        fresh = promise is not None and promise.attempt is None
        self._out += [
            bc.Publish(type="callback.withdrawn", data={
                "call_id": turn.call_id, "agent": turn.agent,
                "number": promise.number if promise is not None and fresh else None,
                "reason": "no_outbound" if not turn.dial_out else "not_dialable",
                "time": now}),
            bc.Withdraw(call_id=turn.call_id)]
        if promise is not None:
            self._end(promise, CallbackState.WITHDRAWN)
            if promise.gated:
                self._out.append(bc.GateFinished(call_id=promise.call_id, dialed=False))

    def _start(self, promise: Promise, turn: be.TurnCame, now: float) -> bool:
        """The first turn makes the attempt; False when there is nobody to call."""
        if promise.attempt is not None or not turn.dial_out or turn.queue is None \
                or not DIALABLE.match(promise.number):
            return False
        attempt = Attempt(call_id=promise.call_id, record_id=f"{promise.call_id}-callback",
                          number=promise.number, queue=turn.queue, started=now)
        promise.attempt = attempt
        self._customer_legs[attempt.customer_leg] = promise.call_id
        self._out.append(bc.StartAttempt(call_id=promise.call_id, number=promise.number,
                                         via=promise.variables.get("dialed", "")))
        return True

    def _assigned(self, promise: Promise, event: be.AgentAssigned, now: float) -> None:
        """An agent took it: the promise is kept, its news goes on the attempt's record."""
        if promise.attempt is not None:
            self._records[promise.call_id] = promise.attempt.record_id
        if promise.state not in FINAL:
            self._end(promise, CallbackState.CONNECTED)
            if promise.gated:
                self._out.append(bc.GateFinished(call_id=promise.call_id, dialed=True))

    def _on_wrapped(self, event: be.Wrapped, now: float) -> None:
        if not event.handed_over:  # (handed over: the next agent's news is the record's too)
            self._records.pop(event.call_id, None)

    def _end(self, promise: Promise, state: CallbackState) -> None:
        assert state in FINAL and promise.state not in FINAL, (promise, state)
        log.debug("callback %s: %s -> %s", promise.call_id, promise.state.value, state.value)
        promise.state = state
        if promise.attempt is None:  # nothing of it is left to come
            self._forget(promise)

    def _forget(self, promise: Promise) -> None:
        del self._promises[promise.call_id]
        self._ended[promise.call_id] = promise.state
        if len(self._ended) > ENDED_MEMORY:
            del self._ended[next(iter(self._ended))]

    # -- the attempt -----------------------------------------------------------------------

    def _on_attempt(self, event: be.AttemptEvent, now: float) -> None:
        promise = self._promises.get(event.call_id)
        if promise is None or promise.attempt is None:
            self.ignored += 1
            return
        if isinstance(event, be.AgentConnected) and promise.state is not CallbackState.CONNECTED:
            # taken back meanwhile (refused, withdrawn): nobody unchecked is ever dialed;
            # the agent who answered for it is let go, and nothing of it is left to come
            self.ignored += 1
            self._out.append(bc.EndForAgent(call_id=promise.call_id))
            self._forget(promise)
            return
        self._out += promise.attempt.handle(event, now)

    def _on_customer_answered(self, event: be.CustomerAnswered, now: float) -> None:
        """Bridged with the agent waiting for them; hung up if the agent gave up."""
        attempt = self.attempt(event.call_id)
        if attempt is None or attempt.customer_leg != event.leg_id:
            self._out.append(dc.HangupCall(call_id=event.leg_id))
            return
        before = attempt.state
        self._out += attempt.handle(event, now)
        if before is AttemptState.DIALING and attempt.state is AttemptState.TALKING:
            assert attempt.agent is not None and attempt.agent_leg is not None
            self._out.append(bc.ControlCall(
                call_id=event.call_id, caller=attempt.number, agent=attempt.agent,
                agent_leg=attempt.agent_leg, bridge=attempt.bridge,
                caller_leg=attempt.customer_leg, record=attempt.record_id))

    def _on_leg_ended(self, event: be.CustomerLegEnded, now: float) -> None:
        """The customer's leg went: the agent's side goes, then the attempt's record."""
        call_id = self._customer_legs.pop(event.leg_id, None)
        if call_id is None:
            self.ignored += 1
            return
        self._out.append(bc.EndForAgent(call_id=call_id))
        attempt = self.attempt(call_id)
        if attempt is not None:
            self._out += attempt.handle(be.AttemptOver(call_id=call_id, cause=event.cause),
                                        now)
        promise = self._promises.get(call_id)
        if promise is not None and promise.state in FINAL:
            self._forget(promise)  # nothing of it is left to come


_Handler = Callable[[Callbacks, Any, float], None]
_PromiseHandler = Callable[[Callbacks, Promise, Any, float], None]

#: events any call may bring, whatever promise it has (or none)
_ON_ANY: dict[type, _Handler] = {
    be.Requested: Callbacks._on_requested,
    be.Overflowed: Callbacks._on_overflowed,
    be.TurnCame: Callbacks._on_turn,
    be.Wrapped: Callbacks._on_wrapped,
    be.AttemptBegun: Callbacks._on_attempt,
    be.AgentConnected: Callbacks._on_attempt,
    be.AgentLeft: Callbacks._on_attempt,
    be.AttemptOver: Callbacks._on_attempt,
    be.CustomerAnswered: Callbacks._on_customer_answered,
    be.CustomerLegEnded: Callbacks._on_leg_ended,
}

_GATE: dict[type, _PromiseHandler] = {
    be.GateAnswered: Callbacks._answered, be.Resumed: Callbacks._resumed,
    be.Dropped: Callbacks._refused, be.Forgotten: Callbacks._forgotten,
}
#: promise state -> the events it takes; any other (a promise ended, a late answer)
#: changes nothing. A turn checked leaves OFFERED, DEFERRED or REFUSED; an agent's
#: taking it, CONNECTED.
_ON_EVENT: dict[CallbackState, dict[type, _PromiseHandler]] = {
    **{state: {**_GATE, be.TurnChecked: Callbacks._turn_checked,
               be.AgentAssigned: Callbacks._assigned} for state in BEFORE_TURN},
    CallbackState.OFFERED: {**_GATE, be.TurnChecked: Callbacks._turn_checked,
                            be.AgentAssigned: Callbacks._assigned},
    **{state: {be.AgentAssigned: Callbacks._assigned} for state in FINAL},
}
_KNOWN = frozenset({*_GATE, be.TurnChecked, be.AgentAssigned})
