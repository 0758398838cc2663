"""What Twilio's lists of calls and conferences say after a restart, in the shape the
engine's ``resync`` takes (the Asterisk driver's ``OnResync``). Pure: no I/O, no clock.

Twilio's list JSON (https://www.twilio.com/docs/voice/api/call-resource#read-multiple-call-resources,
https://www.twilio.com/docs/voice/api/conference-resource#read-multiple-conference-resources,
https://www.twilio.com/docs/voice/api/conference-participant-resource#read-multiple-participant-resources)
is a page: the items under ``calls``, ``conferences`` or ``participants``, and
``next_page_uri`` (null on the last page) for the next one.

Which calls are the platform's: a Call resource does not give the ``Url`` it was created
with, so a leg the platform placed is known only by its CallSid, from the book kept on
disk (``store.py``: leg id, CallSid, purpose, the call it was placed for, the phone it
rang). An inbound call is the platform's when its ``To`` is one of ``Setup.numbers``;
its platform id is its CallSid. Anything else on the account (another application's
calls, ``<Dial>`` children) is left alone.

What the engine is given, as the Asterisk driver gives it:

- ``live``: the inbound calls in progress, as ``CallArrived`` (caller, name, number);
- ``legs``: the agents', consulted parties' and customers' legs in progress, as
  ``AgentAnswered`` / ``PartyAnswered`` / ``CustomerAnswered``;
- ``present``: the platform ids of every call of the platform in progress (campaigns'
  lines and callees, supervisors' phones too). A leg still ringing or queued is not
  present (an Asterisk channel enters the app only once answered): its CallSid is kept
  in the book, so that a hang-up the engine sends it can reach it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from contactcenter.telephony import events as e

#: statuses listed at a restart: in progress, and legs placed that have not answered yet
LISTED_STATUSES = ("in-progress", "ringing", "queued")
#: a call answered and running TwiML
IN_PROGRESS = "in-progress"
#: a participant in a conference (not still connecting or ringing)
CONNECTED = "connected"


@dataclass(frozen=True, slots=True, kw_only=True)
class LegInfo:
    """A leg the platform placed (``RingAgent``, ``DialCustomer``, ``PlaceDial``), as the
    book on disk keeps it: what ``/twilio/answered``'s query said of it."""

    leg_id: str
    sid: str
    purpose: str  #: agent, seat, party, monitor, customer, dialer
    call_id: str  #: the call (or dial, or monitoring session) it was placed for
    endpoint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedCall:
    """The fields of a Call resource the resync reads."""

    sid: str
    status: str
    direction: str  #: inbound, outbound-api, outbound-dial
    to: str
    caller: str  #: ``from``
    caller_name: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedParticipant:
    call_sid: str
    muted: bool = False
    hold: bool = False
    status: str = CONNECTED


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedConference:
    sid: str
    name: str  #: ``friendly_name``: the platform's bridge id
    participants: tuple[ListedParticipant, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Resynced:
    """The engine's view (``live``, ``legs``, ``present``) and the book's."""

    live: dict[str, e.CallArrived] = field(default_factory=dict)
    legs: dict[str, e.AnsweredLeg] = field(default_factory=dict)
    present: frozenset[str] = frozenset()
    #: platform leg id -> CallSid, for every leg of the platform still listed
    call_sids: dict[str, str] = field(default_factory=dict)
    #: bridge id -> ConferenceSid
    conferences: dict[str, str] = field(default_factory=dict)
    #: platform id -> bridge id it is in
    bridged: dict[str, str] = field(default_factory=dict)
    muted: frozenset[str] = frozenset()


class ListError(ValueError):
    """A list page that is not what Twilio documents (no item list, items not objects)."""


def _text(item: Mapping[str, Any], name: str) -> str:
    value = item.get(name)
    return value if isinstance(value, str) else ""


def _items(page: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    items = page.get(key)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise ListError(f"a page without its {key!r} list")
    return items


def next_page(page: Mapping[str, Any]) -> str | None:
    """The path of the next page (``next_page_uri``), or None on the last one."""
    uri = page.get("next_page_uri")
    return uri if isinstance(uri, str) and uri else None


def calls_of(page: Mapping[str, Any]) -> list[ListedCall]:
    """A page of ``Calls.json``."""
    return [ListedCall(sid=_text(item, "sid"), status=_text(item, "status"),
                       direction=_text(item, "direction"), to=_text(item, "to"),
                       caller=_text(item, "from"), caller_name=_text(item, "caller_name"))
            for item in _items(page, "calls") if _text(item, "sid")]


def conferences_of(page: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A page of ``Conferences.json``: (ConferenceSid, friendly name) of each."""
    return [(_text(item, "sid"), _text(item, "friendly_name"))
            for item in _items(page, "conferences") if _text(item, "sid")]


def participants_of(page: Mapping[str, Any]) -> list[ListedParticipant]:
    """A page of ``Conferences/{CF}/Participants.json``."""
    return [ListedParticipant(call_sid=_text(item, "call_sid"), muted=item.get("muted") is True,
                              hold=item.get("hold") is True,
                              status=_text(item, "status") or CONNECTED)
            for item in _items(page, "participants") if _text(item, "call_sid")]


def _answered_leg(leg: LegInfo) -> e.AnsweredLeg | None:
    """An answered leg the engine picks a call up on (as Asterisk's ``resynced_channel``:
    a campaign's line or callee and a supervisor's phone are not such legs)."""
    match leg.purpose:
        case "agent":
            return e.AgentAnswered(call_id=leg.call_id, leg_id=leg.leg_id, endpoint=leg.endpoint)
        case "party":
            return e.PartyAnswered(call_id=leg.call_id, leg_id=leg.leg_id, endpoint=leg.endpoint)
        case "customer":
            return e.CustomerAnswered(call_id=leg.call_id, leg_id=leg.leg_id)
    return None


def resynced(calls: Iterable[ListedCall], conferences: Iterable[ListedConference],
             legs: Iterable[LegInfo], numbers: Collection[str]) -> Resynced:
    """The lists (what Twilio has now) against the book (which legs are the platform's).
    ``numbers``: the platform's numbers; empty, every inbound call is the platform's."""
    booked = {leg.sid: leg for leg in legs}
    live: dict[str, e.CallArrived] = {}
    answered: dict[str, e.AnsweredLeg] = {}
    call_sids: dict[str, str] = {}
    ids: dict[str, str] = {}  # CallSid -> platform id, of the platform's calls listed
    present: set[str] = set()
    for call in calls:
        leg = booked.get(call.sid)
        if leg is not None:
            call_sids[leg.leg_id] = call.sid
            ids[call.sid] = leg.leg_id
            if call.status == IN_PROGRESS:
                present.add(leg.leg_id)
                up = _answered_leg(leg)
                if up is not None:
                    answered[leg.leg_id] = up
        elif _inbound_ours(call, numbers):
            ids[call.sid] = call.sid
            present.add(call.sid)
            live[call.sid] = e.CallArrived(call_id=call.sid, caller=call.caller,
                                           caller_name=call.caller_name, dialed=call.to)
    found, bridged, muted = _conferences(conferences, ids)
    return Resynced(live=live, legs=answered, present=frozenset(present), call_sids=call_sids,
                    conferences=found, bridged=bridged, muted=frozenset(muted))


def _inbound_ours(call: ListedCall, numbers: Collection[str]) -> bool:
    """An inbound call in progress to one of the platform's numbers (one still ringing
    has its voice webhook to come: it arrives then)."""
    return (call.direction == "inbound" and call.status == IN_PROGRESS
            and (not numbers or call.to in numbers))


def _conferences(conferences: Iterable[ListedConference], ids: Mapping[str, str],
                 ) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """Each conference named by a bridge id with calls of the platform in it (bridge ->
    ConferenceSid), which call is in which (call -> bridge), and those muted."""
    found: dict[str, str] = {}
    bridged: dict[str, str] = {}
    muted: set[str] = set()
    for conference in conferences:
        ours = [(ids[p.call_sid], p) for p in conference.participants if p.call_sid in ids]
        if not conference.name or not ours:
            continue  # not the platform's, or none of its calls left in it
        found[conference.name] = conference.sid
        for call_id, participant in ours:
            bridged[call_id] = conference.name
            if participant.muted:
                muted.add(call_id)
    return found, bridged, muted
