"""The asyncio side of call control: agents' requests in, the core's commands carried out.

``contactcenter.calls.control`` decides what hold, transfer, consult and
conference do to a call's parties; this module only translates. The
distributor hands it each caller it connects to an agent (``connected``); the
web hands it the agent's requests (``ask``), which answer at once with the
call's state or ``ControlRefused``; the driver's news for the legs it rang
comes through ``answered`` and ``leg_ended``. Commands on legs and the bridge
go to the driver in order through the distributor's sender; the ACD's part
(the agent's wrap-up, a caller back in a queue, a consulted agent reserved or
taking over) goes to the distributor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from contactcenter.calls import Decision, Refused
from contactcenter.calls.control import CallControl, TalkState, TalkView
from contactcenter.calls.control import commands as cc
from contactcenter.calls.control import events as ce
from contactcenter.calls.control.targets import (
    Floor,
    TargetRefused,
    outside_refusal,
    target_for,
)
from contactcenter.calls.offers.records import bridge_of
from contactcenter.engine.deadlines import run_deadlines
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

log = logging.getLogger(__name__)

Publish = Callable[[dict[str, Any]], None]


class ControlRefused(Exception):
    """A request that cannot be done: the HTTP status and the reason for the agent."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


class Seats(Protocol):
    """What call control needs of the distributor (``contactcenter.engine.distribution``)."""

    dial_out: bool

    def queue(self, command: dc.DriverCommand) -> None: ...

    def release_agent(self, call_id: str) -> None: ...

    def requeue(self, call_id: str, *, queue: str, priority: int, agent: str | None,
                handled_by: tuple[str, ...]) -> None: ...

    def reserve(self, agent: str, reserved: bool) -> None: ...

    def hand_over(self, call_id: str, *, agent: str, leg_id: str, queue: str,
                  priority: int) -> None: ...

    def hang_up_caller(self, call_id: str) -> bool: ...

    def end_call(self, call_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class _Call:
    """What the adapter keeps of a call under control: who carries out the ACD's part,
    the caller's leg, and the record its news goes on."""

    seats: Seats
    caller_leg: str
    record: str


class Controller:
    """The call control core's adapter."""

    def __init__(self, core: CallControl, seats: Seats, *, publish: Publish,
                 clock: Callable[[], float]) -> None:
        self.core = core
        self._seats = seats
        self._publish = publish
        self._clock = clock
        self._wake = asyncio.Event()
        #: legs of calls under control (inbound callers' aside) -> their call
        self._legs: dict[str, str] = {}
        self._calls: dict[str, _Call] = {}
        self._by_record: dict[str, str] = {}  #: a callback's record -> its call
        self._leaving: list[str] = []

    # -- in ------------------------------------------------------------------------------

    def connected(self, *, call_id: str, caller: str, agent: str, agent_leg: str, queue: str,
                  priority: int, bridge: str, caller_leg: str | None = None,
                  record: str | None = None, seats: Seats | None = None) -> None:
        """Caller and agent bridged. An inbound caller's leg is the call's id; a customer
        the platform dialed (``caller_leg``) has its own, its news its own ``record``, and
        its call may be carried out by another part than the ACD's (``seats``)."""
        leg = caller_leg or call_id
        self._calls[call_id] = _Call(seats or self._seats, leg, record or call_id)
        if record is not None and record != call_id:
            self._by_record[record] = call_id
        self._legs[agent_leg] = call_id
        if leg != call_id:
            self._legs[leg] = call_id
        self._handle(ce.Connected(call_id=call_id, caller_leg=leg, caller=caller,
                                  agent=agent, agent_leg=agent_leg, queue=queue,
                                  priority=priority, bridge=bridge,
                                  outbound=caller_leg is not None))

    def handed_off_resumed(self, *, call_id: str, caller: str, other_leg: str,
                           other_kind: str, other: str, queue: str, priority: int,
                           handled_by: tuple[str, ...]) -> None:
        """After a restart: a caller still talking with the party their agent handed them
        to (an outside number, a person's phone); either hanging up ends the call."""
        self._calls[call_id] = _Call(self._seats, call_id, call_id)
        self._legs[other_leg] = call_id
        self._handle(ce.HandedOffResumed(
            call_id=call_id, caller=caller, other_leg=other_leg, other=other,
            other_kind=other_kind, queue=queue,
            priority=priority, bridge=bridge_of(call_id), handled_by=handled_by))

    def ask(self, request: ce.Request) -> TalkView:
        """Carry out an agent's request; the call's state after it, or ``ControlRefused``."""
        commands = self.core.handle(request, self._clock())
        refusal = next((c for c in commands if isinstance(c, cc.Refusal)), None)
        self._carry_out(commands)
        if refusal is not None:
            raise ControlRefused(refusal.status, refusal.reason)
        view = self.view(request.call_id)
        return view or TalkView(call_id=request.call_id, state=_left(commands), agent=None,
                                queue="", held_total=0.0, muted=False, parties=())

    def view(self, call_id: str) -> TalkView | None:
        view = self.core.view(call_id, self._clock())
        return replace(view, record=self.record_of(call_id)) if view is not None else None

    def resolve(self, call_id: str) -> str:
        """The call under control that ``call_id`` names: itself, or the call whose
        record it is (a callback's attempt, which the desktop knows by its record)."""
        if call_id in self._calls or call_id not in self._by_record:
            return call_id
        return self._by_record[call_id]

    def record_of(self, call_id: str) -> str:
        """The record a call's news goes on (a callback's attempt has its own)."""
        call = self._calls.get(call_id)
        return call.record if call is not None else call_id

    def core_clock(self) -> float:
        return self._clock()

    def target(self, kind: str, name: str, *, blind: bool, floor: Floor) -> ce.Target:
        """The target a transfer or consultation names, if it can take the call now
        (``contactcenter.calls.control.targets``); ``ControlRefused`` says why not."""
        found = target_for(kind, name, blind=blind, floor=floor)
        if isinstance(found, TargetRefused):
            raise ControlRefused(found.status, found.reason)
        return found

    def may_dial_out(self) -> None:
        """``ControlRefused`` when no outside number can be a target at all."""
        refused = outside_refusal(dial_out=self._seats.dial_out)
        if refused is not None:
            raise ControlRefused(refused.status, refused.reason)

    def number_target(self, call_id: str, number: str, decision: Decision, *,
                      asked_by: str | None) -> ce.Target:
        """An outside number once the call gate decided: its refusal goes on the call's
        record (``call.transfer_refused``) and to the agent (``ControlRefused``)."""
        if isinstance(decision, Refused):
            self._publish({"type": "call.transfer_refused", "call_id": self.record_of(call_id),
                           "agent": asked_by, "number": number, "rule": decision.rule,
                           "reason": decision.reason, "time": self._clock()})
            raise ControlRefused(409, f"{number}: {decision.reason} ({decision.rule})")
        return ce.Target(kind="number", name=number)

    def publish(self, event: dict[str, Any]) -> None:
        """A domain event of a call under control (the journal keeps it with the call)."""
        self._publish(event)

    def has(self, call_id: str) -> bool:
        return self.view(call_id) is not None

    def owns(self, leg_id: str) -> bool:
        return leg_id in self._legs

    def answered(self, event: de.PartyAnswered | de.CustomerAnswered) -> bool:
        """A leg rung for a consultation or a transfer answered; False if not one of ours."""
        call_id = self._legs.get(event.leg_id)
        if call_id is None:
            return False
        self._handle(ce.PartyAnswered(call_id=call_id, leg=event.leg_id))
        return True

    def leg_ended(self, leg_id: str, cause: str) -> bool:
        """A leg of a call under control is gone; False if not ours."""
        call_id = self._legs.pop(leg_id, None)
        if call_id is None:
            return False
        self._handle(ce.LegGone(call_id=call_id, leg=leg_id, cause=cause))
        return True

    def caller_gone(self, call_id: str, cause: str) -> bool:
        """The caller (or the customer dialed) hung up; False if the call is not ours."""
        call = self._calls.get(call_id)
        if call is None or not self.has(call_id):
            return False
        self._legs.pop(call.caller_leg, None)
        self._handle(ce.LegGone(call_id=call_id, leg=call.caller_leg, cause=cause))
        return True

    # -- out -----------------------------------------------------------------------------

    def _handle(self, event: ce.ControlEvent) -> None:
        self._carry_out(self.core.handle(event, self._clock()))

    def _carry_out(self, commands: list[cc.ControlCommand]) -> None:
        for command in commands:
            try:
                self._command(command)
            except Exception:  # one bad command must not stop the others
                log.exception("call control command %r failed", command)
        while self._leaving:
            call_id = self._leaving.pop()
            if not self.has(call_id):  # (a new connection may have come in the batch)
                gone = self._calls.pop(call_id, None)
                if gone is not None:
                    self._by_record.pop(gone.record, None)
        self._wake.set()

    def _seats_of(self, call_id: str) -> Seats:
        call = self._calls.get(call_id)
        return call.seats if call is not None else self._seats

    def _command(self, command: cc.ControlCommand) -> None:
        seats = self._seats_of(getattr(command, "call_id", ""))
        match command:
            case cc.RingParty():
                self._ring(command)
            case cc.Bridge(call_id=call_id, bridge=bridge, legs=legs):
                seats.queue(dc.AddToBridge(call_id=call_id, bridge_id=bridge, channels=legs))
            case cc.Unbridge(call_id=call_id, bridge=bridge, leg=leg):
                seats.queue(dc.RemoveFromBridge(call_id=call_id, bridge_id=bridge, channel=leg))
            case cc.Music(leg=leg, on=on):
                seats.queue(dc.StartHold(call_id=leg) if on else dc.StopHold(call_id=leg))
            case cc.Mute(leg=leg, on=on):
                seats.queue(dc.MuteChannel(call_id=leg, on=on))
            case cc.HangUp(call_id=call_id, leg=leg):
                self._legs.pop(leg, None)
                caller = self._calls.get(call_id)
                if caller is None or leg != caller.caller_leg \
                        or not seats.hang_up_caller(call_id):
                    seats.queue(dc.HangupCall(call_id=leg))
            case cc.CloseBridge(call_id=call_id, bridge=bridge):
                seats.queue(dc.DestroyBridge(call_id=call_id, bridge_id=bridge))
            case _:
                self._seat_command(command)

    def _seat_command(self, command: cc.ControlCommand) -> None:
        """What the ACD's side does: the agents and the queues."""
        seats = self._seats_of(getattr(command, "call_id", ""))
        match command:
            case cc.ReleaseAgent(call_id=call_id):
                seats.release_agent(call_id)
            case cc.Requeue(call_id=call_id, queue=queue, priority=priority, agent=agent,
                            handled_by=handled_by):
                self._forget(call_id)
                seats.requeue(call_id, queue=queue, priority=priority, agent=agent,
                              handled_by=handled_by)
            case cc.Reserve(agent=agent) | cc.Unreserve(agent=agent):
                self._seats.reserve(agent, isinstance(command, cc.Reserve))  # the ACD's
            case cc.HandOver(call_id=call_id, agent=agent, leg=leg, queue=queue,
                             priority=priority):
                seats.hand_over(call_id, agent=agent, leg_id=leg, queue=queue,
                                priority=priority)
            case cc.EndCall(call_id=call_id):
                self._forget(call_id)
                seats.end_call(call_id)
            case cc.Report(type=kind, data=data):
                record = self.record_of(str(data.get("call_id")))
                self._publish({**dict(data), "call_id": record, "type": kind,
                               "time": self._clock()})

    def _ring(self, command: cc.RingParty) -> None:
        to = command.to
        self._legs[command.leg] = command.call_id
        seats = self._seats_of(command.call_id)
        if to.kind == "number":
            seats.queue(dc.DialCustomer(call_id=command.call_id, leg_id=command.leg,
                                              number=to.name, caller_id=command.caller_id,
                                              timeout=command.timeout))
        else:
            seats.queue(dc.RingAgent(call_id=command.call_id, leg_id=command.leg,
                                           endpoint=to.endpoint or to.name,
                                           caller_id=command.caller_id,
                                           timeout=command.timeout, purpose="party"))

    def _forget(self, call_id: str) -> None:
        self._leaving.append(call_id)  # its reports in this batch still need its record
        for leg in [leg for leg, call in self._legs.items() if call == call_id]:
            del self._legs[leg]

    def failed(self, command: dc.DriverCommand) -> bool:
        """A leg that could not even start (the driver refused it): gone, for the core."""
        if isinstance(command, dc.RingAgent | dc.DialCustomer) and command.leg_id in self._legs:
            self.leg_ended(command.leg_id, "unreachable")
            return True
        return False

    def channels(self) -> set[str]:
        """The legs it drives that Asterisk should have now."""
        return set(self._legs)

    def records(self) -> set[str]:
        """No journal records of its own: a call's news goes on the caller's."""
        return set()

    async def run(self) -> None:
        """The core's ring timers; until cancelled."""
        await run_deadlines(self.core.next_deadline, self._tick, self._wake, self._clock,
                            name="call control")

    def _tick(self) -> None:
        self._carry_out(self.core.handle_timer(self._clock()))


def _left(commands: list[cc.ControlCommand]) -> TalkState:
    """The state a call left control in (a transfer: requeued; otherwise ended)."""
    requeued = any(isinstance(c, cc.Requeue) for c in commands)
    return TalkState.REQUEUED if requeued else TalkState.ENDED


class AcdFloor:
    """The floor a transfer's target is checked on, read from the ACD and the phones."""

    def __init__(self, distributor: Any) -> None:
        """``distributor``: ``contactcenter.engine.distribution.Distributor``."""
        self._distributor = distributor

    def has_queue(self, name: str) -> bool:
        return name in self._distributor.acd.config.queues

    def agent_state(self, name: str) -> tuple[str, str] | None:
        if name not in self._distributor.acd.config.agents:
            return None
        view = self._distributor.acd.agent_state(name)
        return str(view.state.value), str(view.reason or "")

    def phone(self, person: str) -> str | None:
        registered = self._distributor.registered
        return str(registered.ring(person)) if person in registered else None
