"""The checks every imported person passes, contact or lead, before any database work.

A row needs a name and a phone number or e-mail to be matched by; a row that
matches nobody known needs both names, as a record made through the API does
(that is checked where matching happens, ``importing``). Lengths are checked
here, first, so that a value too long for its column is refused with a short
reason (PostgreSQL would fail the whole batch on it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import FromClause, String

from crm_core.csv_cells import shown
from crm_core.phones import InvalidPhoneNumber, to_e164

#: the columns every kind's file must have
REQUIRED = frozenset({"first_name", "last_name"})
#: the longest phone number as written that is read (E.164 has at most 15 digits)
PHONE_TEXT = 64


@dataclass(frozen=True)
class PersonRow:
    """What every imported person has: a name, and the phone and e-mail they are matched by."""

    line: int
    first_name: str
    last_name: str
    phone: str | None
    email: str | None

    def match_keys(self) -> list[str]:
        return keys([self.phone] if self.phone else [], self.email)

    def missing_name(self) -> str | None:
        """The name a new record would lack (a row merged into a known one may lack one)."""
        if not self.first_name:
            return "first_name"
        return None if self.last_name else "last_name"


def keys(phones: Iterable[str], email: str | None) -> list[str]:
    """The keys a person is matched by: each phone number, and the e-mail."""
    return [f"phone:{phone}" for phone in phones] + ([f"email:{email}"] if email else [])


def person(line: int, value: dict[str, str], table: FromClause) -> dict[str, Any]:
    """The fields of ``PersonRow`` from a row's stripped values; ValueError for a bad row."""
    check_lengths(value, table)
    if not value["first_name"] and not value["last_name"]:
        raise ValueError("first_name or last_name is required")
    if not value["phone"] and not value["email"]:
        raise ValueError("phone or email is required")
    email = value["email"].lower() or None
    if email is not None and ("@" not in email or " " in email):
        raise ValueError(f"email {shown(value['email'])} is not an e-mail address")
    try:
        phone = to_e164(value["phone"]) if value["phone"] else None
    except InvalidPhoneNumber as exc:
        raise ValueError(str(exc)) from None
    return {"line": line, "first_name": value["first_name"], "last_name": value["last_name"],
            "phone": phone, "email": email}


def check_lengths(value: dict[str, str], table: FromClause) -> None:
    """Refuse what a column cannot hold; the phone is measured as written (it is stored
    in E.164, shorter), against ``PHONE_TEXT``."""
    if len(value.get("phone", "")) > PHONE_TEXT:
        raise ValueError(f"phone is longer than {PHONE_TEXT} characters")
    for name, text in value.items():
        column = table.c.get(name)
        if name == "phone" or column is None or not isinstance(column.type, String):
            continue
        limit = column.type.length
        if limit is not None and len(text) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")
