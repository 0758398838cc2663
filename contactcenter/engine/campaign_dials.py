"""A campaign's dials on the engine's side: asked of the call gate, placed, connected to
an agent's open line, played a message, ended on their call record.

``DialSteps`` is mixed into ``CampaignRunner`` (``campaigns.py``), which holds the
state these steps share: the cores, the dials placed (``_legs``, and ``_by_leg`` from
the callee's channel), the sender and the journal's ``_publish``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from contactcenter.calls import Cleared, Refused
from contactcenter.dialer import commands as dc_
from contactcenter.dialer import events as de_
from contactcenter.dialer import seats as st
from contactcenter.dialer.abandons import AbandonLedger
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.dialer.law import REDIAL_HOLD
from contactcenter.engine.campaign_board import BoardInputs
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.sender import OrderedSender
from contactcenter.telephony import commands as dc

#: the dials whose record an agent's late code can still name
KEEP_DIALS = 10_000
#: a record whose dial could not be checked or placed (the CRM or the telephony away)
#: is due again after this, with no attempt counted
NOT_NOW = 60.0


@dataclass(slots=True)
class DialLeg:
    """A dial the driver was asked to place, and its callee's leg."""

    dial_id: str
    leg: str
    number: str
    record_id: str
    attempt: int
    placed: float
    answered: float | None = None
    agent: str | None = None
    ending: bool = False  #: a message plays, then the leg is hung up



class DialSteps:
    """Each step of a dial, between the dialer core, the gate, the driver and the journal."""

    name: str
    queue: str | None
    detect_machine: bool
    consent_required: bool
    script: str | None
    window: CallingWindow | None
    ledger: AbandonLedger
    board: BoardInputs
    _gate: Gatekeeper | None
    _clock: Callable[[], float]
    _publish: Callable[[dict[str, Any]], None]
    _sender: OrderedSender
    _legs: dict[str, DialLeg]
    _by_leg: dict[str, str]
    _run_mark: str
    _dial_records: dict[str, tuple[str, str]]
    can_dial: Callable[[], bool]

    if TYPE_CHECKING:  # provided by CampaignRunner, which mixes this in
        def _feed(self, event: de_.DialerEvent) -> None:
            ...
        def _seat(self, event: st.SeatEvent) -> None:
            ...
        def _budget(self) -> float:
            ...
        def _note(self, kind: str, **data: Any) -> None:
            ...
        def later(self, delay: float, callback: Callable[..., None], *args: Any) -> None:
            ...

    def _check(self, command: dc_.CheckDial) -> None:
        if self._gate is None:  # no gate, no call: nothing unchecked is dialed
            self._feed(de_.DialChecked(dial_id=command.dial_id, cleared=False,
                                       rule="unchecked", reason="no call gate"))
            return
        if not self.can_dial():  # no attempt counted: the record is due again soon
            self._feed(de_.DialChecked(
                dial_id=command.dial_id, cleared=False, rule="telephony_down",
                reason="the telephony cannot place calls now",
                retry_at=self._clock() + NOT_NOW))
            return
        self._note("asked", dial=command.dial_id, record=command.record_id)
        answer = self._gate.ask(command.dial_id, "dialer", command.number,
                                consent_required=self.consent_required, window=self.window,
                                last_abandoned_at=command.abandoned_at,
                                agent_reserved=command.agent is not None)
        answer.add_done_callback(lambda done: self._checked(command, done))

    def _checked(self, command: dc_.CheckDial,
                 done: asyncio.Future[Cleared | Refused]) -> None:
        decision, dial_id = done.result(), command.dial_id
        if isinstance(decision, Refused) and decision.rule == "abandoned_redial" \
                and command.abandoned_at is not None:  # back once the 72 hours are over
            event = de_.DialChecked(dial_id=dial_id, cleared=False, rule=decision.rule,
                                    reason=decision.reason,
                                    retry_at=command.abandoned_at + REDIAL_HOLD)
        elif isinstance(decision, Refused) and decision.rule == "lookup_failed":
            # the CRM away a moment is no refusal of the person: asked again later
            event = de_.DialChecked(dial_id=dial_id, cleared=False, rule=decision.rule,
                                    reason=decision.reason,
                                    retry_at=self._clock() + NOT_NOW)
        elif isinstance(decision, Refused):
            event = de_.DialChecked(dial_id=dial_id, cleared=False, rule=decision.rule,
                                    reason=decision.reason)
        elif decision.earliest is not None:
            event = de_.DialChecked(dial_id=dial_id, cleared=False, rule="calling_hours",
                                    reason="outside the callee's calling hours",
                                    retry_at=decision.earliest)
        else:
            event = de_.DialChecked(dial_id=dial_id, cleared=True)
        self._feed(event)

    def _dial(self, command: dc_.Dial) -> None:
        leg_id = f"{dc.DIAL_LEG_PREFIX}{self._run_mark}-{command.dial_id}"
        leg = self._legs[command.dial_id] = DialLeg(
            dial_id=command.dial_id, leg=leg_id, number=command.number,
            record_id=command.record_id, attempt=command.attempt, placed=self._clock())
        self._by_leg[leg_id] = command.dial_id
        self._dial_records[command.dial_id] = (command.record_id, command.number)
        if len(self._dial_records) > KEEP_DIALS:  # the oldest first (insertion order)
            del self._dial_records[next(iter(self._dial_records))]
        self._note("dialed", dial=command.dial_id, record=command.record_id,
                   number=command.number, leg=leg_id, attempt=command.attempt,
                   at=leg.placed)
        self._publish_call("call.dialed", leg, caller=command.number, dialed=command.number,
                           direction="outbound", queue=self.queue, campaign=self.name,
                           attempt=command.attempt, record_id=command.record_id,
                           caller_id=command.caller_id, script=self.script)
        self._sender.put(dc.PlaceDial(
            call_id=command.dial_id, leg_id=leg_id, number=command.number,
            caller_id=command.caller_id, timeout=math.ceil(command.ring_timeout),
            detect_machine=self.detect_machine))
        self._feed(de_.DialPlaced(dial_id=command.dial_id))

    def _connect(self, dial_id: str, agent: str) -> None:
        leg = self._legs[dial_id]
        leg.agent = agent
        self._seat(st.HumanGiven(dial=dial_id, leg=leg.leg, agent=agent))

    def _drop(self, dial_id: str) -> None:
        leg = self._legs.get(dial_id)
        if leg is not None:
            self._sender.put(dc.HangupCall(call_id=leg.leg))

    def _connected(self, dial_id: str) -> None:
        leg = self._legs.get(dial_id)
        if leg is None:
            return
        now = self._clock()
        self._note("connected", dial=dial_id, agent=leg.agent, at=now)
        self._settled_answer(abandoned=False)
        self._publish({"type": "call.offered", "call_id": dial_id, "time": now,
                       "queue": self.queue, "agent": leg.agent, "direction": "outbound"})
        self._publish({"type": "call.answered", "call_id": dial_id, "time": now,
                       "queue": self.queue, "agent": leg.agent,
                       "wait": round(now - (leg.answered or now), 3)})
        self._feed(de_.HumanConnected(dial_id=dial_id, agent=leg.agent or ""))

    def _play_then_hang_up(self, dial_id: str, message: str) -> None:
        leg = self._legs.get(dial_id)
        if leg is None:
            return
        leg.ending = True  # cut off by the core (``DropCall``) past its ``message_limit``
        self._play_message(leg.leg, message)

    def _play_message(self, leg: str, message: str) -> bool:
        """Play ``message`` (sounds joined by ``&``) to a callee's leg, its end hanging up
        (``playback_ended``); no message: hang up now. True when one plays."""
        if not message:
            self._sender.put(dc.HangupCall(call_id=leg))
            return False
        self._sender.put(dc.PlayMedia(call_id=leg, playback_id=f"{leg}-message",
                                      media=tuple(message.split("&"))))
        return True

    def _settled_answer(self, *, abandoned: bool) -> None:
        """A live answer settled (bridged in time, or abandoned): in the law's ledger now,
        and the core's budget with it."""
        now = self._clock()
        (self.ledger.abandoned if abandoned else self.ledger.connected)(now)
        self.board.today.add(now, abandoned=abandoned)
        self._feed(de_.AbandonBudgetSet(budget=self._budget()))

    def _outcome(self, command: dc_.RecordOutcome) -> None:
        """The dial is over: on its record, in the law's ledger, and its leg forgotten."""
        leg = self._legs.pop(command.dial_id, None)
        now = self._clock()
        self._note("settled", dial=command.dial_id, record=command.record_id,
                   attempts=command.attempts, next_due=command.next_due,
                   outcome=command.outcome, at=now)
        if command.outcome == "human":
            self.board.reached.add(command.record_id)
        if leg is not None:
            self._by_leg.pop(leg.leg, None)
            agent = {"agent": command.agent} if command.agent else {}
            self._publish({"type": "call.ended", "call_id": command.dial_id, "time": now,
                           "cause": command.outcome, "outcome": command.outcome,
                           "duration": round(now - leg.placed, 3), **agent})

    def _publish_call(self, kind: str, leg: DialLeg, **data: Any) -> None:
        self._publish({"type": kind, "call_id": leg.dial_id, "time": self._clock(), **data})

