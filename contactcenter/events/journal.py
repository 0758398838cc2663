"""The call journal: every call's events, appended as they happen.

Each domain event of a call is written as one JSON line before the engine
moves on, so a crash of the app loses no call record: lines handed to the OS
survive the process, and a background task fsyncs at most every 200 ms so
that even an OS crash loses at most that much. On start the journal is read
back to rebuild the records, including those of calls still in Asterisk.
The file holds callers' numbers and what they keyed in: only the platform's
account may read it (0600, ``contactcenter.server.statedir``).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from contactcenter.events.bus import DomainEvent
from contactcenter.server.statedir import private_opener

_KEEP_ENDED = 10_000
#: events that come after a call's end (the agent's wrap-up, their disposition, answers
#: given while wrapping up): they never open a record
_AFTER_END = frozenset({"call.wrapped", "call.disposed", "script.answers"})
#: a supervisor on the call (``contactcenter.engine.monitoring``): kept in its history,
#: but never the start of a record (a session may end after the call's record is gone)
_MONITORING = frozenset({"call.monitor", "call.monitor.started", "call.monitor.ended"})
#: call control's events (``contactcenter.calls.control``): their ``agent`` is the agent
#: in charge of the call at that moment
#: the events that begin a record
_STARTS = frozenset({"call.arrived", "call.refused", "call.dialed", "call.resumed"})
_CONTROL = frozenset({
    "call.held", "call.retrieved", "call.muted", "call.transferred", "call.requeued",
    "call.transfer_answered", "call.transfer_refused", "call.transfer_failed",
    "call.consulting", "call.consult_answered", "call.consult_ended", "call.conference",
    "call.party_left", "call.control_ended"})


@dataclass(slots=True)
class CallRecord:
    """What the platform knows of one call; built from its events only."""

    call_id: str
    caller: str = ""
    dialed: str = ""
    direction: str = "inbound"  #: outbound: a customer called back (or clicked to talk)
    started: float = 0.0
    ended: float | None = None
    state: str = "ivr"  #: ivr, queued, voicemail, ending, ended
    outcome: str | None = None
    exit: dict[str, Any] | None = None
    ivr_path: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    queue: str | None = None
    queued: float | None = None  #: when it joined the queue
    #: when an agent last put it back in a queue (a transfer): its place after a restart
    requeued: float | None = None
    answered: float | None = None  #: when an agent was connected
    agent: str | None = None
    recording: str | None = None  #: the last recording's name
    #: every recording of the call, in order: ``name``, ``agent`` (who had the call),
    #: ``queue``, ``started``; a transferred call has one per agent on a recording queue
    recordings: list[dict[str, Any]] = field(default_factory=list)
    wrap: float | None = None  #: the agent's after-call work, in seconds (after the end)
    disposition: str | None = None  #: the agent's code for the call (the last one given)
    notes: str | None = None  #: the agent's notes, with the disposition
    answers: dict[str, Any] | None = None  #: the call script's answers (the last snapshot)
    held: float = 0.0  #: seconds the caller was on hold, all holds of all talks together
    #: of ``held``, the seconds of the talks before the current one: call control counts
    #: each talk's hold from 0 (a talk begins at ``call.answered``, or at ``call.resumed``)
    held_before: float = 0.0
    agents: list[str] = field(default_factory=list)  #: every agent who had the call, in order
    #: each party's times, in the order they joined: ``role`` (caller, agent, consulted,
    #: outside), ``who``, ``joined``, ``left`` (None while on the call); ``took_over``: a
    #: consulted party the call was handed to (an attended transfer; a consulted agent
    #: left in a conference by the call's agent)
    parties: list[dict[str, Any]] = field(default_factory=list)
    #: a dialer campaign's call: the campaign's name, which attempt at the record it is
    #: (1 for the first) and the list record dialed (``contact:12``, ``lead:7``, ...)
    campaign: str | None = None
    attempt: int | None = None
    record_id: str | None = None
    #: the engine that carried the call (``asterisk``, ``twilio``, ``sim``), as its first
    #: event says (``telephony.router``)
    engine: str | None = None
    events: list[DomainEvent] = field(default_factory=list)
    #: the events of an ended call, kept as one JSON text: thousands of ended calls
    #: as dicts would be millions of objects for the garbage collector to walk
    archived: str = ""

    def apply(self, event: DomainEvent) -> None:
        self.events.append(event)
        kind = event["type"]
        if self.state == "ended" and kind not in _AFTER_END:
            return  # kept in its history; an ended call is not reopened (a callback's news)
        if kind in _CONTROL:
            self._in_charge(event.get("agent"))
            self._apply_control(kind, event)
        else:
            self._apply_call(kind, event)

    def _apply_call(self, kind: str, event: DomainEvent) -> None:
        """The call's own course: arrival, the IVR, the queue, the agent, the end."""
        if kind in _STARTS:
            self._apply_start(kind, event)
        elif kind == "ivr.step":
            self.ivr_path.append(event["node"])
        elif kind == "ivr.exit":
            self.exit = {k: event.get(k) for k in ("kind", "target", "reason")}
            self.variables.update(event.get("variables") or {})
        elif kind in ("call.queued", "voicemail.started"):
            self.state = "queued" if kind == "call.queued" else "voicemail"
            if kind == "call.queued" and self.queued is None:
                self.queue, self.queued = event.get("queue"), event["time"]
        elif kind == "call.recording":
            self.recording = event.get("recording")
            self.recordings.append({"name": self.recording, "queue": event.get("queue"),
                                    "agent": event.get("agent"), "started": event["time"]})
        elif kind == "call.answered":
            self.state = "connected"
            self.agent, self.answered = event.get("agent"), event["time"]
            self.queue = event.get("queue") or self.queue  # the one that answered
            self.held_before = self.held  # a new talk under call control
            if self.agent:
                self._had_by(self.agent)
                self._join("agent", self.agent, event["time"])
        elif kind == "call.wrapped":
            self.wrap = event.get("wrap")
        elif kind == "script.answers":
            self.answers = dict(event.get("answers") or {})
        elif kind == "call.disposed":
            self.disposition, self.notes = event.get("code"), event.get("notes")
        elif kind == "call.ended":
            self.state = "ended"
            self.ended = event["time"]
            self.outcome = event.get("outcome")
            for party in self.parties:  # whoever was still on the call left with its end
                if party["left"] is None:
                    party["left"] = self.ended

    def _apply_start(self, kind: str, event: DomainEvent) -> None:
        """Who called whom and when, by how the call began (or was met after a restart)."""
        self.engine = event.get("engine") or self.engine
        if kind == "call.arrived":
            self.caller = event.get("caller", "")
            self.dialed = event.get("dialed", "")
            self.started = event["time"]
            self._join("caller", self.caller, event["time"])
        elif kind == "call.refused":  # a call asked for that the rules did not allow
            self.caller = self.dialed = event.get("number", "")
            self.direction, self.agent = "outbound", event.get("asked_by")
            self.started = event["time"]
        elif kind == "call.dialed":  # the platform calls the customer (callback, dialer)
            self.caller = event.get("caller", "")
            self.dialed = event.get("dialed", "")
            self.direction = event.get("direction", "outbound")
            self.queue = event.get("queue")
            self.agent = event.get("agent")  # click-to-talk: whose call it is
            self.started = event["time"]
            # the dialer's: the campaign's figures count its attempts by these
            self.campaign = event.get("campaign")
            self.attempt = event.get("attempt")
            self.record_id = event.get("record_id")
            self._join("caller", self.caller, event["time"])
        elif kind == "call.resumed":
            self.held_before = self.held  # call control starts the call's talk anew
            if not self.started:
                # the app met this call only after a restart: what Asterisk still knew
                self.caller = event.get("caller", "")
                self.dialed = event.get("dialed", "")
                self.started = event["time"]
                self._join("caller", self.caller, event["time"])

    def _apply_control(self, kind: str, event: DomainEvent) -> None:
        """Call control's news: hold time, transfers, and the parties' times."""
        if kind == "call.retrieved":
            self.held += event.get("held") or 0.0
        elif kind in ("call.requeued", "call.control_ended"):
            # the talk's whole hold time, a hold the caller never came back from included
            self.held = max(self.held, self.held_before + (event.get("held_total") or 0.0))
            if kind == "call.requeued":  # back in a queue, that one, from now on
                self.state = "queued"
                self.queue, self.requeued = event.get("queue") or self.queue, event["time"]
        elif kind == "call.transferred" and event.get("kind") == "attended":
            self._took_over(str(event.get("to", "")), event.get("to_kind"))
        elif kind == "call.consult_answered":
            self._join("consulted", str(event.get("to", "")), event["time"])
        elif kind == "call.transfer_answered":
            self._join("outside", str(event.get("to", "")), event["time"])
        elif kind == "call.consult_ended":
            self._leave("consulted", str(event.get("to", "")), event["time"])
        elif kind == "call.party_left":
            self._leave(str(event.get("role", "")), str(event.get("who", "")), event["time"])

    # -- the parties ---------------------------------------------------------------------

    def _join(self, role: str, who: str, time: float) -> None:
        if not any(party["who"] == who and party["left"] is None for party in self.parties):
            self.parties.append({"role": role, "who": who, "joined": time, "left": None})

    def _on_call(self, who: str) -> dict[str, Any] | None:
        """``who``'s entry while they are on the call."""
        for party in reversed(self.parties):
            if party["who"] == who and party["left"] is None:
                return party
        return None

    def _leave(self, role: str, who: str, time: float) -> None:
        party = self._on_call(who)
        # a consulted party who took the call over leaves as its agent
        if party is not None and (party["role"] == role or party.get("took_over")):
            party["left"] = time

    def _had_by(self, agent: str) -> None:
        if agent not in self.agents:
            self.agents.append(agent)

    def _took_over(self, who: str, kind: object) -> None:
        """The consulted party has the caller now; an ACD agent has the call."""
        party = self._on_call(who)
        if party is not None and party["role"] == "consulted":
            party["took_over"] = True
        if kind == "agent":
            self.agent = who  # whose leg a restart adopts
            self._had_by(who)

    def _in_charge(self, agent: str | None) -> None:
        """A call control event names the agent in charge: a consulted agent named so took
        the call over (a conference its agent left says so with no transfer event)."""
        if agent:
            party = self._on_call(agent)
            if party is not None and party["role"] == "consulted" \
                    and not party.get("took_over"):
                self._took_over(agent, "agent")

    def archive(self) -> None:
        self.archived = json.dumps(self.all_events(), separators=(",", ":"))
        self.events = []

    def all_events(self) -> list[DomainEvent]:
        earlier: list[DomainEvent] = json.loads(self.archived) if self.archived else []
        return earlier + self.events

    def summary(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items()
                if key not in ("events", "archived", "held_before")}


class CallJournal:
    """Append-only JSON-lines file plus the records it describes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, CallRecord] = {}
        self._ended: deque[str] = deque()  # ended calls, oldest first
        self._file: Any = None
        self._dirty = False

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self._replay()
        self._file = open(self.path, "a", encoding="utf-8", opener=private_opener)  # noqa: SIM115
        if self._file.tell() and not self._ends_with_newline():
            self._file.write("\n")  # end a line torn by a crash, or the next one joins it

    def _ends_with_newline(self) -> bool:
        with self.path.open("rb") as raw:
            raw.seek(-1, os.SEEK_END)
            return raw.read(1) == b"\n"

    def _replay(self) -> None:
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # a torn last line from a crash mid-write
                self._apply(event)

    def _apply(self, event: DomainEvent) -> CallRecord | None:
        call_id = event["call_id"]
        record = self.records.get(call_id)
        if record is None:
            if event["type"] in _AFTER_END or event["type"] in _MONITORING:
                return None  # the call's record is forgotten already: it stays closed
            record = self.records[call_id] = CallRecord(call_id=call_id)
        was_live = record.state != "ended"
        record.apply(event)
        if was_live and record.state == "ended":
            record.archive()
            self._ended.append(call_id)
            if len(self._ended) > _KEEP_ENDED:  # keep memory bounded: O(1) per call
                self.records.pop(self._ended.popleft(), None)
        return record

    def append(self, event: DomainEvent) -> CallRecord | None:
        """Record one call event; it is in the OS's hands when this returns."""
        self._file.write(json.dumps(event, separators=(",", ":")) + "\n")
        self._file.flush()
        self._dirty = True
        return self._apply(event)

    async def sync_forever(self, interval: float = 0.2) -> None:
        """fsync in a worker thread: a slow disk must not stall every call's events."""
        while True:
            await asyncio.sleep(interval)
            if self._dirty and self._file is not None:
                self._dirty = False
                await asyncio.to_thread(os.fsync, self._file.fileno())

    def sync(self) -> None:
        if self._dirty and self._file is not None:
            self._dirty = False
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self.sync()
            self._file.close()
            self._file = None

    def ended(self) -> list[CallRecord]:
        """The ended calls still kept (the last 10,000), oldest first."""
        return [self.records[call_id] for call_id in self._ended if call_id in self.records]

    def live(self) -> list[CallRecord]:
        return [record for record in self.records.values() if record.state != "ended"]
