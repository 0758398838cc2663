"""The asyncio side of click-to-talk: an agent's call to a number, the agent's phone
first, then the customer's, then both bridged.

``contactcenter.calls.click_to_talk`` decides who may place a call, when each
leg rings, what each leg's end does and when the agent is released (its theory
of operation is ``states.py``); this module only translates. The web route's
request becomes ``CallAsked`` with what the ACD knows of the agent and what the
call gate decided (``contactcenter.calls``, ``web/outbound_routes.py``: it
decides before anything rings); the driver's news of the legs becomes the
core's events, and so do call control's calls on its ``Seats`` once the
customer answered. The customer's half of the call (ringback, the dial, the
bridge, the outbound record and its outcome) is a ``CallbackCall``, as for a
callback; the ACD's part (the agent paused meanwhile with the reason
``outbound``, available again after) goes to the distributor.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.model import AgentId
from contactcenter.acd.states import AgentState
from contactcenter.calls import PlacementState
from contactcenter.calls.click_to_talk import AGENT_RING, PlacedCalls, refusal_of
from contactcenter.calls.click_to_talk import commands as kc
from contactcenter.calls.click_to_talk import events as ke
from contactcenter.engine.agent_store import OUTBOUND_PAUSE
from contactcenter.engine.callbacks import CallbackCall
from contactcenter.engine.control import Controller
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.sender import OrderedSender
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

__all__ = ["AGENT_RING", "ClickToTalk", "OutboundRefused", "Publish", "Send"]

log = logging.getLogger(__name__)

Send = Callable[[dc.DriverCommand], Awaitable[None]]
Publish = Callable[[dict[str, Any]], None]


class OutboundRefused(Exception):
    """The agent cannot place a call now (no phone, busy); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ClickToTalk:
    """Calls the agents place themselves; the engine hands it their legs' events."""

    def __init__(self, distributor: Distributor, *, send: Send, publish: Publish,
                 clock: Callable[[], float] = time.time) -> None:
        self.core = PlacedCalls()
        self._distributor = distributor
        self._publish = publish
        self._clock = clock
        self._sides: dict[str, CallbackCall] = {}  #: each call's customer half
        self._sender = OrderedSender(send, name="click-to-talk", on_failure=self._failed)
        self._ids = itertools.count(1)
        #: the call gate; once attached, only the calls it cleared are placed
        self.gate: Gatekeeper | None = None
        #: call control, told of each customer who answered (``ControlSeats`` below)
        self.control: Controller | None = None
        #: whether customers can be dialed: they can, the call itself dialed one
        self.dial_out = True

    def channels(self) -> set[str]:
        """The legs of its calls that Asterisk should have now (a customer once dialed)."""
        return self.core.channels()

    def records(self) -> set[str]:
        return self.core.calls()

    def busy(self, agent: str) -> bool:
        """The agent is placing or on a call of their own."""
        return self.core.busy(agent)

    def known_agents(self) -> set[str]:
        return set(self._distributor.acd.config.agents)

    def new_id(self) -> str:
        """An id for a call about to be placed (the call gate checks it under this id)."""
        return f"out-{int(self._clock())}-{next(self._ids)}"

    def check(self, agent: str) -> AgentState:
        """The agent's state, if they can place a call now; ``OutboundRefused`` if not."""
        state = self._state_of(agent)
        reason = refusal_of(agent, registered=agent in self._distributor.registered,
                            state=state, busy=self.core.busy(agent))
        if reason is not None:
            raise OutboundRefused(reason)
        assert state is not None  # (an agent the ACD does not know is refused)
        return state

    def start(self, agent: str, number: str, *, call_id: str | None = None) -> str:
        """Ring ``agent``'s phone for a call to ``number`` that the call gate cleared
        under ``call_id`` (``new_id``); the call's id."""
        call_id = call_id or self.new_id()
        registered = self._distributor.registered
        cleared = self.gate is None or \
            self.gate.gate.state(call_id) is PlacementState.PLACED
        commands = self.core.handle(ke.CallAsked(
            call_id=call_id, agent=agent, number=number, registered=agent in registered,
            endpoint=registered.ring(agent), agent_state=self._state_of(agent),
            cleared=cleared), self._clock())
        refusal = next((c for c in commands if isinstance(c, kc.Refusal)), None)
        if refusal is not None:
            raise OutboundRefused(refusal.reason)
        self._carry_out(commands)
        return call_id

    def _state_of(self, agent: str) -> AgentState | None:
        """The ACD's state of ``agent``; None for an agent it does not know."""
        if agent not in self._distributor.acd.config.agents:
            return None
        return self._distributor.acd.agent_state(agent).state

    # -- the legs' news, from the engine ----------------------------------------------------

    def answered(self, event: de.AgentAnswered | de.CustomerAnswered) -> bool:
        """A leg of one of ours answered; False when the call is none of ours."""
        if isinstance(event, de.AgentAnswered):
            return self.agent_answered(event)
        return self.customer_answered(event)

    def agent_answered(self, event: de.AgentAnswered) -> bool:
        """False when the call is none of ours."""
        if not self.core.knows(event.call_id):
            return False
        self._handle(ke.AgentAnswered(call_id=event.call_id, leg=event.leg_id))
        return True

    def customer_answered(self, event: de.CustomerAnswered) -> bool:
        if not self.core.knows(event.call_id):
            return False
        self._handle(ke.CustomerAnswered(call_id=event.call_id, leg=event.leg_id,
                                         under_control=self.control is not None))
        return True

    def leg_ended(self, leg_id: str, cause: str) -> bool:
        """A leg ended; False when it is none of ours."""
        if not self.core.owns(leg_id):
            return False
        self._handle(ke.LegGone(leg=leg_id, cause=cause))
        return True

    # -- what call control asks of the calls' side (its ``Seats``) -----------------------------

    def queue(self, command: dc.DriverCommand) -> None:
        self._sender.put(command)

    def release_agent(self, call_id: str) -> None:
        """The agent's part is over (a transfer): available again, if we paused them."""
        self._handle(ke.AgentReleased(call_id=call_id))

    def requeue(self, call_id: str, *, queue: str, priority: int, agent: str | None,
                handled_by: tuple[str, ...]) -> None:
        """A customer the platform dialed waits in no queue (the core refuses it)."""
        log.warning("click-to-talk %s cannot go to a queue; hung up", call_id)
        self.hang_up_caller(call_id)

    def reserve(self, agent: str, reserved: bool) -> None:
        self._distributor.reserve(agent, reserved)

    def hand_over(self, call_id: str, *, agent: str, leg_id: str, queue: str,
                  priority: int) -> None:
        """A consulted agent took the call over: theirs now, paused for it like its placer."""
        self._handle(ke.HandedOver(call_id=call_id, agent=agent, leg=leg_id))

    def hang_up_caller(self, call_id: str) -> bool:
        if not self.core.live(call_id):
            return False
        self._handle(ke.CustomerHangUpAsked(call_id=call_id))
        return True

    def end_call(self, call_id: str) -> None:
        """Call control is done with it: the record ends, the agent is free."""
        self._handle(ke.ControlEnded(call_id=call_id))

    # -- the core's commands ------------------------------------------------------------------

    def _handle(self, event: ke.ClickEvent) -> None:
        self._carry_out(self.core.handle(event, self._clock()))

    def _carry_out(self, commands: list[kc.ClickCommand]) -> None:
        for command in commands:
            try:
                self._command(command)
            except Exception:  # one bad command must not stop the others
                log.exception("click-to-talk command %r failed", command)

    def _command(self, command: kc.ClickCommand) -> None:
        put = self._sender.put
        match command:
            case kc.RingAgent(call_id=call_id, leg=leg, endpoint=endpoint,
                              caller_id=caller_id, timeout=timeout):
                put(dc.RingAgent(call_id=call_id, leg_id=leg, endpoint=endpoint,
                                 caller_id=caller_id, timeout=timeout))
            case kc.OpenBridge(call_id=call_id, bridge=bridge):
                put(dc.CreateBridge(call_id=call_id, bridge_id=bridge))
            case kc.HangUp(leg=leg):
                put(dc.HangupCall(call_id=leg))
            case kc.CloseBridge(call_id=call_id, bridge=bridge):
                put(dc.DestroyBridge(call_id=call_id, bridge_id=bridge))
            case kc.Report(type=kind, data=data):
                self._publish({"type": kind, **dict(data)})
            case _:
                self._side_command(command)

    def _side_command(self, command: kc.ClickCommand) -> None:
        """The customer's half, call control's and the ACD's part."""
        match command:
            case kc.OpenRecord(call_id=call_id, agent=agent, number=number):
                side = self._sides[call_id] = CallbackCall(
                    call_id=call_id, record_id=call_id, number=number, queue=None,
                    send=self._sender.put, publish=self._publish, clock=self._clock,
                    outcome_prefix="", agent=agent)
                side.open_record()
            case kc.DialCustomer(call_id=call_id, agent=agent, agent_leg=leg, bridge=bridge):
                self._sides[call_id].connected(agent, leg, bridge)
            case kc.BridgeCustomer(call_id=call_id):
                self._sides[call_id].customer_answered()  # its record: call.answered
            case kc.ToControl():
                self._to_control(command)
            case kc.EndRecord(call_id=call_id, cause=cause):
                self._sides.pop(call_id).finish(cause)
            case kc.PauseAgent(agent=agent):
                self._distributor.agent_event(ae.AgentPaused(agent=AgentId(agent),
                                                             reason=OUTBOUND_PAUSE))
            case kc.ReleaseAgent(agent=agent, unpause=True):
                self._unpause(agent)

    def _to_control(self, command: kc.ToControl) -> None:
        if self.control is not None:
            self.control.connected(
                call_id=command.call_id, caller=command.number, agent=command.agent,
                agent_leg=command.agent_leg, queue="", priority=0, bridge=command.bridge,
                caller_leg=command.customer_leg, record=command.call_id, seats=self)

    def _unpause(self, agent: str) -> None:
        """Back to available, if still paused for the call (they chose nothing else since)."""
        view = self._distributor.acd.agent_state(agent)
        if view.state is AgentState.PAUSED and view.reason == OUTBOUND_PAUSE:
            self._distributor.agent_event(ae.AgentAvailable(agent=AgentId(agent)))

    def _failed(self, command: dc.DriverCommand) -> None:
        if self.control is not None and self.control.failed(command):
            return
        if isinstance(command, dc.RingAgent | dc.DialCustomer):  # a leg that cannot start
            self.leg_ended(command.leg_id, "unreachable")

    async def run(self) -> None:
        """Send the commands in order (a bridge after its leg), until cancelled."""
        await self._sender.run()
