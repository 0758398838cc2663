"""What the engine tells the call gate: past-tense, frozen, keyword-only facts."""

from __future__ import annotations

from dataclasses import dataclass

from contactcenter.calls.states import Source
from contactcenter.dialer.compliance import Callee, CallingWindow


@dataclass(frozen=True, slots=True, kw_only=True)
class PlacementAsked:
    """Somebody (or something) asked the platform to call ``number``."""

    placement_id: str  #: the call's id (for a callback: the call it was asked on)
    source: Source
    number: str
    asked_by: str | None = None  #: the agent or user; None for a customer or the platform
    #: a campaign's dial that may go only to a callee who gave their consent
    consent_required: bool = False
    #: a campaign's own calling hours (the callee's local time); None: the platform's
    window: CallingWindow | None = None
    #: a campaign's dial: when a call to the number was last abandoned (Unix seconds),
    #: and whether an agent is held for this dial alone (the 72-hour rule, ``law.py``)
    last_abandoned_at: float | None = None
    agent_reserved: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CalleeFound:
    """What the CRM and the numbering plan know of the person behind the number."""

    placement_id: str
    callee: Callee


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupFailed:
    placement_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnCame:
    """A callback's turn: an agent is about to be rung for it."""

    placement_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlacementFinished:
    """The engine is done with a callback: its customer was dialed, or it was given up."""

    placement_id: str
    dialed: bool


GateEvent = PlacementAsked | CalleeFound | LookupFailed | TurnCame | PlacementFinished
