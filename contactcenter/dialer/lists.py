"""A campaign's list from a CSV file: the people to call, each number once, in E.164.

A campaign manager uploads the list they have, as it is. The file needs a ``phone``
column; ``name``, ``contact_id`` and ``priority`` are kept when present. Each
number is normalised to E.164 (``crm_core.phones``), so that ``(212) 555-0100`` and
``+1 212 555 0100`` are one person. A row that cannot be used (no number, a number
that is not one, a priority that is not a whole number, a broken CSV record) is
reported with its line and the reason, and the good rows load all the same. Two
rows for one number are merged into one record: the first row's name and contact,
the higher priority; the merge is counted, so that the manager sees why the list
is shorter than the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

from crm_core.csv_reading import Lines, read_rows
from crm_core.phones import try_e164

COLUMNS = ("phone", "name", "contact_id", "priority")
#: the largest priority a row may give (the CRM keeps an uploaded list's in an INTEGER)
MAX_PRIORITY = 1_000_000
REQUIRED = frozenset({"phone"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ListRecord:
    """One person to call: their number, and what the file said of them."""

    number: str  #: E.164
    line: int  #: the file's line it came from (the first, when merged)
    name: str = ""
    contact_id: str = ""
    priority: int = 0


@dataclass(slots=True)
class CampaignList:
    """The records that load, the rows that did not (line, reason), and the merges."""

    records: list[ListRecord] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)
    merged: int = 0  #: rows folded into an earlier row of the same number


def read_campaign_list(path: Path) -> CampaignList:
    """The list in ``path``; ``ValueError`` only for a file that is not a list at all
    (no ``phone`` column, a header that cannot be read, text that is not UTF-8)."""
    with path.open("rb") as file:
        return parse_campaign_list(file, path)


def parse_campaign_list(file: IO[bytes], name: Path) -> CampaignList:
    """The list in an open file (an upload, read as the files are); ``name`` is what its
    errors call it. ``ValueError`` as ``read_campaign_list``."""
    result = CampaignList()
    by_number: dict[str, int] = {}
    for line, row in read_rows(Lines(file, name), name, COLUMNS, REQUIRED, result.bad):
        record = _record(line, row, result.bad)
        if record is not None:
            _add(result, by_number, record)
    result.bad.sort()
    return result


def record_id(record: ListRecord) -> str:
    """The record's id on the campaign's book: the CRM contact it names, else its number
    (so the same person is known again in a later upload or after a restart)."""
    return f"contact:{record.contact_id}" if record.contact_id else f"number:{record.number}"


def _record(line: int, row: dict[str, str], bad: list[tuple[int, str]]) -> ListRecord | None:
    raw = row["phone"]
    if not raw:
        bad.append((line, "no phone number"))
        return None
    number = try_e164(raw)
    if number is None:
        bad.append((line, f"phone: {raw!r} is not a phone number"))
        return None
    priority = row["priority"] or "0"
    try:
        rank = int(priority)
    except ValueError:
        bad.append((line, f"priority: {priority!r} is not a whole number"))
        return None
    if abs(rank) > MAX_PRIORITY:
        bad.append((line, f"priority: {priority!r} is beyond ±{MAX_PRIORITY}"))
        return None
    return ListRecord(number=number, line=line, name=row["name"],
                      contact_id=row["contact_id"], priority=rank)


def _add(result: CampaignList, by_number: dict[str, int], record: ListRecord) -> None:
    """A new number is a new record; a number seen before merges into that record."""
    at = by_number.get(record.number)
    if at is None:
        by_number[record.number] = len(result.records)
        result.records.append(record)
        return
    first = result.records[at]
    result.records[at] = replace(first, name=first.name or record.name,
                                 contact_id=first.contact_id or record.contact_id,
                                 priority=max(first.priority, record.priority))
    result.merged += 1
