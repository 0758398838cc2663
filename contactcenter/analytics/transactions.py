"""A transactions CSV (a customer, a date and an amount a row) read into arrays, or an
error naming the file and the line of each bad row, as the CRM's imports do
(``path:line: reason``).

Theory of operation: one pass over the rows with the csv module; each row is checked
as it is read (its field count, an empty customer, a date or an amount that cannot be
read), and a file with any bad row is refused whole, since a model fitted on part of a
history would be wrong without saying so. Dates are parsed once per distinct text (a
history of millions of orders has a few thousand distinct days), and only the day
counts: a time of day after the date is read and dropped.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from contactcenter.analytics.errors import TransactionsError

#: at most this many bad rows are named; the count says how many more there were
BAD_ROWS_SHOWN = 20
#: an ISO 8601 date, maybe with a time after a T or a space (numpy alone takes "2014"
#: and "20140308" as years)
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}([T ].+)?")
_EPOCH = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class Transactions:
    """The rows of a file, in its order."""

    customers: npt.NDArray[np.str_]
    days: npt.NDArray[np.datetime64]
    amounts: npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Columns:
    """Which header names hold the customer, the date and the amount."""

    customer: str = "customer"
    date: str = "date"
    amount: str = "amount"


class _Lines:
    """A binary file's lines as text, counting them, so that a record's line is known."""

    def __init__(self, file: IO[bytes], path: Path) -> None:
        self._file, self._path = file, path
        #: the number of the last line read
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._file:
            self.number += 1
            try:
                yield raw.decode("utf-8-sig" if self.number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise TransactionsError(f"{self._path}:{self.number}: not UTF-8 text") from None


def read_transactions(path: Path, columns: Columns = Columns(), *,
                      date_format: str | None = None) -> Transactions:
    """The file's transactions; TransactionsError for a file that cannot be read or has
    bad rows. ``date_format`` is a ``strptime`` format; without it dates are ISO 8601."""
    try:
        with path.open("rb") as file:
            return _Reader(path, columns, date_format).read(file)
    except OSError as error:
        raise TransactionsError(f"{path}: {error.strerror or error}") from None


class _Reader:
    """One read of one file: the columns gathered so far and the bad rows found."""

    def __init__(self, path: Path, columns: Columns, date_format: str | None) -> None:
        self.path, self.columns, self.date_format = path, columns, date_format
        self.customers: list[str] = []
        self.days: list[int] = []
        self.amounts: list[float] = []
        self.bad: list[str] = []
        self.bad_count = 0
        self._day_of: dict[str, int | str] = {}  # a date's text: its day, or why it is none

    def read(self, file: IO[bytes]) -> Transactions:
        lines = _Lines(file, self.path)
        reader = csv.reader(lines)
        *where, width = self._header(reader, lines)
        end = lines.number
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as error:
                self._refuse(end + 1, f"not CSV: {error}")
            else:
                if row:  # a blank line is no record
                    self._row(end + 1, row, tuple(where), width)
            end = lines.number
        return self._result()

    def _header(self, reader: Iterator[list[str]], lines: _Lines) -> tuple[int, int, int, int]:
        """The positions of the customer, date and amount columns, and the header's width."""
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            raise TransactionsError(f"{self.path}: empty: no header line") from None
        except csv.Error as error:
            raise TransactionsError(f"{self.path}:1: the header is not CSV: {error}") from None
        wanted = (self.columns.customer, self.columns.date, self.columns.amount)
        missing = [name for name in wanted if name not in header]
        if missing:
            raise TransactionsError(f"{self.path}:{lines.number}: the header lacks "
                                    f"{', '.join(missing)} (it has {', '.join(header)})")
        customer, day, amount = (header.index(name) for name in wanted)
        return customer, day, amount, len(header)

    def _row(self, line: int, row: list[str], where: tuple[int, ...], width: int) -> None:
        if len(row) != width:
            self._refuse(line, f"{len(row)} field{'' if len(row) == 1 else 's'} where the "
                               f"header has {width}")
            return
        customer, day_text, amount_text = (row[i].strip() for i in where)
        day = self._day(day_text)
        amount = _amount(amount_text, self.columns.amount)
        problems = [problem for problem in (
            f"{self.columns.customer} is empty" if not customer else None,
            day if isinstance(day, str) else None,
            amount if isinstance(amount, str) else None) if problem]
        if problems:
            self._refuse(line, "; ".join(problems))
        elif isinstance(day, int) and isinstance(amount, float):
            self.customers.append(customer)
            self.days.append(day)
            self.amounts.append(amount)

    def _day(self, text: str) -> int | str:
        """The day of a date's text (days since 1970-01-01), or why it has none."""
        known = self._day_of.get(text)
        if known is None:
            known = self._day_of[text] = _parse_day(text, self.date_format, self.columns.date)
        return known

    def _refuse(self, line: int, reason: str) -> None:
        self.bad_count += 1
        if len(self.bad) < BAD_ROWS_SHOWN:
            self.bad.append(f"{self.path}:{line}: {reason}")

    def _result(self) -> Transactions:
        if self.bad_count:
            more = self.bad_count - len(self.bad)
            tail = [f"... and {more} more bad row{'' if more == 1 else 's'}"] if more else []
            raise TransactionsError("\n".join(self.bad + tail))
        return Transactions(customers=np.array(self.customers, dtype=np.str_),
                            days=np.array(self.days, dtype=np.int64).astype("datetime64[D]"),
                            amounts=np.array(self.amounts, dtype=np.float64))


def _parse_day(text: str, date_format: str | None, column: str) -> int | str:
    if not text:
        return f"{column} is empty"
    if date_format is not None:
        try:
            return datetime.strptime(text, date_format).toordinal() - _EPOCH
        except ValueError:
            return f"{column} {text!r} does not match the date format {date_format!r}"
    if _ISO_DAY.fullmatch(text):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # numpy only warns of a time zone
                return int(np.datetime64(text, "s").astype("datetime64[D]").astype(np.int64))
        except (ValueError, UserWarning, DeprecationWarning):
            pass
    return (f"{column} {text!r} is not a date as YYYY-MM-DD (a time of day may follow, "
            "with no time zone; give the date format to read others)")


def _amount(text: str, column: str) -> float | str:
    try:
        value = float(text)
    except ValueError:
        return f"{column} {text!r} is not a number" if text else f"{column} is empty"
    if not np.isfinite(value):
        return f"{column} {text!r} is not a finite number"
    if value < 0:
        return f"{column} {text} is negative: a refund is not a purchase; net it out first"
    return value
