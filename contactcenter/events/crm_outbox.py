"""Ended calls go from the call journal to the CRM's interactions, never lost.

The journal is the outbox: a call's record is on disk before this sees it.
At start every ended call the journal still holds is offered to the CRM, which
keeps each call once (what comes after the end, the agent's wrap-up time, disposition,
notes and script answers, fills in the call's interaction when it comes), so calls that ended while the app was down or the
database was unreachable arrive late instead of never. While running, each
``call.ended`` is written within a moment, in batches: the calls that end within
``linger`` seconds of one another share one transaction (on SQLite a transaction
costs serve about 5 ms of CPU and a call's row a tenth of that: one transaction per
call took more of serve's time than the IVR itself at 50 calls a second); a failed
write is kept and tried again with a doubling pause.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.events.bus import DomainEvent, EventBus, Subscription
from contactcenter.events.journal import CallJournal, CallRecord
from contactcenter.events.retry import Backoff
from crm_core.call_records import CallSummary, record_calls

log = logging.getLogger(__name__)

BATCH = 500
MAX_PAUSE = 30.0
#: seconds an ended call waits for others to share its transaction; well inside the CRM
#: page's first refresh after a call event (0.7 s)
LINGER = 0.25
#: the events that (re)offer an ended call: its end, then what the agent adds after it
_AFTER_END = frozenset({"call.ended", "call.wrapped", "call.disposed", "script.answers"})


def _time(seconds: float | None) -> dt.datetime | None:
    return None if seconds is None else dt.datetime.fromtimestamp(seconds, dt.UTC)


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def _iso(seconds: float | None) -> str | None:
    """A time as the CRM's API writes its times (ISO 8601, UTC)."""
    moment = _time(seconds)
    return None if moment is None else moment.isoformat()


def _parties(record: CallRecord) -> list[dict[str, object]] | None:
    """Who was on the call and when: the record's entries, their times in ISO 8601."""
    if not record.parties:
        return None
    return [{**party, "joined": _iso(party["joined"]), "left": _iso(party["left"])}
            for party in record.parties]


def _recordings(record: CallRecord) -> list[dict[str, object]] | None:
    """Every recorded part of the call, with who had it; its times in ISO 8601."""
    if not record.recordings:
        return None
    return [{**part, "started": _iso(part.get("started"))} for part in record.recordings]


def summarise(record: CallRecord) -> CallSummary:
    """The CRM's view of a journal record."""
    queue = record.queue
    if queue is None and record.exit and record.exit.get("kind") == "queue":
        queue = record.exit.get("target")
    wait = talk = None
    if record.queued is not None:
        wait = round((record.answered or record.ended or record.queued) - record.queued, 3)
    if record.answered is not None and record.ended is not None:
        talk = round(record.ended - record.answered, 3)
    return CallSummary(call_id=record.call_id, caller=record.caller, dialed=record.dialed,
                       started=_time(record.started) or dt.datetime.now(dt.UTC),
                       ended=_time(record.ended), outcome=record.outcome, queue=queue,
                       agent=record.agent, wait_seconds=wait, talk_seconds=talk,
                       recording=record.recording, recordings=_recordings(record),
                       wrap_seconds=_rounded(record.wrap),
                       hold_seconds=None if record.answered is None else _rounded(record.held),
                       parties=_parties(record),
                       direction=record.direction,
                       ivr_path=list(record.ivr_path), disposition=record.disposition,
                       notes=record.notes,
                       answers=None if record.answers is None else dict(record.answers),
                       campaign=record.campaign, attempt=record.attempt,
                       record_id=record.record_id, engine=record.engine)


class CrmOutbox:
    def __init__(self, journal: CallJournal, sessions: async_sessionmaker[AsyncSession],
                 *, first_pause: float = 0.5, linger: float = LINGER) -> None:
        self._journal = journal
        self._sessions = sessions
        self._unsent: dict[str, CallSummary] = {}
        self._first_pause = first_pause
        self._linger = linger
        self.written = 0
        self.transactions = 0  #: writes that went through (each holds many calls)
        self.failures = 0

    def _offer_journal(self) -> None:
        for record in self._journal.ended():
            self._unsent.setdefault(record.call_id, summarise(record))

    def _offer_call(self, call_id: str) -> None:
        record = self._journal.records.get(call_id)
        if record is not None and record.state == "ended":
            self._unsent[call_id] = summarise(record)

    async def flush(self) -> None:
        """Write everything waiting; raises if the database refuses."""
        while self._unsent:
            batch = list(self._unsent.values())[:BATCH]
            self.written += await record_calls(self._sessions, batch)
            self.transactions += 1
            for call in batch:
                self._unsent.pop(call.call_id, None)

    async def run(self, bus: EventBus) -> None:
        """Write as calls end; after a failure, keep taking the calls but try the
        database again only after the pause (every event on the bus must not be another
        attempt: each queue's figures come by many a second)."""
        subscription = bus.subscribe()
        self._offer_journal()
        retry = Backoff(asyncio.get_running_loop().time, first_pause=self._first_pause,
                        max_pause=MAX_PAUSE)
        while True:
            timeout: float | None = retry.wait()
            if timeout is not None and timeout <= 0:
                try:
                    await self.flush()
                    retry.succeeded()
                    timeout = None
                except Exception as exc:  # noqa: BLE001 - any database failure: keep, retry
                    self.failures += 1
                    log.warning("CRM unreachable, %d calls wait to be written: %s",
                                len(self._unsent), exc)
                    timeout = retry.failed()
            event = await subscription.get(timeout)
            subscription = self._take(bus, subscription, event)
            if timeout is None and self._linger and 0 < len(self._unsent) < BATCH:
                await asyncio.sleep(self._linger)  # the calls ending meanwhile join in
                subscription = self._take(bus, subscription, None)

    def _take(self, bus: EventBus, subscription: Subscription,
              event: DomainEvent | None) -> Subscription:
        """Offer the calls that ``event`` and the events waiting behind it end or complete
        (up to a batch); the subscription to go on with."""
        if subscription.overflowed:  # cut off while we waited: the journal has all
            subscription = bus.subscribe()
            self._offer_journal()
        if event is None:
            event = subscription.get_nowait()
        while event is not None:
            if event.get("type") in _AFTER_END:
                self._offer_call(event["call_id"])
            event = subscription.get_nowait() if len(self._unsent) < BATCH else None
        return subscription
