"""An import file's records, each with its line, or the reason it is not a row.

Theory of operation: the file is read as bytes, a line at a time and never more
than ``MAX_LINE`` bytes of one, so that the bytes read drive the progress bar and
a file without line ends cannot fill the memory. ``csv.DictReader`` turns the
lines into records. A record is refused, with its first line and the reason, when
it has more or fewer fields than the header, or a control character (a NUL among
them); the records around it are kept.

A line over ``MAX_LINE`` bytes, or a field over the csv module's limit (128 KiB,
reached by a quoted field spanning lines), stops the csv reader in the middle of a
record. Reading goes on at the next record: the quotes counted on every line say
whether the record ended on the line where it stopped or runs on inside a quoted
field, in which case its lines are passed over up to the one that closes the quote.
Only a header that cannot be read, or a line that is not UTF-8, stops the import.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from crm_core.csv_cells import control_character, unescape

#: the longest line read, in bytes: a person's row is a few hundred
MAX_LINE = 64 * 1024
_CHUNK = 64 * 1024


class LineTooLong(Exception):
    """A line ran over ``MAX_LINE`` bytes; it was read to its end, not kept."""


class Lines:
    """A file's lines as text, counting bytes and lines, and where the record being read
    began; whether that record is inside a quoted field is kept from its quotes."""

    def __init__(self, file: IO[bytes], path: Path) -> None:
        self._file = file
        self._path = path
        self.bytes_read = 0
        #: the number of the last line read, and of the first line of the record being read
        self.number = 0
        self.start = 1
        self._in_quotes = False

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self._read_line()
        if raw is None:
            raise StopIteration
        if self.number == self.start and raw in (b"\n", b"\r\n"):
            self.start += 1  # a blank line between records, which csv skips
        try:
            return raw.decode("utf-8-sig" if self.number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{self._path}:{self.number}: not UTF-8 text") from None

    def _read_line(self) -> bytes | None:
        """The next line's bytes, None at the end; LineTooLong once past an overlong one."""
        raw = self._file.readline(MAX_LINE + 1)
        if not raw:
            return None
        self.number += 1
        self.bytes_read += len(raw)
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            self._read_past(raw)
            raise LineTooLong(f"a line longer than {MAX_LINE:,} bytes")
        self._count_quotes(raw)
        return raw

    def _count_quotes(self, raw: bytes) -> None:
        if raw.count(b'"') % 2:
            self._in_quotes = not self._in_quotes

    def _read_past(self, raw: bytes) -> None:
        """Read the rest of an overlong line, keeping only its length and its quotes."""
        while raw:
            self._count_quotes(raw)
            if raw.endswith(b"\n"):
                return
            raw = self._file.readline(_CHUNK)
            self.bytes_read += len(raw)

    def skip_record(self) -> int:
        """Pass over the lines of a broken record up to its end; the number of its last line."""
        while self._in_quotes:  # its lines are not decoded: they are not read
            try:
                if self._read_line() is None:
                    break
            except LineTooLong:
                continue
        return self.number

    def record_ended(self) -> None:
        """The csv reader ended a record at the last line: the next one starts after it."""
        self.start = self.number + 1
        self._in_quotes = False


def read_rows(lines: Lines, path: Path, columns: Sequence[str], required: frozenset[str],
              bad: list[tuple[int, str]]) -> Iterator[tuple[int, dict[str, str]]]:
    """Each record's first line and its ``columns``, unescaped and stripped; a record
    that is not a row goes to ``bad`` with its line and the reason."""
    reader = csv.DictReader(lines)
    width = len(_header(reader, lines, path, required))
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except (csv.Error, LineTooLong) as exc:
            bad.append((lines.start, _spanning(_reason(exc), lines.start, lines.skip_record())))
            lines.record_ended()
            continue
        start, end = lines.start, lines.number
        lines.record_ended()
        problem = _problem(raw, width)
        if problem is not None:
            bad.append((start, _spanning(problem, start, end)))
            continue
        yield start, {key: unescape(raw.get(key) or "") for key in columns}


def _header(reader: csv.DictReader[str], lines: Lines, path: Path,
            required: frozenset[str]) -> Sequence[str]:
    try:
        header = reader.fieldnames or ()
    except (csv.Error, LineTooLong) as exc:
        raise ValueError(f"{path}:{lines.number}: the header cannot be read: "
                         f"{_reason(exc)}") from None
    lines.record_ended()
    missing = required - set(header)
    if missing:
        raise ValueError(f"{path}:1: the header lacks {', '.join(sorted(missing))}")
    return header


def _problem(raw: dict[str | None, str | list[str] | None], width: int) -> str | None:
    """Why a record is not a row: its count of fields, or a control character in one."""
    extra = raw.get(None)  # the fields past the header's
    if extra is not None:
        given = width + len(extra)
    elif None in raw.values():  # the header's names that the record had no field for
        given = sum(value is not None for value in raw.values())
    else:
        given = width
    if given != width:
        return f"{given} field{'' if given == 1 else 's'} where the header has {width}"
    for name, value in raw.items():
        found = control_character(value) if isinstance(value, str) else None
        if found is not None:
            return f"{name} holds a control character ({found})"
    return None


def _spanning(reason: str, start: int, end: int) -> str:
    """The reason, naming the lines a bad record took when more than one (a quote left
    open takes every line up to the next quote)."""
    return reason if end == start else f"{reason} (lines {start}-{end}, passed over)"


def _reason(exc: Exception) -> str:
    if isinstance(exc, LineTooLong):
        return str(exc)
    if str(exc).startswith("field larger than field limit"):
        return f"a field longer than {csv.field_size_limit():,} characters"
    if str(exc).startswith("new-line character seen in unquoted field"):
        return "a carriage return inside a field that is not quoted"
    return f"not CSV: {exc}"
