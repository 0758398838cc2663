"""Which leg a call talking when the app stopped is picked up on, after a restart.

The journal's record says who was on the call (its ``parties``: who joined, who
left, who took the call over) and whose call it was (``agent``); Asterisk says
which answered legs are still up for the caller (``resync``). A call is picked up:

- on its agent's own leg, while it is up (the agent who answered it);
- on the leg of a consulted agent who took it over (an attended transfer), told
  apart from others by the phone that answered (``PartyAnswered.endpoint``);
- handed off, on the leg of the one party the agent left the caller with: an
  outside number (the one customer leg) or a person's phone (by its endpoint);

and otherwise not at all (the agent's leg went while the app was down, a
consultation under way has nobody in charge of it): the caller is hung up.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from contactcenter.engine.phones import owner_of
from contactcenter.events.journal import CallRecord
from contactcenter.telephony import events as de

#: the events that say who answered a consultation or a blind transfer, and what they are
_ANSWERED = ("call.consult_answered", "call.transfer_answered")


@dataclass(frozen=True, slots=True)
class WithAgent:
    """Adopt ``leg`` as the call's agent leg, for ``agent``."""

    leg: str
    agent: str


@dataclass(frozen=True, slots=True)
class HandedOff:
    """The caller still talks with ``who`` (a ``kind`` of "number" or "phone") on ``leg``."""

    leg: str
    kind: str
    who: str


def legs_by_caller(legs: Iterable[de.AnsweredLeg]) -> dict[str, list[de.AnsweredLeg]]:
    """The answered legs still up, by the caller they were rung for."""
    found: dict[str, list[de.AnsweredLeg]] = {}
    for leg in legs:
        found.setdefault(leg.call_id, []).append(leg)
    return found


def resumed_on(record: CallRecord, legs: Sequence[de.AnsweredLeg]) -> WithAgent | HandedOff | None:
    """Where a connected call is picked up (see the module's docstring), or None."""
    for leg in legs:
        if isinstance(leg, de.AgentAnswered):
            return WithAgent(leg.leg_id, record.agent or leg.endpoint)
    present = [p for p in record.parties if p["left"] is None and p["role"] != "caller"]
    agent = next((p for p in present if p["who"] == record.agent), None)
    if agent is not None:  # still theirs: on the leg of a consulted agent who took it over
        leg_id = _phone_leg(legs, str(record.agent)) if agent.get("took_over") else None
        return WithAgent(leg_id, str(record.agent)) if leg_id else None
    if len(present) != 1:
        return None
    return _handed_off(legs, str(present[0]["who"]), _kind_of(record, str(present[0]["who"])))


def _kind_of(record: CallRecord, who: str) -> str | None:
    """What the call's events say ``who`` is (``to_kind``: a number, a phone, an agent)."""
    kinds = [event.get("to_kind") for event in record.all_events()
             if event.get("type") in _ANSWERED and event.get("to") == who]
    return str(kinds[-1]) if kinds and kinds[-1] else None


def _handed_off(legs: Sequence[de.AnsweredLeg], who: str, kind: str | None,
                ) -> HandedOff | None:
    """A phone's party on that phone's leg; a number's on the one customer leg up (the
    platform dials one number per call)."""
    phone = _phone_leg(legs, who) if kind in (None, "phone") else None
    if phone is not None:
        return HandedOff(phone, "phone", who)
    customers = [leg for leg in legs if isinstance(leg, de.CustomerAnswered)]
    if kind in (None, "number") and len(customers) == 1:
        return HandedOff(customers[0].leg_id, "number", who)
    return None


def _phone_leg(legs: Sequence[de.AnsweredLeg], person: str) -> str | None:
    """The party leg answered by ``person``'s phone, if one is up."""
    return next((leg.leg_id for leg in legs if isinstance(leg, de.PartyAnswered)
                 and leg.endpoint and owner_of(leg.endpoint) == person), None)
