"""Booked callbacks, kept where they survive a restart of the app.

A booking is a promise for a time that may be days ahead, long after the call
journal has let go of the call it was made on, so it has a small JSON-lines
file of its own in the state folder (``bookings.jsonl``, 0600 like the rest):
each change of a booking is appended whole, and at start the last line of each
is read back and the file rewritten with those still open and those that ended
in the last days (for the supervisors' list).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from contactcenter.server.statedir import private_opener

log = logging.getLogger(__name__)

#: booked: waits for its slot; due: its slot came, it is a callback in line (or deferred
#: by the gate); dialed: an agent took it and the customer was dialed; refused: the
#: calling rules said no at its time; withdrawn: nobody could be dialed; cancelled;
#: orphaned: its queue left the config (never dialed; booked again if the queue comes
#: back before its slot)
BookingState = Literal["booked", "due", "dialed", "refused", "withdrawn", "cancelled",
                       "orphaned"]
OPEN: frozenset[str] = frozenset({"booked", "due"})
#: how long an ended booking stays on the list after it ended (seconds)
KEEP_ENDED = 2 * 86_400


@dataclass(slots=True, kw_only=True)
class Booking:
    """A callback booked for a slot."""

    id: str
    queue: str
    number: str
    start: float  #: the slot: when the customer is called back, from
    end: float  #: to
    booked_at: float
    source: str  #: web (the help page), api, ivr
    name: str = ""
    topic: str = ""
    origin: str | None = None  #: the call it was booked on (the IVR's)
    state: BookingState = "booked"
    changed_at: float = 0.0
    #: why it is in its state, when the state alone does not say (an orphaned one's queue)
    reason: str = ""

    @property
    def open(self) -> bool:
        return self.state in OPEN

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BookingStore:
    """Append-only JSON lines of booking changes; compacted at each start."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None

    def load(self, now: float) -> list[Booking]:
        """Every booking still open, and those ended lately; the file keeps only those."""
        last: dict[str, Booking] = {}
        for entry in _entries(self.path):
            booking = _booking(entry)
            if booking is None:
                log.warning("bookings: a line that is no booking is left out: %r", entry)
                continue
            last[booking.id] = booking
        kept = [booking for booking in last.values() if _kept(booking, now)]
        self._rewrite(kept)
        return kept

    def save(self, booking: Booking) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8", opener=private_opener)  # noqa: SIM115
        self._file.write(json.dumps(booking.as_dict()) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())  # a promise to a customer: on disk before we say yes

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _rewrite(self, kept: list[Booking]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = self.path.with_suffix(".tmp")
        with open(fresh, "w", encoding="utf-8", opener=private_opener) as out:
            out.writelines(json.dumps(booking.as_dict()) + "\n" for booking in kept)
            out.flush()
            os.fsync(out.fileno())
        fresh.replace(self.path)


def _kept(booking: Booking, now: float) -> bool:
    """Open, ended lately, or orphaned with its slot not long past: an orphaned booking
    is a promise the config broke, kept until its queue may be back for it."""
    if booking.open or booking.changed_at > now - KEEP_ENDED:
        return True
    return booking.state == "orphaned" and booking.end > now - KEEP_ENDED


_TEXTS = ("id", "queue", "number", "source", "name", "topic", "reason")
_TIMES = ("start", "end", "booked_at", "changed_at")
#: the times a booking may hold: from 1970 to a day short of the calendar's last, so that
#: each is a date in every zone (the release's log, the supervisors' list, the page)
_LAST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC).timestamp()
_STATES = frozenset(get_args(BookingState))


def _booking(entry: dict[str, Any]) -> Booking | None:
    """The booking a line holds, or None when it holds none: a field missing, of the
    wrong type or out of range (a line edited by hand, or another version's) would stop
    the bookings from being sorted and released at all."""
    try:
        booking = Booking(**entry)
    except TypeError:
        return None
    times = [getattr(booking, name) for name in _TIMES]
    if not all(isinstance(getattr(booking, name), str) for name in _TEXTS) \
            or not all(type(t) in (int, float) and 0 <= t <= _LAST for t in times) \
            or not isinstance(booking.origin, str | None) or booking.state not in _STATES \
            or booking.end <= booking.start:
        return None
    return booking


def _entries(path: Path) -> list[dict[str, Any]]:
    """The file's lines; a line a crash tore is left out."""
    if not path.exists():
        return []
    entries = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
    return entries
