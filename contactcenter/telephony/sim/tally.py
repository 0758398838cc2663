"""A platform run's figures, read from its event stream as a board reads them.

A caller joined their queue at ``call.queued``, was connected at
``call.answered`` and left at ``call.ended``, whose outcome says how: talked,
abandoned, or sent elsewhere (voicemail, a callback promised). A caller who
never reached a queue (done in the menu, or hung up there) is no queue's
call and is counted apart. Callbacks promised are followed until their
attempt ends, so that a run does not end while one is owed.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from contactcenter.telephony.sim.metrics import CallRecord, SimResult, summarise
from contactcenter.telephony.sim.scenario import Caller, Floor

#: what a callback's attempt's record id adds to the id of the call that asked for it
ATTEMPT = "-callback"
#: outcomes the platform gives a caller who left the queue for somewhere else
OVERFLOWED = frozenset({"voicemail", "voicemail_failed", "callback_requested"})


class Tally:
    """Each caller's times and what became of them; ``done`` once nothing is owed."""

    def __init__(self, floor: Floor) -> None:
        self._floor = floor
        self.records: dict[str, CallRecord] = {}
        #: the events of the run by type (``event:TYPE``) and what else happened in it
        self.counts: Counter[str] = Counter()
        self.arrivals_done = False
        self._settled = 0
        #: callers promised a callback whose attempt has not ended yet
        self._callbacks: set[str] = set()

    def arrived(self, call_id: str, caller: Caller) -> None:
        number = len(self.records) + 1
        self.records[call_id] = CallRecord(
            call_id=call_id, joined=math.nan, handle=caller.handle, patience=caller.patience,
            measured=number > self._floor.warmup)

    def note(self, event: dict[str, Any], now: float) -> CallRecord | None:
        """One event into the callers' times; the caller it connected, if it did."""
        kind = str(event.get("type"))
        self.counts[f"event:{kind}"] += 1
        self._follow_callbacks(kind, event)
        record = self.records.get(str(event.get("call_id")))
        if record is None:
            return None  # another record's (a callback's own attempt)
        if kind == "call.queued" and math.isnan(record.joined):
            record.joined = now
        elif kind == "call.answered" and record.waiting:  # (not its callback, later)
            record.connected, record.agent = now, str(event.get("agent"))
            return record
        elif kind == "call.ended" and not record.settled:
            self._end(record, str(event.get("outcome")), now)
        return None

    def all_settled(self) -> bool:
        """Every caller arrived and ended, and every callback promised was attempted."""
        return (self.arrivals_done and self._settled == len(self.records)
                and not self._callbacks)

    def result(self, end: float, commands: dict[str, int]) -> SimResult:
        """The figures over the callers who reached a queue; the others counted apart."""
        queued = [r for r in self.records.values() if not math.isnan(r.joined)]
        self.counts["run:never_queued"] = len(self.records) - len(queued)
        return summarise(self._floor, queued, end, {**commands, **self.counts})

    def _follow_callbacks(self, kind: str, event: dict[str, Any]) -> None:
        call_id = str(event.get("call_id"))
        promised = (kind == "call.overflowed" and event.get("kind") == "callback") or (
            kind == "callback.requested" and bool(event.get("queue")))
        if promised:
            self._callbacks.add(call_id)
        elif kind in ("callback.withdrawn", "callback.refused", "call.abandoned"):
            self._callbacks.discard(call_id)
        elif kind == "call.ended" and call_id.endswith(ATTEMPT):
            self._callbacks.discard(call_id.removesuffix(ATTEMPT))

    def _end(self, record: CallRecord, outcome: str, now: float) -> None:
        if record.connected is not None:
            record.finished = now
        elif outcome in OVERFLOWED:
            record.overflowed = now
        else:
            record.abandoned = now
        self._settled += 1
