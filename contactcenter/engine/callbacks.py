"""Calling a customer back: the agent first, then the customer, then both bridged.

A caller who chose a callback left a virtual caller in the queue (the ACD
core keeps its place). When its turn comes the core offers it to an agent
like any call, and the distributor rings the agent's phone with the
customer's number on its display. A ``CallbackCall`` then stands where a
waiting caller's task would: once the agent answers it dials the customer
(the agent hears ringing meanwhile), bridges the two when the customer
answers, and ends the agent's leg if the customer is busy or does not answer.
It is a call of its own in the journal (``call.dialed``, outbound), so the
CRM gets an outbound interaction on the customer's timeline.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from contactcenter.engine.calls import priority_of
from contactcenter.events.journal import CallRecord
from contactcenter.telephony import commands as dc

Queue = Callable[[dc.DriverCommand], None]
Publish = Callable[[dict[str, Any]], None]

#: what a number must look like to be dialed: digits, an optional leading +
DIALABLE = re.compile(r"^\+?[0-9]{3,20}$")
#: seconds the customer's phone rings before the attempt counts as not answered
CUSTOMER_RING = 30
RINGBACK = ("tone:ring",)


class CallbackCall:
    """One attempt to call a customer back, for the agent who answered it."""

    def __init__(self, *, call_id: str, record_id: str, number: str, queue: str | None,
                 send: Queue, publish: Publish, clock: Callable[[], float],
                 outcome_prefix: str = "callback_", agent: str | None = None) -> None:
        """``outcome_prefix``: what the outcomes of a call not answered start with;
        ``agent``: whose call it is, when known from the start (click-to-talk)."""
        self.agent = agent
        self._prefix = outcome_prefix
        self.call_id = call_id  #: the virtual caller in the ACD
        self.record_id = record_id  #: this outbound call's own record in the journal
        self.number = number
        self._send = send
        self._publish = publish
        self._clock = clock
        self.started = clock()
        self.agent_leg: str | None = None
        self.customer_leg = f"{call_id}-customer"
        self.bridge = ""
        self.answered = False
        self.ended = False
        self.queue = queue
        self.opened = False  #: its record in the journal began (``open_record``)

    def open_record(self) -> None:
        """The outbound call's record begins (once): a callback's when its customer is
        dialed (a ring the agent let pass is no attempt), click-to-talk's at the click."""
        if not self.opened:
            self.opened = True
            origin = {"origin": self.call_id} if self.record_id != self.call_id else {}
            self._emit("call.dialed", caller=self.number, dialed=self.number,
                       direction="outbound", queue=self.queue, **origin)

    def _emit(self, kind: str, /, **data: Any) -> None:
        """One of this call's events; with its agent, once known, for the agent's stream."""
        who = {"agent": self.agent} if self.agent else {}
        self._publish({**who, **data, "type": kind, "call_id": self.record_id,
                       "time": self._clock()})

    # -- what the distributor says, as to a waiting caller (CallSide) ---------------------

    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None:
        """The agent answered: ringing in their ear while the customer is dialed."""
        self.agent_leg, self.bridge, self.agent = leg_id, bridge_id, agent
        self.open_record()
        self._send(dc.PlayMedia(call_id=leg_id, playback_id=f"{leg_id}:ringback",
                                media=RINGBACK))
        self._send(dc.DialCustomer(call_id=self.call_id, leg_id=self.customer_leg,
                                   number=self.number, timeout=CUSTOMER_RING))

    def overflow(self, kind: str, target: str | None) -> None:
        """A virtual caller does not overflow again; nothing to do."""

    def hang_up(self, reason: str) -> None:
        """The agent hung up (or the call was withdrawn): the customer's leg goes too."""
        self._send(dc.HangupCall(call_id=self.customer_leg, reason=reason))
        self.finish("" if self.answered else "cancelled")

    # -- the customer's leg ---------------------------------------------------------------

    def customer_answered(self) -> None:
        if self.agent_leg is None or self.ended:
            self._send(dc.HangupCall(call_id=self.customer_leg))
            return
        self.answered = True
        self._send(dc.StopMedia(call_id=self.agent_leg, playback_id=f"{self.agent_leg}:ringback"))
        self._send(dc.AddToBridge(call_id=self.call_id, bridge_id=self.bridge,
                                  channels=(self.agent_leg, self.customer_leg)))
        self._emit("callback.connected", number=self.number)
        # talk time counts from here, not from the agent's pick-up (the ringing before)
        self._emit("call.answered", queue=self.queue, wait=round(
            self._clock() - self.started, 3))

    def finish(self, cause: str) -> None:
        """The attempt is over: ``answered``, or why not (busy, no answer, cancelled)."""
        if self.ended or not self.opened:
            return  # (a record never begun has nothing to end)
        self.ended = True
        outcome = "answered" if self.answered else self._prefix + _cause(cause)
        self._emit("call.ended", cause=cause, outcome=outcome,
                   duration=round(self._clock() - self.started, 3))


def _cause(cause: str) -> str:
    """Asterisk's hang-up cause text -> a short outcome word."""
    text = cause.lower()
    if text in ("cancelled", "agent_missed"):
        return text
    if "busy" in text:
        return "busy"
    if text in ("", "left", "normal", "normal clearing") or "no answer" in text \
            or "no user" in text:
        return "no_answer"
    return "failed"


@dataclass(frozen=True, slots=True)
class Promise:
    """A callback promised and not yet dialed: what it takes to put it back in line."""

    queue: str
    number: str
    priority: int
    skill: str | None
    variables: dict[str, str]
    since: float  #: when it was asked for: its place in line


@dataclass(frozen=True, slots=True)
class PendingCallback:
    """A callback promised before a restart and not yet attempted."""

    call_id: str
    queue: str
    number: str
    since: float
    priority: int


def pending_callbacks(records: Iterable[CallRecord]) -> list[PendingCallback]:
    """The callbacks the journal promised that no attempt answered: a restart of the app
    (which forgets the ACD's virtual callers) must not break the promise."""
    records = list(records)
    attempted = {record.call_id for record in records if record.direction == "outbound"}
    pending = []
    for record in records:
        if record.state != "ended" or f"{record.call_id}-callback" in attempted:
            continue
        promise = _promise(record.all_events())
        if promise is not None:
            queue, number, since = promise
            priority = priority_of(record.variables)
            pending.append(PendingCallback(record.call_id, queue, number, since, priority))
    return sorted(pending, key=lambda callback: callback.since)


def _promise(events: list[dict[str, Any]]) -> tuple[str, str, float] | None:
    """(queue, number, when) of the callback a call's events promised, unless withdrawn."""
    promise = None
    for event in events:
        kind = event["type"]
        if kind == "callback.requested" and event.get("queue") and event.get("number"):
            promise = (str(event["queue"]), str(event["number"]), float(event["time"]))
        elif kind == "call.overflowed" and event.get("kind") == "callback" \
                and event.get("target"):
            promise = (str(event["queue"]), str(event["target"]), float(event["time"]))
        elif kind in ("callback.withdrawn", "callback.refused", "call.abandoned") \
                and promise is not None:
            promise = None  # withdrawn (no outbound peer), refused by the rules, cancelled
    return promise
