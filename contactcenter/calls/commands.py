"""What the call gate asks of the engine, and its decisions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class LookUpCallee:
    """Find what the CRM knows of ``number``; answer ``CalleeFound`` or ``LookupFailed``."""

    placement_id: str
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Cleared:
    """The call may be placed: now, or for a callback not before ``earliest``."""

    placement_id: str
    earliest: float | None = None  #: a callback asked for outside the calling window


@dataclass(frozen=True, slots=True, kw_only=True)
class Refused:
    """No call: ``rule`` (do_not_call, calling_hours, unknown_time_zone, lookup_failed,
    unchecked) and a reason for a person to read."""

    placement_id: str
    rule: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Deferred:
    """A callback's turn came too soon: out of line until ``until`` (then ``Resume``)."""

    placement_id: str
    until: float | None  #: None: until the lookup answers
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Resume:
    """A deferred callback may wait for its turn again: put it back in line."""

    placement_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Publish a domain event: ``call.refused``, ``callback.refused``, ``callback.deferred``."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


Decision = Cleared | Refused | Deferred
GateCommand = LookUpCallee | Cleared | Refused | Deferred | Resume | Report
