"""The campaigns' own book: what a restart needs to go on where the campaigns were.

Each campaign's moves (started, paused, stopped), each dial placed (before the
driver is asked: the book is an outbox like the call journal), the machine
detection's verdict on each answer, each human bridged to an agent's open line, each agent's line opened and closed, and each
dial's end with the record's attempts and next due time, appended as one JSON
line. Read back at start (``replay``), it says per campaign: its state, every
record's attempts and next due time (or that it is done, and whether a human
was reached), the law's live answers and abandons, the open lines, and the dials
placed that never ended (``in_doubt``): the app stopped while they rang or
talked. The file holds the numbers called: only the platform's account may read
it (0600, ``contactcenter.server.statedir``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contactcenter.server.statedir import private_opener


@dataclass(slots=True)
class RecordLog:
    attempts: int = 0
    next_due: float | None = 0.0  #: None: done with it
    reached: bool = False
    abandoned_at: float | None = None
    callback_agent: str | None = None  #: a callback agreed and not yet dialed: its agent


@dataclass(slots=True)
class DialLog:
    """A dial placed that has not ended (as far as the book knows)."""

    dial_id: str
    record_id: str
    number: str
    leg: str
    attempt: int
    placed: float
    agent: str | None = None  #: the agent whose line the human was bridged into
    human: bool | None = None  #: the machine detection's verdict (None: not answered)
    #: a callback agreed before it ended (its agent, its time): owed once it ends
    callback: tuple[str, float] | None = None


@dataclass(slots=True)
class SeatLog:
    agent: str
    endpoint: str
    leg: str
    opened: float


@dataclass(slots=True)
class CampaignLog:
    state: str = "idle"
    records: dict[str, RecordLog] = field(default_factory=dict)
    in_doubt: dict[str, DialLog] = field(default_factory=dict)
    seats: dict[str, SeatLog] = field(default_factory=dict)  #: by agent
    #: the law's ledger: (time, abandoned) of every live answer
    answers: list[tuple[float, bool]] = field(default_factory=list)
    dials: int = 0  #: the highest dial number given (a new run numbers on from here)

    def apply(self, entry: dict[str, Any]) -> None:
        kind = entry["t"]
        self._count(entry.get("dial"))
        if kind == "state":
            self.state = entry["state"]
        elif kind == "dialed":
            self.in_doubt[entry["dial"]] = DialLog(
                dial_id=entry["dial"], record_id=entry["record"], number=entry["number"],
                leg=entry["leg"], attempt=entry["attempt"], placed=entry["at"])
            record = self.records.setdefault(entry["record"], RecordLog())
            record.attempts = max(record.attempts, entry["attempt"])
        elif kind == "connected" and entry["dial"] in self.in_doubt:
            self.in_doubt[entry["dial"]].agent = entry["agent"]
        elif kind == "detected" and entry["dial"] in self.in_doubt:
            self.in_doubt[entry["dial"]].human = bool(entry["human"])
        elif kind == "settled":
            self._settled(entry)
        elif kind == "seat":
            self.seats[entry["agent"]] = SeatLog(agent=entry["agent"], leg=entry["leg"],
                                                 endpoint=entry["endpoint"], opened=entry["at"])
        elif kind == "unseated":
            self.seats.pop(entry["agent"], None)

    def _agreed_during(self, record_id: str, record: RecordLog) -> None:
        """A callback agreed while a dial of the record is still up: owed once it ends."""
        for dial in self.in_doubt.values():
            if dial.record_id == record_id and record.callback_agent is not None:
                dial.callback = (record.callback_agent, record.next_due or 0.0)

    def _count(self, dial_id: object) -> None:
        """Dial ids are ``<campaign>-<n>``: a new run numbers on from the highest."""
        if isinstance(dial_id, str) and dial_id.rpartition("-")[2].isdigit():
            self.dials = max(self.dials, int(dial_id.rpartition("-")[2]))

    def _settled(self, entry: dict[str, Any]) -> None:
        dial = self.in_doubt.pop(entry.get("dial") or "", None)
        record = self.records.setdefault(entry["record"], RecordLog())
        record.attempts = max(record.attempts, entry["attempts"])
        record.next_due = entry["next_due"]
        outcome = entry["outcome"]
        record.reached = record.reached or outcome == "human"
        if outcome == "callback":
            record.callback_agent = entry.get("callback_agent")
            self._agreed_during(entry["record"], record)
        elif outcome not in _PUT_OFF or record.next_due is None:
            record.callback_agent = None  # dialed, skipped or done: an ordinary record
        if dial is not None and dial.callback is not None:  # agreed before it ended
            record.callback_agent, record.next_due = dial.callback
        if outcome in ("human", "abandoned"):
            self.answers.append((entry["at"], outcome == "abandoned"))
        if outcome == "abandoned":
            record.abandoned_at = entry["at"]


#: a callback's dial that ends so before it rang keeps its reservation (the core's rule)
_PUT_OFF = frozenset({"refused", "cancelled"})


class CampaignBook:
    """Append-only JSON lines, and every campaign's log read back from them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.logs: dict[str, CampaignLog] = {}
        self._file: Any = None

    def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.path.exists():
            self._replay()
        self._file = open(self.path, "a", encoding="utf-8", opener=private_opener)  # noqa: SIM115
        if self._file.tell():
            self._file.write("\n")  # a line torn by a crash must not swallow the next

    def _replay(self) -> None:
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a torn last line
                if isinstance(entry, dict) and "campaign" in entry:
                    self.log(entry["campaign"]).apply(entry)

    def log(self, campaign: str) -> CampaignLog:
        return self.logs.setdefault(campaign, CampaignLog())

    def write(self, campaign: str, kind: str, **data: Any) -> None:
        """One entry, in the OS's hands when this returns (as the call journal's)."""
        entry = {"campaign": campaign, "t": kind, **data}
        if self._file is not None:
            self._file.write(json.dumps(entry, separators=(",", ":")) + "\n")
            self._file.flush()
        self.log(campaign).apply(entry)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
