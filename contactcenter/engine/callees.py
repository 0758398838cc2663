"""What is known of the person behind a number, for the call gate: the CRM's contact
(the do-not-call flag, the time zone, else the account's) and the numbering plan's
zones for the number."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import phonenumbers
from phonenumbers import timezone as number_timezones

from contactcenter.dialer.compliance import Callee
from crm_core.customers import CustomerService


def number_zones(number: str) -> tuple[str, ...]:
    """The time zones a number may ring in: its area's, else every zone of its country
    code (a number the plan cannot place, like the 555 ones, could be anywhere in it)."""
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return ()
    zones = [zone for zone in number_timezones.time_zones_for_number(parsed)
             if zone != number_timezones.UNKNOWN_TIMEZONE]
    if not zones:  # phonenumbers' country-level table, the fallback it uses itself
        zones = list(number_timezones._country_level_time_zones_for_number(parsed))
    return tuple(zone for zone in zones if zone != number_timezones.UNKNOWN_TIMEZONE)


def callee_lookup(customers: CustomerService | None) -> Callable[[str], Awaitable[Callee]]:
    """The gate's lookup: the CRM's facts when there is a CRM, the plan's zones always."""

    async def look_up(number: str) -> Callee:
        view = await customers.by_phone(number) if customers is not None else None
        contact: dict[str, Any] = (view.contact or {}) if view is not None else {}
        account: dict[str, Any] = (view.account or {}) if view is not None else {}
        consent = contact.get("consent_marketing") if contact else None
        return Callee(number=number, do_not_call=bool(contact.get("do_not_call")),
                      consent=bool(consent) if consent is not None else None,
                      time_zone=contact.get("time_zone") or account.get("time_zone"),
                      number_zones=number_zones(number))

    return look_up
