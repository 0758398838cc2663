"""How a batch's rows fold into records: who owns each phone number and e-mail.

A row whose phone or e-mail belongs to someone already known (in the database or
earlier in the file) is merged into that record instead of making a duplicate; a
phone number or e-mail goes to one record only, so merging never makes two
records share one. A merge fills what the record lacks and never overwrites.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_core.import_rows import PersonRow, keys


@dataclass(eq=False)
class Record:
    """One person as a batch sees it: column values, phones, and the id once stored."""

    values: dict[str, Any]
    phones: list[str] = field(default_factory=list)
    id: int | None = None
    #: how many of ``phones`` the database has already
    stored_phones: int = 0
    changed: bool = False

    def match_keys(self) -> list[str]:
        return keys(self.phones, self.values.get("email"))

    def fill(self, column: str, value: object) -> None:
        """Give the record a value it lacks; never overwrite one it has."""
        if value not in (None, "") and not self.values.get(column):
            self.values[column] = value
            self.changed = True


class Owners:
    """Which record each phone number and e-mail of a batch belongs to (one owner a key)."""

    def __init__(self) -> None:
        self._owner: dict[str, Record] = {}

    def add(self, record: Record) -> None:
        for key in record.match_keys():
            self._owner.setdefault(key, record)

    def match(self, keys: list[str]) -> Record | None:
        """The record a row is about: one the database knows first, then one new in the batch."""
        owners = [self._owner[key] for key in keys if key in self._owner]
        known = [record for record in owners if record.id is not None]
        return next(iter(known or owners), None)

    def claim(self, key: str, record: Record) -> bool:
        """Give ``key`` to ``record`` unless another record has it; True when it is the record's."""
        return self._owner.setdefault(key, record) is record


def merge_person(record: Record, row: PersonRow, owners: Owners, *, max_phones: int) -> None:
    """Fill what the record lacks from the row, never taking another record's phone or e-mail."""
    record.fill("first_name", row.first_name)
    record.fill("last_name", row.last_name)
    email = row.email
    if email and not record.values.get("email") and owners.claim(f"email:{email}", record):
        record.fill("email", email)
    if (row.phone and row.phone not in record.phones and len(record.phones) < max_phones
            and owners.claim(f"phone:{row.phone}", record)):
        record.phones.append(row.phone)
        record.changed = True
