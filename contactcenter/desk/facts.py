"""What the platform knows of a call when it is offered, read from its journal record.

Pure functions over ``contactcenter.events.journal`` records: the IVR's path, the digits the
caller entered, the IVR's variables and how long the caller has waited. A callback
is a call of its own (``call.dialed``, outbound) whose IVR facts are those of the call
that asked for it (its ``origin``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contactcenter.events.journal import CallJournal, CallRecord


@dataclass(frozen=True, slots=True)
class CallFacts:
    """A call as the desktop shows it when it is offered."""

    call_id: str
    caller: str = ""
    dialed: str = ""
    direction: str = "inbound"
    #: the call the ACD knows (a callback's virtual caller), when it is not ``call_id``
    origin: str | None = None
    ivr_path: tuple[str, ...] = ()
    #: ``{"node": ..., "digits": ...}`` for every key or input the caller entered, in order
    digits: tuple[dict[str, str], ...] = ()
    variables: dict[str, str] = field(default_factory=dict)
    #: when the caller started waiting for an agent (Unix seconds), if known
    queued: float | None = None
    #: the agents who had the call before a transfer, with their disposition and notes
    handled_before: tuple[dict[str, Any], ...] = ()
    #: a campaign's dial: the campaign, the record's attempt, the script it names
    campaign: str | None = None
    attempt: int | None = None
    script: str | None = None
    #: a web visitor's call: target, page, origin, the e-mail they typed and its contact
    web: dict[str, Any] | None = None

    @property
    def acd_call_id(self) -> str:
        return self.origin or self.call_id

    def ivr(self) -> dict[str, Any]:
        return {"path": list(self.ivr_path), "digits": [dict(d) for d in self.digits],
                "variables": dict(self.variables)}

    def wait(self, now: float) -> float | None:
        """Seconds since the caller was queued, at ``now``."""
        return None if self.queued is None else round(max(0.0, now - self.queued), 3)

    def merge_call(self, queue: str) -> dict[str, Any]:
        """The ``call`` root of a script's merge fields."""
        return {"caller": self.caller, "dialed": self.dialed, "queue": queue,
                "campaign": self.campaign, "attempt": self.attempt,
                "direction": self.direction,
                "ivr_path": list(self.ivr_path), "ivr": dict(self.variables),
                # by node: ``{{ call.digits.account_number }}``
                "digits": {entry["node"]: entry["digits"] for entry in self.digits}}


def _digits(record: CallRecord) -> tuple[dict[str, str], ...]:
    return tuple({"node": str(event.get("node", "")), "digits": str(event.get("digits", ""))}
                 for event in record.all_events() if event.get("type") == "ivr.digits")


def _handled_before(record: CallRecord) -> tuple[dict[str, Any], ...]:
    """Who had the call and left it (a transfer), how long they talked, what they noted."""
    events = record.all_events()
    noted = {event.get("agent"): event for event in events
             if event.get("type") == "call.disposed"}
    handled = []
    for event in events:
        if event.get("type") == "call.party_left" and event.get("role") == "agent":
            note = noted.get(event.get("who"), {})
            handled.append({"agent": event.get("who"), "talked": event.get("talked"),
                            "disposition": note.get("code"), "notes": note.get("notes")})
    return tuple(handled)


def _origin(record: CallRecord) -> str | None:
    for event in record.all_events():
        if event.get("type") == "call.dialed" and event.get("origin"):
            return str(event["origin"])
    return None


def _dialed(record: CallRecord) -> dict[str, Any]:
    """What a campaign's dial says of itself on ``call.dialed``: campaign, attempt, script."""
    for event in record.events:
        if event.get("type") == "call.dialed" and event.get("campaign"):
            return {"campaign": str(event["campaign"]), "attempt": event.get("attempt"),
                    "script": event.get("script")}
    return {}


def _web(record: CallRecord) -> dict[str, Any] | None:
    """What a web visitor's call said of the web as it arrived (``contactcenter.webcall``)."""
    for event in record.all_events():
        if event.get("type") == "call.arrived":
            web = event.get("web")
            return dict(web) if isinstance(web, dict) else None
    return None


def call_facts(journal: CallJournal, call_id: str) -> CallFacts:
    """The facts of ``call_id`` as its record (and a callback's origin) has them now."""
    record = journal.records.get(call_id)
    if record is None:
        return CallFacts(call_id=call_id)
    origin = _origin(record) if record.direction == "outbound" else None
    source = journal.records.get(origin) if origin else None
    ivr = source or record
    queued = record.queued
    if queued is None and source is not None:
        queued = source.queued
    return CallFacts(call_id=call_id, caller=record.caller, dialed=record.dialed,
                     direction=record.direction, origin=origin,
                     ivr_path=tuple(ivr.ivr_path), digits=_digits(ivr),
                     variables=dict(ivr.variables), handled_before=_handled_before(record),
                     queued=queued if queued is not None else record.started or None,
                     web=_web(record), **_dialed(record))
