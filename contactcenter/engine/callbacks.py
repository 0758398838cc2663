"""Calling a customer back: the asyncio side of one attempt, and the promises a restart
must keep.

The rules of an attempt (the agent first, then the customer dialed with
ringback, both bridged when the customer answers, its own outbound record and
outcome) are ``contactcenter.calls.callback.Attempt``'s. ``CallbackCall``
feeds it and carries its commands out: click-to-talk's customer half; the
distributor's callbacks go through the callbacks core (``callback_line.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from contactcenter.calls.callback import CUSTOMER_RING, DIALABLE, RINGBACK, Attempt, promised
from contactcenter.calls.callback import commands as bc
from contactcenter.calls.callback import events as be
from contactcenter.engine.calls import priority_of
from contactcenter.events.journal import CallRecord
from contactcenter.telephony import commands as dc

Queue = Callable[[dc.DriverCommand], None]
Publish = Callable[[dict[str, Any]], None]

__all__ = ["CUSTOMER_RING", "DIALABLE", "RINGBACK", "CallbackCall", "PendingCallback",
           "pending_callbacks"]


class CallbackCall:
    """One attempt to call a customer for an agent: its commands sent, its news published."""

    def __init__(self, *, call_id: str, record_id: str, number: str, queue: str | None,
                 send: Queue, publish: Publish, clock: Callable[[], float],
                 outcome_prefix: str = "callback_", agent: str | None = None) -> None:
        """``outcome_prefix``: what the outcomes of a call not answered start with;
        ``agent``: whose call it is, when known from the start (click-to-talk)."""
        self.attempt = Attempt(call_id=call_id, record_id=record_id, number=number,
                               queue=queue, started=clock(), outcome_prefix=outcome_prefix,
                               agent=agent)
        self._send = send
        self._publish = publish
        self._clock = clock
        self.call_id, self.record_id, self.number = call_id, record_id, number
        self.queue, self.customer_leg = queue, self.attempt.customer_leg

    @property
    def agent(self) -> str | None:
        return self.attempt.agent

    @property
    def agent_leg(self) -> str | None:
        return self.attempt.agent_leg

    @property
    def bridge(self) -> str:
        return self.attempt.bridge

    @property
    def answered(self) -> bool:
        return self.attempt.answered

    @property
    def ended(self) -> bool:
        return self.attempt.ended

    @property
    def opened(self) -> bool:
        return self.attempt.opened

    @property
    def started(self) -> float:
        return self.attempt.started

    def open_record(self) -> None:
        """The outbound call's record begins (once)."""
        self._feed(be.AttemptBegun(call_id=self.call_id))

    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None:
        """The agent answered: ringing in their ear while the customer is dialed."""
        self._feed(be.AgentConnected(call_id=self.call_id, agent=agent, leg_id=leg_id,
                                     bridge=bridge_id))

    def overflow(self, kind: str, target: str | None) -> None:
        """Nobody waits in a queue here; nothing to do."""

    def hang_up(self, reason: str) -> None:
        """The agent hung up (or the call was withdrawn): the customer's leg goes too."""
        self._feed(be.AgentLeft(call_id=self.call_id, reason=reason))

    def customer_answered(self) -> None:
        self._feed(be.CustomerAnswered(call_id=self.call_id, leg_id=self.customer_leg))

    def finish(self, cause: str) -> None:
        """The attempt is over: ``answered``, or why not (busy, no answer, cancelled)."""
        self._feed(be.AttemptOver(call_id=self.call_id, cause=cause))

    def _feed(self, event: be.AttemptEvent) -> None:
        for command in self.attempt.handle(event, self._clock()):
            if isinstance(command, bc.Publish):
                self._publish({**command.data, "type": command.type})
            else:
                self._send(command)


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
        promise = promised(record.all_events())
        if promise is not None:
            queue, number, since = promise
            priority = priority_of(record.variables)
            pending.append(PendingCallback(record.call_id, queue, number, since, priority))
    return sorted(pending, key=lambda callback: callback.since)
