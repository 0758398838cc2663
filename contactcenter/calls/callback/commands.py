"""What the callbacks core asks of the engine: the gate, the ACD, the offers, the driver.

Commands on the customer's and the agent's legs are the telephony driver's own
(``contactcenter.telephony.commands``); the others are for the engine to carry
out in the order given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.acd.events import AcdEvent
from contactcenter.calls.states import Source
from contactcenter.telephony import commands as dc

# -- the gate --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AskGate:
    """Ask the call gate about the promise; its first answer comes back as
    ``GateAnswered`` (and goes to whoever asked for the callback)."""

    call_id: str
    source: Source
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckTurn:
    """Ask the gate now whether this turn may go on; answer at once with ``TurnChecked``."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class GateFinished:
    """Tell the gate the promise is done with: its customer ``dialed``, or given up."""

    call_id: str
    dialed: bool


# -- the ACD ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TellAcd:
    """Feed the ACD ``event`` now (a promise in line, set aside while in line)."""

    event: AcdEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveLine:
    """The virtual caller leaves the ACD now (``CallLeft``, cancelled), if it is there."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Withdraw:
    """The virtual caller leaves the ACD once its current batch of commands is carried
    out (a turn comes from the middle of one)."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAside:
    """Out of the ACD's line once its current batch is carried out (``CallbackDeferred``)."""

    call_id: str


# -- the offers and the call -----------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class StartAttempt:
    """The promise's first turn: the offers core gets a caller (``number`` on the
    agents' displays) to ring agents for; its side is the callback's."""

    call_id: str
    number: str
    #: the company's number the customer called (``dialed``): the engine it runs on
    #: places the callback, however long ago it was promised
    via: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Ring:
    """Ring ``agent`` for the call (the offers core's ``Offered``)."""

    call_id: str
    agent: str
    ring_timeout: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ControlCall:
    """Customer and agent talk: call control takes the call, as for a caller."""

    call_id: str
    caller: str
    agent: str
    agent_leg: str
    bridge: str
    caller_leg: str
    record: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EndForAgent:
    """The customer's side is gone: the call ends for the agent (their leg, wrap-up)."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Publish:
    """A domain event for the bus and the journal (``time`` included)."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


#: the driver's commands an attempt gives
DriverCommand = dc.PlayMedia | dc.StopMedia | dc.DialCustomer | dc.HangupCall | dc.AddToBridge
AttemptCommand = Publish | DriverCommand
CallbackCommand = (AskGate | CheckTurn | GateFinished | TellAcd | LeaveLine | Withdraw
                   | SetAside | StartAttempt | Ring | ControlCall | EndForAgent
                   | AttemptCommand)
