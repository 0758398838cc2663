"""Messages go from the call journal to the CRM's voicemail, never lost; unhandled ones
past their box's age limit are flagged on the board.

The journal is the outbox, as for the calls' interactions
(``contactcenter.events.crm_outbox``): a message exists once the call that left
it has ended, and its ``voicemail.recorded`` event is on disk before this sees
it. At start every ended call the journal still holds is offered again; the CRM
keeps each message once (``call_id`` is unique), so messages left while the app
was down or the database unreachable arrive late instead of never. A failed
write is kept and tried again with a doubling pause. Each new message is
published as ``voicemail.message``, with a ``voicemail.notice`` for each other agent
whose desktop lists it (``news_of``).

Every ``CHECK_EVERY`` seconds the unhandled messages are checked against their
box's age limit (``Mailboxes.overdue``); each one past it is flagged once in the
CRM (``overdue_at``) and published as ``voicemail.overdue``, so a restart does
not flag it again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.events.bus import DomainEvent, EventBus
from contactcenter.events.journal import CallJournal, CallRecord
from contactcenter.events.retry import Backoff
from contactcenter.voicemail.access import Owned, desks
from contactcenter.voicemail.boxes import Mailboxes, Status
from crm_core.voicemail import NewMessage, flag_overdue, record_messages, unflagged

log = logging.getLogger(__name__)

MAX_PAUSE = 30.0
#: seconds between two checks of the messages' age: a flag comes at most this late
CHECK_EVERY = 60.0
#: the event that tells one agent a message their desktop lists changed
NOTICE = "voicemail.notice"


def message_of(record: CallRecord, boxes: Mailboxes) -> NewMessage | None:
    """The message an ended call left: its last recording that ended well, if any."""
    started: dict[str, float] = {}
    found: NewMessage | None = None
    for event in record.all_events():
        if event.get("type") == "voicemail.started":
            started[str(event.get("recording"))] = float(event["time"])
        elif event.get("type") == "voicemail.recorded" and event.get("status") == "done":
            name = str(event.get("recording"))
            box = boxes.box(event.get("mailbox"))
            left = started.get(name, float(event["time"]))
            found = NewMessage(call_id=record.call_id, mailbox=box.name, queue=box.queue,
                               agent=box.agent, caller=record.caller, recording=name,
                               left_at=dt.datetime.fromtimestamp(left, dt.UTC),
                               duration=event.get("duration"))
    return found


def event_of(kind: str, message: dict[str, Any], now: float, **extra: Any) -> DomainEvent:
    """A ``voicemail.*`` event for ``message`` (a row as the API shows it): ``agent``
    names its assignee, else the agent whose box it is (``owner``); the times say
    whether it is theirs for whoever holds those agent ids now (``access.mine``)."""
    return {"type": kind, "time": now, "message": message["id"],
            "call": message["call_id"], "mailbox": message["mailbox"],
            "queue": message["queue"], "agent": message.get("assignee") or message["agent"],
            "owner": message["agent"], "assignee": message.get("assignee"),
            "left_at": message.get("left_at"), "assigned_at": message.get("assigned_at"),
            **extra}


def news_of(kind: str, message: dict[str, Any], now: float,
            members: Mapping[str, frozenset[str]], **extra: Any) -> list[DomainEvent]:
    """The change's event, then a ``voicemail.notice`` for each other agent whose
    desktop lists the message (``access.desks``): an agent's stream passes only the
    events that name them, and a queue's box names nobody."""
    event = event_of(kind, message, now, **extra)
    told = desks(Owned.of(message), members) - {event["agent"]}
    return [event, *({"type": NOTICE, "time": now, "message": message["id"],
                      "call": message["call_id"], "mailbox": message["mailbox"],
                      "queue": message["queue"], "agent": agent, "owner": message["agent"],
                      "assignee": message.get("assignee"), "left_at": event["left_at"],
                      "assigned_at": event["assigned_at"], "change": kind,
                      "status": message["status"]} for agent in sorted(told))]


class VoicemailOutbox:
    def __init__(self, journal: CallJournal, sessions: async_sessionmaker[AsyncSession],
                 boxes: Mailboxes, bus: EventBus, *, first_pause: float = 0.5,
                 clock: Callable[[], float] = time.time) -> None:
        self._journal, self._sessions, self._boxes = journal, sessions, boxes
        self._bus, self._clock = bus, clock
        self._first_pause = first_pause
        self._unsent: dict[str, NewMessage] = {}
        self.written = 0
        self.failures = 0

    def offer(self, records: Iterable[CallRecord]) -> None:
        for record in records:
            if record.state == "ended" and record.call_id not in self._unsent:
                message = message_of(record, self._boxes)
                if message is not None:
                    self._unsent[record.call_id] = message

    async def flush(self) -> None:
        """Write what waits; raises if the database refuses."""
        if not self._unsent:
            return
        batch = list(self._unsent.values())
        for row in await record_messages(self._sessions, batch):
            self.written += 1
            for event in news_of("voicemail.message", row, self._clock(),
                                 self._boxes.members, caller=row["caller"],
                                 contact_id=row["contact_id"], duration=row["duration"]):
                self._bus.publish(event)
        for message in batch:
            self._unsent.pop(message.call_id, None)

    async def run(self) -> None:
        """Write as calls end; after a failure, keep taking the calls but try the
        database again only after the pause (not at every event on the bus)."""
        subscription = self._bus.subscribe()
        self.offer(self._journal.ended())
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
                    log.warning("voicemail: %d messages wait to be written: %s",
                                len(self._unsent), exc)
                    timeout = retry.failed()
            event = await subscription.get(timeout)
            if subscription.overflowed:  # cut off: the journal has every ended call
                subscription = self._bus.subscribe()
                self.offer(self._journal.ended())
            while event is not None:
                if event.get("type") == "call.ended":
                    record = self._journal.records.get(event["call_id"])
                    self.offer([record] if record is not None else [])
                event = subscription.get_nowait()


class OverdueCheck:
    """Flags the messages left unhandled past their box's age limit, once each."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], boxes: Mailboxes,
                 bus: EventBus, *, clock: Callable[[], float] = time.time) -> None:
        self._sessions, self._boxes, self._bus, self._clock = sessions, boxes, bus, clock

    async def _due(self, now: float) -> dict[int, dict[str, Any]]:
        """The messages past their limit: each queue with a limit of its own, then the
        other boxes, each by its own cut-off (no box's backlog hides another's)."""
        def cut(limit: float) -> dt.datetime:
            return dt.datetime.fromtimestamp(now - limit, dt.UTC)

        rows = []
        for queue, limit in self._boxes.max_age.items():
            rows += await unflagged(self._sessions, before=cut(limit), queue=queue)
        rows += await unflagged(self._sessions, before=cut(self._boxes.default_max_age),
                                other_than=list(self._boxes.max_age))
        return {row["id"]: row for row in rows if self._boxes.overdue(
            queue=row["queue"], status=Status(row["status"]), now=now,
            left_at=dt.datetime.fromisoformat(row["left_at"]).timestamp())}

    async def run_once(self) -> list[int]:
        now = self._clock()
        due = await self._due(now)
        marked = await flag_overdue(self._sessions, list(due),
                                    now=dt.datetime.fromtimestamp(now, dt.UTC))
        for message_id in marked:
            row = due[message_id]
            left = dt.datetime.fromisoformat(row["left_at"]).timestamp()
            for event in news_of("voicemail.overdue", row, now, self._boxes.members,
                                 age=round(now - left, 3),
                                 limit=self._boxes.age_limit(row["queue"])):
                self._bus.publish(event)
        return marked

    async def run(self, every: float = CHECK_EVERY) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # any failure: tried again at the next check
                log.exception("voicemail: the age check failed; next in %.0f s", every)
            await asyncio.sleep(every)
