"""What the engine tells the callbacks core: past-tense, frozen, keyword-only facts.

``call_id`` is the virtual caller's id in the ACD (the call the callback was
asked on); an attempt's own record is ``<call_id>-callback``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.calls.commands import Cleared, Decision, Refused
from contactcenter.calls.states import Source

# -- a promise made --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Requested:
    """A customer asked to be called back (IVR, help page), or a promise was restored
    after a restart; ``since``: when it was asked for (its place in line); ``gated``:
    whether a call gate is attached."""

    call_id: str
    queue: str
    number: str
    priority: int
    skill: str | None
    variables: Mapping[str, str] = field(default_factory=dict)
    since: float
    source: Source
    gated: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Overflowed:
    """A queue's overflow left a virtual caller in line to call ``number``; ``queue``
    and the rest are the ACD's view of it (None when the ACD does not have it)."""

    call_id: str
    number: str
    queue: str | None
    priority: int = 0
    skill: str | None = None
    since: float = 0.0
    gated: bool


# -- the gate's word -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class GateAnswered:
    """The gate's first decision on a promise; None when nobody will answer (cancelled)."""

    call_id: str
    decision: Cleared | Refused | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Resumed:
    """The gate says a deferred promise may wait in line again."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Dropped:
    """The gate refused a promise it had accepted (its lookup came late)."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Forgotten:
    """The engine gave the promise up before its customer was dialed."""

    call_id: str


# -- its turn --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnCame:
    """The ACD offers ``call_id`` to ``agent`` (its ``OfferCall``), any call; ``queue``:
    the ACD's queue for it (None if gone), ``caller_waiting``: whether the offers core
    has a caller to ring for, ``dial_out``: whether customers can be dialed."""

    call_id: str
    agent: str
    ring_timeout: float
    queue: str | None
    caller_waiting: bool
    dial_out: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnChecked:
    """The gate's answer to ``CheckTurn``, for the turn that asked."""

    call_id: str
    decision: Decision


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentAssigned:
    """The ACD connects the callback to the agent who answered: the promise is kept."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Wrapped:
    """The agent's wrap-up of the callback ended; ``handed_over``: call control still
    has the call (a consulted agent took it over), whose news keeps its record."""

    call_id: str
    handed_over: bool


# -- the attempt -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptBegun:
    """The attempt's record begins before any agent answered (click-to-talk's click)."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentConnected:
    """The agent answered on ``leg_id``; the call's bridge is ``bridge``."""

    call_id: str
    agent: str
    leg_id: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerAnswered:
    """The customer answered on ``leg_id``."""

    call_id: str
    leg_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLeft:
    """The agent's side is over (they hung up, or the call was withdrawn)."""

    call_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptOver:
    """The attempt is over: call control is done with it (``cause`` empty), or the
    customer's leg ended with ``cause``."""

    call_id: str
    cause: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerLegEnded:
    """A customer's leg is gone (busy, no answer, hung up, failed to start)."""

    leg_id: str
    cause: str


AttemptEvent = AttemptBegun | AgentConnected | CustomerAnswered | AgentLeft | AttemptOver
CallbackEvent = (Requested | Overflowed | GateAnswered | Resumed | Dropped | Forgotten
                 | TurnCame | TurnChecked | AgentAssigned | Wrapped | AttemptEvent
                 | CustomerLegEnded)
