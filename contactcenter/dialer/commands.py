"""What the dialer core asks of the engine: imperatives, frozen and keyword-only, to be
carried out in the order given. ``docs/dialer.md`` has the table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckDial:
    """Ask the call gate (do-not-call, consent, calling window) whether ``number`` may be
    dialed now; answer with ``DialChecked``. Nothing rings before it clears.
    ``agent``: the agent held for this dial alone (a callback, a preview, an early
    redial), who will take the person; ``abandoned_at``: when a call to the number was
    last abandoned (the gate refuses a redial within 72 h of it without ``agent``)."""

    dial_id: str
    record_id: str
    number: str
    agent: str | None = None
    abandoned_at: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Dial:
    """Dial ``number`` on ``line`` showing ``caller_id``; give up as no answer only after
    ``ring_timeout`` (never below 15 s). ``attempt``: this record's attempt number."""

    dial_id: str
    record_id: str
    number: str
    line: int
    caller_id: str
    ring_timeout: float
    attempt: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferPreview:
    """Show the record to the agent (preview): they dial it or skip it; left alone
    until ``deadline`` (the core's time: shown ``preview_seconds``), the core dials it.
    ``reserved``: ``callback`` (one the customer agreed to) or ``redial``, else ""."""

    dial_id: str
    agent: str
    record_id: str
    number: str
    attempt: int
    deadline: float
    reserved: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectCall:
    """Bridge the human who answered the dial with ``agent``, now."""

    dial_id: str
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayAbandonMessage:
    """No agent for the human: play ``message`` at once (naming the caller and a number
    to call back) and hang up."""

    dial_id: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveMachineMessage:
    """Leave ``message`` on the answering machine, then hang up."""

    dial_id: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DropCall:
    """Hang the dial up (a machine dropped, a dial nobody heard of past its time)."""

    dial_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordOutcome:
    """Write the attempt's outcome to the CRM; ``next_due``: when the record is due again
    (None: done with it)."""

    dial_id: str
    record_id: str
    number: str
    outcome: str
    attempts: int
    agent: str | None
    next_due: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Refuse:
    """A campaign request the core will not carry out (``start`` without a caller ID)."""

    action: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A ``dialer.*`` domain event for the bus (the engine adds ``time``)."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


DialerCommand = (CheckDial | Dial | OfferPreview | ConnectCall | PlayAbandonMessage
                 | LeaveMachineMessage | DropCall | RecordOutcome | Refuse | Report)
