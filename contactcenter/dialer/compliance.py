"""May this number be called now? The rules every outbound call obeys, sans-I/O.

Two rules, as the US TCPA and most national codes put them: a number on the
do-not-call list is never called, and a person is called only within the
calling window of *their* local time (8:00 to 21:00 by default). The callee's
time zone is the CRM's (the contact's, else the account's); without one it
comes from the number's numbering plan, which may name several zones (a
country that spans many): then the time must be inside the window in every
one of them, so that nobody is called at night because their zone was unsure.

No clock, no database: the caller of ``check_call`` passes the time and what
the CRM knows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers


@dataclass(frozen=True, slots=True, kw_only=True)
class CallingWindow:
    """Local hours a person may be called in: from ``start`` up to ``end``."""

    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(21, 0)

    def holds(self, local: dt.datetime) -> bool:
        moment = local.time()
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Callee:
    """What is known of the person behind a number."""

    number: str
    do_not_call: bool = False
    time_zone: str | None = None  #: the CRM's, if it has one
    consent: bool | None = None  #: the CRM contact's consent to be called; None: unknown
    number_zones: Sequence[str] = ()  #: from the numbering plan


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """Why a call may not be made: ``do_not_call`` or ``calling_hours``."""

    rule: str
    reason: str  #: for a person to read


def check_call(callee: Callee, now: dt.datetime, window: CallingWindow) -> Refusal | None:
    """None when the call may be made at ``now`` (an aware time), else why not."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if callee.do_not_call:
        return Refusal(rule="do_not_call", reason=f"{callee.number} is on the do-not-call list")
    zones = callee_zones(callee)
    if not zones:
        return Refusal(rule="calling_hours",
                       reason=f"the local time of {callee.number} is unknown")
    for zone in zones:
        local = now.astimezone(zone)
        if not window.holds(local):
            return Refusal(rule="calling_hours", reason=(
                f"outside calling hours: it is {local:%H:%M} in {zone.key} "
                f"(calls {window} local time)"))
    return None


def callee_zones(callee: Callee) -> list[ZoneInfo]:
    """The zones the callee may be in: the CRM's one, else the numbering plan's (unknown
    names dropped); empty when nobody knows."""
    names = [callee.time_zone] if callee.time_zone else list(callee.number_zones)
    zones = []
    for name in names:
        try:
            zones.append(ZoneInfo(name))
        except (ZoneInfoNotFoundError, ValueError):
            continue  # "Etc/Unknown" and the like: no zone to go by
    return zones


#: the numbers no callback is placed to, whoever asked for it: they cost the platform more
#: than a call and pay whoever holds them (ITU-T E.164 service numbers; the fraud of
#: callbacks asked for to premium lines)
_COSTLY = frozenset({phonenumbers.PhoneNumberType.PREMIUM_RATE,
                     phonenumbers.PhoneNumberType.SHARED_COST,
                     phonenumbers.PhoneNumberType.PERSONAL_NUMBER})


def costly(number: str) -> bool:
    """Whether ``number`` (E.164) is premium-rate, shared-cost or personal (``_COSTLY``)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return False  # not E.164: the CRM's lookup decides
    return phonenumbers.number_type(parsed) in _COSTLY
