"""The national do-not-call list, imported from a file: the numbers nobody may call.

A telemarketer downloads the national registry's numbers for the areas it calls (TCPA,
47 CFR 64.1200(c)(2): the registry is checked, and refreshed at least every 31 days)
and loads the file here. Two shapes are read: one number per line (blank lines and
``#`` comments passed over), or a CSV file whose header names a ``phone`` column (read
with the CRM import's reader, ``crm_core.csv_reading``). Each number is normalised to
E.164 (``crm_core.phones``) so that ``(212) 555-0100`` on the list stops a dial to
``+12125550100``. A line that is not a number is reported with its line and the reason
while the good ones load; a number twice is kept once and counted.

The result answers ``number in dnc``: pass it to ``law.DoNotCall(national=...)``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from crm_core.csv_reading import MAX_LINE, Lines, LineTooLong, read_rows
from crm_core.phones import DEFAULT_REGION, try_e164

PHONE = "phone"  #: the column a CSV list must have


@dataclass(frozen=True, slots=True)
class NationalDnc:
    """The numbers on the list (E.164), the lines that did not load (line, reason), and
    how many lines repeated a number already on it."""

    numbers: frozenset[str] = frozenset()
    bad: tuple[tuple[int, str], ...] = ()
    merged: int = 0

    def __contains__(self, number: object) -> bool:
        return number in self.numbers

    def __len__(self) -> int:
        return len(self.numbers)


@dataclass(slots=True)
class _Loading:
    numbers: set[str] = field(default_factory=set)
    bad: list[tuple[int, str]] = field(default_factory=list)
    merged: int = 0

    def add(self, line: int, raw: str, region: str) -> None:
        number = try_e164(raw, region)
        if number is None:
            self.bad.append((line, f"{raw!r} is not a phone number"))
        elif number in self.numbers:
            self.merged += 1
        else:
            self.numbers.add(number)

    def done(self) -> NationalDnc:
        return NationalDnc(numbers=frozenset(self.numbers), bad=tuple(sorted(self.bad)),
                           merged=self.merged)


def load_national_dnc(path: Path, *, region: str = DEFAULT_REGION) -> NationalDnc:
    """The list in the file at ``path``; see ``read_national_dnc``."""
    with path.open("rb") as file:
        return read_national_dnc(file, path, region=region)


def read_national_dnc(file: IO[bytes], path: Path, *,
                      region: str = DEFAULT_REGION) -> NationalDnc:
    """The list in ``file`` (seekable, read from its start; ``path`` names it in
    messages). Numbers without a country code are read as ``region``'s. A CSV file is
    one whose first line names a ``phone`` column; ``ValueError`` only for a CSV file
    whose header or text cannot be read at all."""
    first = file.readline(MAX_LINE + 1).decode("utf-8-sig", errors="replace")
    file.seek(0)
    loading = _Loading()
    if PHONE in (cell.strip() for cell in next(csv.reader([first]), [])):
        for line, row in read_rows(Lines(file, path), path, (PHONE,),
                                   frozenset({PHONE}), loading.bad):
            if row[PHONE]:
                loading.add(line, row[PHONE], region)
            else:
                loading.bad.append((line, "no phone number"))
    else:
        _read_plain(Lines(file, path), loading, region)
    return loading.done()


def _read_plain(lines: Lines, loading: _Loading, region: str) -> None:
    """One number a line; a line too long or not UTF-8 is reported, not fatal."""
    while True:
        try:
            text = next(lines)
        except StopIteration:
            return
        except LineTooLong as exc:
            loading.bad.append((lines.number, str(exc)))
            continue
        except ValueError:
            loading.bad.append((lines.number, "not UTF-8 text"))
            continue
        raw = text.strip()
        if raw and not raw.startswith("#"):
            loading.add(lines.number, raw, region)
