"""The Twilio driver's books on disk, so that a restart forgets neither the webhooks it
answered nor the legs it placed.

One JSON-lines file in the state folder (owner-only, 0600, as everything there:
``contactcenter.server.statedir``), appended as things happen:

- ``{"at": ..., "answer": <dedupe key>, "xml": <the TwiML answered>}``: a webhook
  answered. Twilio resends a webhook it got no answer to within seconds; one answered just
  before a restart and resent after it gets the same answer, and its events are not
  handed on again. On start only the keys of the last ``KEEP_SECONDS`` (15 minutes, far
  beyond Twilio's retries) are read back, ``size`` at most, the newest kept.
- ``{"at": ..., "leg": <leg id>, "sid": <CallSid>, "purpose": ..., "call": ...,
  "endpoint": ...}``: a leg placed and the CallSid Twilio gave it. Twilio's list of calls
  does not give back the ``Url`` a call was created with, so this line is the only way a
  restarted platform knows the call is its own, and what for (``resync.py``).
- ``{"at": ..., "gone": <leg id>}``: the leg ended.

The file is rewritten with only what is still kept (compacted) on start, again after
the resync (Twilio's lists say which legs still exist), and whenever the lines appended
since outnumber twice what is kept, plus ``COMPACT_FLOOR``. A line torn by a crash is
skipped. A file that cannot be written is logged once: the books in memory go on.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from contactcenter.server.statedir import private_opener
from contactcenter.telephony.twilio.resync import LegInfo

log = logging.getLogger(__name__)

#: seconds a webhook's answer is kept across a restart
KEEP_SECONDS = 15 * 60
#: lines appended beyond twice the entries kept before the file is compacted
COMPACT_FLOOR = 1_000
#: the file's name in the state folder
FILE_NAME = "twilio.jsonl"


class BookFile:
    """``clock``: wall-clock seconds (the file outlives the process, so not monotonic)."""

    def __init__(self, path: Path, *, size: int, keep_seconds: float = KEEP_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._size, self._keep, self._clock = size, keep_seconds, clock
        self._answers: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._legs: dict[str, tuple[float, LegInfo]] = {}
        self._file: Any = None
        self._appended = 0
        self._failed = False

    # reading back ----------------------------------------------------------------------

    def load(self) -> tuple[list[tuple[str, str]], list[LegInfo]]:
        """The answers still kept (key, TwiML; oldest first) and the legs not ended."""
        if self.path.exists():
            try:
                with self.path.open(encoding="utf-8") as lines:
                    for line in lines:
                        self._read(line)
            except OSError as exc:
                log.warning("Twilio's books at %s cannot be read: %s", self.path, exc)
        self.compact()  # what is not read back leaves the file now
        return ([(key, xml) for key, (_at, xml) in self._answers.items()],
                [leg for _at, leg in self._legs.values()])

    def _read(self, line: str) -> None:
        try:
            entry = json.loads(line)
            at = float(entry["at"])
            if "answer" in entry:
                self._remember(str(entry["answer"]), at, str(entry["xml"]))
            elif "leg" in entry:
                self._legs[str(entry["leg"])] = (at, LegInfo(
                    leg_id=str(entry["leg"]), sid=str(entry["sid"]),
                    purpose=str(entry["purpose"]), call_id=str(entry["call"]),
                    endpoint=str(entry.get("endpoint") or "")))
            elif "gone" in entry:
                self._legs.pop(str(entry["gone"]), None)
        except (ValueError, KeyError, TypeError):
            return  # a line torn by a crash

    def _remember(self, key: str, at: float, xml: str) -> None:
        self._answers.pop(key, None)
        self._answers[key] = (at, xml)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)

    def _trim(self) -> None:
        """Answers older than the window go (the file is in the order they came)."""
        oldest = self._clock() - self._keep
        while self._answers and next(iter(self._answers.values()))[0] < oldest:
            self._answers.popitem(last=False)

    # writing ---------------------------------------------------------------------------

    def answered(self, key: str, xml: str) -> None:
        at = self._clock()
        self._remember(key, at, xml)
        self._append({"at": at, "answer": key, "xml": xml})

    def leg(self, leg: LegInfo) -> None:
        at = self._clock()
        self._legs[leg.leg_id] = (at, leg)
        self._append(_leg_line(at, leg))

    def gone(self, leg_id: str) -> None:
        if self._legs.pop(leg_id, None) is not None:
            self._append({"at": self._clock(), "gone": leg_id})

    def keep_legs(self, legs: Iterable[str]) -> None:
        """Only these legs still exist (Twilio's list says so): the file is compacted."""
        kept = set(legs)
        self._legs = {leg: entry for leg, entry in self._legs.items() if leg in kept}
        self.compact()

    def _append(self, entry: dict[str, Any]) -> None:
        try:
            if self._file is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._file = open(self.path, "a", encoding="utf-8", opener=private_opener)  # noqa: SIM115
            self._file.write(json.dumps(entry) + "\n")
            self._file.flush()
        except OSError as exc:
            self._write_failed(exc)
            return
        self._appended += 1
        if self._appended > COMPACT_FLOOR + 2 * (len(self._answers) + len(self._legs)):
            self.compact()

    def compact(self) -> None:
        """Rewrite the file with only what is kept (answers in the window, legs up)."""
        self._trim()
        self.close()
        fresh = self.path.with_suffix(".tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(fresh, "w", encoding="utf-8", opener=private_opener) as out:
                out.writelines(json.dumps({"at": at, "answer": key, "xml": xml}) + "\n"
                               for key, (at, xml) in self._answers.items())
                out.writelines(json.dumps(_leg_line(at, leg)) + "\n"
                               for at, leg in self._legs.values())
                out.flush()
                os.fsync(out.fileno())
            fresh.replace(self.path)
        except OSError as exc:
            self._write_failed(exc)
            return
        self._appended = 0

    def _write_failed(self, exc: OSError) -> None:
        if not self._failed:
            log.warning("Twilio's books cannot be written to %s (%s): a restart will not "
                        "know the webhooks answered and the legs placed until now",
                        self.path, exc)
        self._failed = True

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _leg_line(at: float, leg: LegInfo) -> dict[str, Any]:
    return {"at": at, "leg": leg.leg_id, "sid": leg.sid, "purpose": leg.purpose,
            "call": leg.call_id, "endpoint": leg.endpoint}
