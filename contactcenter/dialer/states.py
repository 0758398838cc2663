"""A campaign's records, its dials, lines and agents, and how the dialer core moves them.

Theory of operation
-------------------
``Dialer`` (``core.py``) paces one outbound campaign. It never does I/O and
never reads the clock: the engine hands it events (``handle(event, now)``)
and, once ``next_deadline()`` has passed, the time (``handle_timer(now)``),
and carries out the commands it returns, in order. The events and commands
are listed in ``docs/dialer.md``, so that any simulator can drive it.

A *record* is a person to call: an id, an E.164 number, a priority, the
attempts made so far and the earliest time of the next one. A record is
``WAITING`` (due at its time), ``DIALING`` (one dial of it is under way, never
two) or ``DONE`` (reached, refused for good, or out of attempts). Waiting
records are taken by priority (the highest first), then by due time.

A *dial* is one try at a record, on one of the campaign's ``max_lines``
lines, held from the moment the dial is asked of the call gate to its end, so
that never more dials are under way than the campaign has lines. A dial moves
through ``DialState``:

- ``PREVIEW``: an agent sees the record and dials or skips it (a preview
  campaign's records, and every callback); left alone ``preview_seconds``, the
  core dials it for them;
- ``CHECKING``: the call gate (do-not-call, consent, calling window) is asked
  (``CheckDial``); nothing rings before it clears the dial (``DialChecked``);
- ``DIALING`` then ``RINGING``: the number is dialed (``Dial``, with the
  caller ID and a ring timeout of at least 15 s) and rings;
- answered by a human: ``CONNECTING`` to a free agent at once (``ConnectCall``),
  then ``TALKING``; not bridged within 2 s, or with no free agent, the human is
  abandoned at once
  (``PlayAbandonMessage``: within the 2 s of the US Telemarketing Sales Rule,
  16 CFR 310.4(b)(1)(iv)), ``ABANDONING`` until the call ends (hung up after
  ``message_limit`` at most);
- answered by a machine: ``MACHINE`` (``LeaveMachineMessage`` or ``DropCall``;
  hung up after ``message_limit`` at most);
- busy, no answer, failed: the dial ends at once.

Every dial ends exactly once, in ``ENDED``, with an ``Outcome`` (``RecordOutcome``
for the CRM); an answered dial ends when its call ends (``CallEnded``). The
outcome decides the record's future by the campaign's retry rules: reached
(``human``) is done; ``busy``, ``no_answer``, ``machine``, ``failed`` and
``abandoned`` each have a delay and a maximum of attempts; an abandoned number
is not dialed again within 72 hours unless an agent is held for the call before
it is placed (Ofcom's rule; ``reserved.py``). A callback the customer agreed to
is a record due at its time and reserved to the agent who agreed it while they
are on the campaign (``reserved.py``).

An *agent*, as the dialer sees them, is ``READY`` (free: may be given a
human), ``PREVIEWING`` a record, ``CONNECTING`` (a human is being bridged to
them), ``TALKING``, in ``WRAP_UP``, ``PAUSED`` or ``LOGGED_OUT``.

The campaign is ``IDLE`` until started, then ``RUNNING``, ``PAUSED`` or
``STOPPED`` (final). Only a running campaign places dials; the dials under
way when it pauses or stops go on to their end. After each event and timer a
running campaign asks its pacer (``pacing.py``) how many dials to place now.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING

from contactcenter.dialer.events import Record

if TYPE_CHECKING:
    from contactcenter.dialer.reserved import Reservation

#: no number rings less than this before it is given up as no answer (Ofcom, and the
#: FCC's 15 s / four rings under 47 CFR 64.1200(a)(6))
MIN_RING = 15.0
#: a human answer not connected within this is abandoned (16 CFR 310.4(b)(4)(i))
ABANDON_WITHIN = 2.0
#: no redial of an abandoned number within this (47 CFR 64.1200(a)(7) practice, Ofcom)
ABANDON_REDIAL = 72 * 3600.0
#: seconds past the ring timeout after which a dial nobody heard of is hung up
DIAL_GRACE = 30.0


class CampaignState(str, Enum):
    """Whether the campaign places dials."""

    IDLE = "idle"  #: loaded, not started
    RUNNING = "running"  #: dials are placed as the pacer says
    PAUSED = "paused"  #: no new dial; those under way end
    STOPPED = "stopped"  #: no new dial ever (final)


class DialState(str, Enum):
    """Where one dial is; ``ENDED`` is final."""

    PREVIEW = "preview"  #: an agent sees the record, to dial or skip
    CHECKING = "checking"  #: the call gate is asked
    DIALING = "dialing"  #: the dial command is out
    RINGING = "ringing"  #: the callee's phone rings
    CONNECTING = "connecting"  #: a human answered; bridged to an agent now
    TALKING = "talking"  #: the human talks with the agent
    ABANDONING = "abandoning"  #: no agent: the abandon message plays, then hang-up
    MACHINE = "machine"  #: a machine answered: message left or dropped
    ENDED = "ended"  #: over, with an outcome (final)


class AgentState(str, Enum):
    """An agent as the dialer sees them; only ``READY`` agents are free."""

    LOGGED_OUT = "logged_out"  #: not working the campaign
    READY = "ready"  #: free: a human may be connected to them
    PREVIEWING = "previewing"  #: a record shown (preview), or its dial under way
    CONNECTING = "connecting"  #: a human is being bridged to them
    TALKING = "talking"  #: on a call
    WRAP_UP = "wrap_up"  #: after-call work
    PAUSED = "paused"  #: not ready, with a reason


class RecordState(str, Enum):
    WAITING = "waiting"  #: due at its time
    DIALING = "dialing"  #: one dial of it under way
    DONE = "done"  #: reached, refused for good or out of attempts


class Outcome(str, Enum):
    """How a dial ended."""

    HUMAN = "human"  #: a human talked with an agent
    MACHINE = "machine"  #: an answering machine
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"  #: the network or the number failed
    ABANDONED = "abandoned"  #: a human answered and no agent took them
    REFUSED = "refused"  #: the call gate did not clear it (no attempt)
    SKIPPED = "skipped"  #: the previewing agent skipped it (no attempt)
    CANCELLED = "cancelled"  #: the campaign paused or stopped before it rang (no attempt)


#: dials whose call was placed: they count as an attempt of the record
ATTEMPTED = frozenset({Outcome.HUMAN, Outcome.MACHINE, Outcome.BUSY, Outcome.NO_ANSWER,
                       Outcome.FAILED, Outcome.ABANDONED})
#: dials not yet answered (the pacer's "under way")
PENDING = frozenset({DialState.CHECKING, DialState.DIALING, DialState.RINGING})


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryRule:
    """After an attempt with this outcome: due again ``delay`` s later, if the record has
    had fewer than ``max_attempts`` attempts."""

    delay: float
    max_attempts: int


DEFAULT_RETRY: Mapping[Outcome, RetryRule] = MappingProxyType({
    Outcome.BUSY: RetryRule(delay=600.0, max_attempts=3),
    Outcome.NO_ANSWER: RetryRule(delay=3600.0, max_attempts=3),
    Outcome.MACHINE: RetryRule(delay=4 * 3600.0, max_attempts=2),
    Outcome.FAILED: RetryRule(delay=900.0, max_attempts=2),
    Outcome.ABANDONED: RetryRule(delay=ABANDON_REDIAL, max_attempts=2),
})


def retry_due(campaign: Campaign, outcome: Outcome, attempts: int, now: float) -> float | None:
    """After an attempt ending with ``outcome`` (the record's ``attempts``-th): when the
    record is due again by the campaign's retry rules, or None when done with it."""
    rule = campaign.retry.get(outcome)
    if rule is None or attempts >= rule.max_attempts:
        return None
    # an abandoned number due within 72 h is dialed only with an agent held for it
    # (``reserved.py``): the delay is the campaign's
    return now + rule.delay


@dataclass(frozen=True, slots=True, kw_only=True)
class Campaign:
    """A campaign's dialing settings (the CRM campaign's, validated on load)."""

    name: str
    caller_id: str | None  #: the number shown to callees; without one, no start
    strategy: str = "progressive"  #: the pacer's name (``pacing.PACERS``)
    max_lines: int = 10  #: dials under way at most, from the gate's check to the end
    ring_timeout: float = 20.0  #: raised to ``MIN_RING`` if lower
    power_ratio: float = 2.0  #: ``power``: lines per free agent
    retry: Mapping[Outcome, RetryRule] = field(default_factory=lambda: DEFAULT_RETRY)
    machine: str = "drop"  #: ``drop`` or ``message`` (``machine_message`` left)
    machine_message: str = ""
    abandon_message: str = ""  #: names the caller and a number to call back
    #: abandoned calls at most this share of live answers (the law's 3 %, or less)
    abandon_target: float = 0.03
    skip_delay: float = 3600.0  #: a record skipped in preview is due again after this
    #: a record shown in preview is dialed for its agent after this, if left alone
    preview_seconds: float = 30.0
    #: a callback due while its agent is busy waits for them this long, then any agent
    callback_wait: float = 300.0
    #: an abandon message or a machine's (or drop) is hung up after this at most
    message_limit: float = 60.0
    #: local hours its callees may be called in (the call gate's); None: the platform's
    calling_hours: tuple[dt.time, dt.time] | None = None


@dataclass(slots=True)
class RecordEntry:
    """A record as the dialer keeps it."""

    id: str
    number: str
    priority: int
    attempts: int
    due: float
    state: RecordState = RecordState.WAITING
    version: int = 0  #: bumped when re-filed: older heap entries are stale
    ready: bool = False  #: in the ready heap (due)


@dataclass(slots=True)
class DialEntry:
    """One dial of a record, on one line."""

    id: str
    record: RecordEntry
    line: int
    state: DialState
    started: float
    agent: str | None = None  #: the agent it is for (preview, reserved), or connected to
    #: an agent held for it before placing (a callback, an early redial), else None
    reservation: Reservation | None = None
    #: a callback agreed while the dial was under way (the code given before the hangup)
    agreed: Reservation | None = None
    placed: float | None = None  #: when the Dial command went out
    answered: float | None = None
    #: when the core acts without news: a preview dialed, a dial nobody heard of given
    #: up, a human not bridged abandoned, a message cut off
    deadline: float | None = None


@dataclass(slots=True)
class AgentEntry:
    id: str
    state: AgentState
    since: float
    dial: str | None = None  #: the dial they preview or are connected to


#: the agent states whose length is measured as they end, for the pacer's estimates
MEASURED = {AgentState.TALKING: "talk", AgentState.WRAP_UP: "wrap"}


@dataclass(slots=True)
class AgentBoard:
    """The campaign's agents as the dialer sees them."""

    agents: dict[str, AgentEntry] = field(default_factory=dict)

    def get(self, agent_id: str | None) -> AgentEntry | None:
        return self.agents.get(agent_id) if agent_id is not None else None

    def enter(self, agent_id: str, now: float) -> AgentEntry:
        """The agent, known from now on (logged out until told otherwise)."""
        agent = self.agents.get(agent_id)
        if agent is None:
            agent = self.agents[agent_id] = AgentEntry(agent_id, AgentState.LOGGED_OUT, now)
        return agent

    def free(self) -> AgentEntry | None:
        """The agent ready for the longest time."""
        ready = [a for a in self.agents.values() if a.state is AgentState.READY]
        return min(ready, key=lambda a: a.since, default=None)

    @staticmethod
    def move(agent: AgentEntry, state: AgentState, now: float) -> tuple[str, float] | None:
        """Put the agent in ``state``; the talk or wrap-up that ended then, if one did."""
        ended = None
        if state is not agent.state:
            kind = MEASURED.get(agent.state)
            ended = (kind, now - agent.since) if kind is not None else None
            agent.since = now
        agent.state = state
        return ended


@dataclass(slots=True)
class RecordBook:
    """Waiting records: due ones by (priority, due), later ones by due time."""

    records: dict[str, RecordEntry] = field(default_factory=dict)
    _later: list[tuple[float, int, int, str]] = field(default_factory=list)
    _ready: list[tuple[int, float, int, int, str]] = field(default_factory=list)
    _seq: int = 0
    due_count: int = 0  #: waiting records in the ready heap

    def file(self, record: RecordEntry) -> None:
        """(Re)file a waiting record under its due time."""
        if record.ready:
            self.due_count -= 1
        record.version += 1
        record.ready = False
        record.state = RecordState.WAITING
        self._seq += 1
        heapq.heappush(self._later, (record.due, self._seq, record.version, record.id))

    def promote(self, now: float) -> None:
        """Records due by ``now`` move to the ready heap (by priority, then due)."""
        while self._later and self._later[0][0] <= now:
            due, seq, version, record_id = heapq.heappop(self._later)
            record = self.records.get(record_id)
            if record is None or record.version != version or record.ready \
                    or record.state is not RecordState.WAITING:
                continue
            record.ready = True
            self.due_count += 1
            heapq.heappush(self._ready, (-record.priority, due, seq, version, record_id))

    def take(self) -> RecordEntry | None:
        """The best due record, now ``DIALING``; None when none is due."""
        while self._ready:
            *_, version, record_id = heapq.heappop(self._ready)
            record = self.records.get(record_id)
            if record is None or record.version != version or not record.ready:
                continue
            record.ready = False
            self.due_count -= 1
            record.state = RecordState.DIALING
            return record
        return None

    def next_due(self) -> float | None:
        """When the earliest later record is due (stale entries dropped)."""
        while self._later:
            due, _, version, record_id = self._later[0]
            record = self.records.get(record_id)
            if record is not None and record.version == version and not record.ready \
                    and record.state is RecordState.WAITING:
                return due
            heapq.heappop(self._later)
        return None

    def load(self, spec: Record, most: int, rest: float = ABANDON_REDIAL) -> RecordEntry | None:
        """File a record given (replacing one waiting or done); None while one of it is
        being dialed, so that it is never dialed twice at once. ``most``: the campaign's
        highest maximum of attempts: a record with as many is done already; ``rest``: the
        campaign's delay after an abandon."""
        old = self.records.get(spec.record_id)
        if old is not None and old.state is RecordState.DIALING:
            return None
        due = spec.earliest
        if spec.abandoned_at is not None:  # the retry rule's rest after an abandon
            due = max(due, spec.abandoned_at + rest)
        record = RecordEntry(spec.record_id, spec.number, spec.priority, spec.attempts, due,
                             version=old.version if old is not None else 0)
        if old is not None and old.ready:
            self.due_count -= 1  # its ready-heap entry went stale with it
        self.records[record.id] = record
        if spec.attempts >= most:
            record.state = RecordState.DONE
        else:
            self.file(record)
        return record

    def hold(self, record: RecordEntry) -> None:
        """A waiting record kept out of the heaps (a reservation holds it, ``reserved.py``)."""
        if record.ready:
            self.due_count -= 1
        record.version += 1
        record.ready = False
        record.state = RecordState.WAITING

    def drop(self, record: RecordEntry) -> None:
        """A record no longer on the list: out of the heaps and the book."""
        self.hold(record)
        del self.records[record.id]

    def settle(self, record: RecordEntry, outcome: Outcome, now: float, campaign: Campaign,
               retry_at: float | None = None) -> float | None:
        """After a dial of it: the record's next due time by the campaign's retry rules
        (refiled), or None when done with it (reached, out of attempts, refused)."""
        due: float | None
        if outcome in ATTEMPTED:
            due = retry_due(campaign, outcome, record.attempts, now)
        elif outcome is Outcome.REFUSED:
            due = retry_at  # the calling window's opening, or never (do-not-call)
        elif outcome is Outcome.SKIPPED:
            due = now + campaign.skip_delay
        else:
            due = record.due  # cancelled before it rang: as it was
        if due is None:
            record.state = RecordState.DONE
        else:
            record.due = due
            self.file(record)
        return due
