"""A dialer campaign's call in the journal: its record keeps the campaign, the attempt
and the list record from ``call.dialed``, a replay rebuilds them, and the CRM's summary
carries them on; a callback's record has none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from contactcenter.events.crm_outbox import summarise
from contactcenter.events.journal import CallJournal, CallRecord

CALLER_ID = "+15550009000"
CALLEE = "+15550001001"


def _dial(call_id: str = "d1", **campaign: Any) -> list[dict[str, Any]]:
    return [{"type": "call.dialed", "call_id": call_id, "time": 100.0, "caller": CALLER_ID,
             "dialed": CALLEE, "direction": "outbound", "agent": None, **campaign},
            {"type": "call.answered", "call_id": call_id, "time": 108.0, "agent": "agent101"},
            {"type": "call.ended", "call_id": call_id, "time": 160.0, "outcome": "human"},
            {"type": "call.disposed", "call_id": call_id, "time": 170.0, "code": "renewed",
             "notes": "two years"}]


def test_a_dial_keeps_its_campaign_attempt_and_record_through_a_replay(
        tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    for event in _dial(campaign="renewals", attempt=2, record_id="contact:12"):
        journal.append(event)
    journal.close()
    again = CallJournal(tmp_path / "calls.jsonl")
    again.open()
    record = again.records["d1"]
    again.close()
    assert (record.campaign, record.attempt, record.record_id) == ("renewals", 2, "contact:12")
    assert (record.caller, record.dialed, record.direction) == (CALLER_ID, CALLEE, "outbound")
    assert (record.outcome, record.agent, record.disposition) == ("human", "agent101",
                                                                   "renewed")
    summary = summarise(record)
    assert (summary.campaign, summary.attempt, summary.record_id) == (
        "renewals", 2, "contact:12")
    assert (summary.outcome, summary.disposition, summary.notes) == (
        "human", "renewed", "two years")


def test_a_callback_is_no_campaigns_call() -> None:
    record = CallRecord(call_id="cb")
    for event in _dial("cb"):
        record.apply(event)
    assert (record.campaign, record.attempt, record.record_id) == (None, None, None)
    assert summarise(record).campaign is None
    assert {"campaign", "attempt", "record_id"} <= record.summary().keys()
