"""Click-to-talk: the agent's phone rings first, then the customer's, then they talk.

An agent clicks a number on the desktop. The platform rings the agent's own
phone with the number on its display; once the agent picks up they hear
ringing while the customer is dialed (``CallbackCall`` does that half, as for
a callback), and the two are bridged when the customer answers. Meanwhile the
ACD offers the agent nothing: an available agent is paused with the reason
``outbound`` for the call and made available again after it (unless they
chose another state meanwhile). Whether the number may be called at all (the
do-not-call list, the callee's calling hours) is the call gate's to decide
before this starts (``contactcenter.calls``, ``web/outbound_routes.py``).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.model import AgentId
from contactcenter.acd.states import AgentState
from contactcenter.calls import PlacementState
from contactcenter.engine.agent_store import OUTBOUND_PAUSE
from contactcenter.engine.callbacks import CallbackCall
from contactcenter.engine.control import Controller
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.sender import OrderedSender
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

log = logging.getLogger(__name__)

Send = Callable[[dc.DriverCommand], Awaitable[None]]
Publish = Callable[[dict[str, Any]], None]
#: seconds the agent's own phone rings before the attempt is given up
AGENT_RING = 20


class OutboundRefused(Exception):
    """The agent cannot place a call now (no phone, busy); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Outbound:
    agent: str
    agent_leg: str
    side: CallbackCall
    paused_us: bool  #: we paused the agent for it, so we make them available after
    agent_answered: bool = False
    released: bool = False  #: the agent's part is over (they transferred it, or left)


class ClickToTalk:
    """Calls the agents place themselves; the engine hands it their legs' events."""

    def __init__(self, distributor: Distributor, *, send: Send, publish: Publish,
                 clock: Callable[[], float] = time.time) -> None:
        self._distributor = distributor
        self._publish = publish
        self._clock = clock
        self.calls: dict[str, _Outbound] = {}
        self._legs: dict[str, str] = {}  # leg -> its call
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
        out = set()
        for call in self.calls.values():
            if not call.released:  # (an agent who transferred the call has left it)
                out.add(call.agent_leg)
            if call.side.agent_leg is not None:
                out.add(call.side.customer_leg)
        return out

    def records(self) -> set[str]:
        return set(self.calls)

    def busy(self, agent: str) -> bool:
        """The agent is placing or on a call of their own."""
        return any(call.agent == agent for call in self.calls.values())

    def known_agents(self) -> set[str]:
        return set(self._distributor.acd.config.agents)

    def new_id(self) -> str:
        """An id for a call about to be placed (the call gate checks it under this id)."""
        return f"out-{int(self._clock())}-{next(self._ids)}"

    def check(self, agent: str) -> AgentState:
        """The agent's state, if they can place a call now; ``OutboundRefused`` if not."""
        distributor = self._distributor
        if agent not in distributor.registered:
            raise OutboundRefused(f"{agent}'s phone is not registered")
        state = distributor.acd.agent_state(agent).state
        if state not in (AgentState.AVAILABLE, AgentState.PAUSED, AgentState.LOGGED_OUT):
            raise OutboundRefused(f"{agent} is {state.value}: finish that call first")
        if any(call.agent == agent for call in self.calls.values()):
            raise OutboundRefused(f"{agent} is already placing a call")
        return state

    def start(self, agent: str, number: str, *, call_id: str | None = None) -> str:
        """Ring ``agent``'s phone for a call to ``number`` that the call gate cleared
        under ``call_id`` (``new_id``); the call's id."""
        distributor = self._distributor
        state = self.check(agent)  # again: the gate's lookup took a moment
        call_id = call_id or self.new_id()
        if self.gate is not None and self.gate.gate.state(call_id) is not PlacementState.PLACED:
            raise OutboundRefused(f"{call_id} was not cleared by the calling rules")
        paused_us = state is AgentState.AVAILABLE
        if paused_us:
            distributor.agent_event(ae.AgentPaused(agent=AgentId(agent), reason=OUTBOUND_PAUSE))
        side = CallbackCall(call_id=call_id, record_id=call_id, number=number, queue=None,
                            send=self._sender.put, publish=self._publish,
                            clock=self._clock, outcome_prefix="", agent=agent)
        side.open_record()
        leg = f"{call_id}-agent"
        self.calls[call_id] = _Outbound(agent=agent, agent_leg=leg, side=side,
                                        paused_us=paused_us)
        self._legs[leg] = self._legs[side.customer_leg] = call_id
        self._publish({"type": "call.offered", "call_id": call_id, "agent": agent,
                       "queue": None, "direction": "outbound", "time": self._clock()})
        self._sender.put(dc.RingAgent(call_id=call_id, leg_id=leg,
                                      endpoint=distributor.registered.ring(agent),
                                             caller_id=number, timeout=AGENT_RING))
        return call_id

    # -- the legs' news, from the engine ----------------------------------------------------

    def answered(self, event: de.AgentAnswered | de.CustomerAnswered) -> bool:
        """A leg of one of ours answered; False when the call is none of ours."""
        if isinstance(event, de.AgentAnswered):
            return self.agent_answered(event)
        return self.customer_answered(event)

    def agent_answered(self, event: de.AgentAnswered) -> bool:
        """False when the call is none of ours."""
        call = self.calls.get(event.call_id)
        if call is None:
            return False
        call.agent_answered = True
        bridge = f"bridge-{event.call_id}"
        self._sender.put(dc.CreateBridge(call_id=event.call_id, bridge_id=bridge))
        call.side.connected(call.agent, event.leg_id, bridge)
        return True

    def customer_answered(self, event: de.CustomerAnswered) -> bool:
        call = self.calls.get(event.call_id)
        if call is None:
            return False
        call.side.customer_answered()  # its record gets call.answered, with the agent
        if self.control is not None and call.side.answered:
            self.control.connected(
                call_id=event.call_id, caller=call.side.number, agent=call.agent,
                agent_leg=call.agent_leg, queue="", priority=0,
                bridge=f"bridge-{event.call_id}", caller_leg=call.side.customer_leg,
                record=event.call_id, seats=self)
        return True

    # -- what call control asks of the calls' side (its ``Seats``) -----------------------------

    def queue(self, command: dc.DriverCommand) -> None:
        self._sender.put(command)

    def release_agent(self, call_id: str) -> None:
        """The agent's part is over (a transfer): available again, if we paused them."""
        call = self.calls.get(call_id)
        if call is not None:
            self._release(call)

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
        call = self.calls.get(call_id)
        if call is None:
            return
        self._legs.pop(call.agent_leg, None)  # the agent who handed it on has gone
        call.agent, call.agent_leg, call.released, call.paused_us = agent, leg_id, False, True
        self._legs[leg_id] = call_id
        self._distributor.agent_event(ae.AgentPaused(agent=AgentId(agent),
                                                     reason=OUTBOUND_PAUSE))

    def hang_up_caller(self, call_id: str) -> bool:
        call = self.calls.get(call_id)
        if call is None:
            return False
        self._sender.put(dc.HangupCall(call_id=call.side.customer_leg))
        return True

    def end_call(self, call_id: str) -> None:
        """Call control is done with it: the record ends, the agent is free."""
        call = self.calls.pop(call_id, None)
        if call is None:
            return
        for leg in [leg for leg, owner in self._legs.items() if owner == call_id]:
            del self._legs[leg]
        call.side.finish("")
        self._sender.put(dc.DestroyBridge(call_id=call_id, bridge_id=f"bridge-{call_id}"))
        self._release(call)

    def _release(self, call: _Outbound) -> None:
        if not call.released:
            call.released = True
            self._after(call)

    def leg_ended(self, leg_id: str, cause: str) -> bool:
        call_id = self._legs.pop(leg_id, None)
        if call_id is not None and self.control is not None and self.control.has(call_id):
            return True  # a leg it let go (a transfer): call control has the call
        call = self.calls.pop(call_id, None) if call_id is not None else None
        if call is None:
            return call_id is not None  # the other leg of a call already over
        side = call.side
        if leg_id == call.agent_leg:  # the agent hung up, or never answered
            self._sender.put(dc.HangupCall(call_id=side.customer_leg))
            side.finish("" if side.answered else
                        ("cancelled" if call.agent_answered else "agent_missed"))
        else:  # the customer hung up, was busy, or never answered
            self._sender.put(dc.HangupCall(call_id=call.agent_leg))
            side.finish(cause)
        self._sender.put(dc.DestroyBridge(call_id=str(call_id),
                                                 bridge_id=f"bridge-{call_id}"))
        self._after(call)
        return True

    def _after(self, call: _Outbound) -> None:
        """Back to available, if we paused the agent and they chose nothing else since."""
        view = self._distributor.acd.agent_state(call.agent)
        if call.paused_us and view.state is AgentState.PAUSED and view.reason == OUTBOUND_PAUSE:
            self._distributor.agent_event(ae.AgentAvailable(agent=AgentId(call.agent)))

    def _failed(self, command: dc.DriverCommand) -> None:
        if self.control is not None and self.control.failed(command):
            return
        if isinstance(command, dc.RingAgent | dc.DialCustomer):  # a leg that cannot start
            self.leg_ended(command.leg_id, "unreachable")

    async def run(self) -> None:
        """Send the commands in order (a bridge after its leg), until cancelled."""
        await self._sender.run()
