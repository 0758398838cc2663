"""What the engine tells call control: a call connected, the agent's requests, legs' news.

Events are past-tense or "asked" facts, frozen and keyword-only. Each names
its call; leg events name the leg too. Any of them may come late or twice.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """Whom a call goes to: an ACD ``agent``, a ``queue``, an outside ``number`` (already
    cleared by the call gate), or a ``phone`` (a person outside the ACD: a supervisor)."""

    kind: str
    name: str
    #: the endpoint to ring, for an agent or a phone (their phone registered last)
    endpoint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Connected:
    """The caller and the agent were bridged in the call's bridge."""

    call_id: str
    caller_leg: str
    caller: str = ""  #: the caller's number
    agent: str
    agent_leg: str
    queue: str
    priority: int = 0
    bridge: str
    #: the platform dialed the caller (a callback, click-to-talk): they cannot wait in a
    #: queue, so a transfer to an agent or a queue is refused, and the agent leaving a
    #: held customer ends the call
    outbound: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldAsked:
    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumeAsked:
    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MuteAsked:
    """The agent's microphone off (``muted``) or on again."""

    call_id: str
    muted: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferAsked:
    """A blind transfer: the caller goes to ``to`` and the agent's part ends now."""

    call_id: str
    to: Target


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultAsked:
    """The caller on hold while the agent talks to ``to`` (an agent, a phone, a number)."""

    call_id: str
    to: Target


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteAsked:
    """The consulted party takes the caller over; the agent leaves."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelAsked:
    """The consultation ends; the caller is back with the agent."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferenceAsked:
    """The caller joins the agent and the consulted party: three talk."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveAsked:
    """The agent leaves a conference; the other two talk on."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyAnswered:
    """A leg rung by ``RingParty`` answered."""

    call_id: str
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LegGone:
    """A leg of the call hung up, or failed to ring (busy, unreachable)."""

    call_id: str
    leg: str
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class HandedOffResumed:
    """After a restart: a caller their agent had handed off (a blind transfer to an outside
    number, a consultation of a number or a phone completed, a conference left) still
    talks with that party in the call's bridge; either hanging up ends the call."""

    call_id: str
    caller: str = ""  #: the caller's number
    other_leg: str
    other_kind: str  #: "number" or "phone"
    other: str  #: the number, or the phone's endpoint
    queue: str
    priority: int
    bridge: str
    #: the agents who had the call, in order
    handled_by: tuple[str, ...] = ()


Request = (HoldAsked | ResumeAsked | MuteAsked | TransferAsked | ConsultAsked | CompleteAsked
           | CancelAsked | ConferenceAsked | LeaveAsked)
ControlEvent = Connected | HandedOffResumed | Request | PartyAnswered | LegGone
