"""A call's record follows call control: the caller's hold time over every talk, the
agents who had the call, and each party's times; a replay of the journal rebuilds it the
same, and a restart finds the call where its events left it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contactcenter.events.catalogue import CATALOGUE
from contactcenter.events.journal import CallJournal, CallRecord

CALLER = "+15550001001"


def _event(type_: str, time: float, /, **data: Any) -> dict[str, Any]:
    event = {"type": type_, "call_id": "c1", "time": time, **data}
    spec = CATALOGUE[type_]  # only the catalogue's types and fields, of its types
    known = {item.name: item.types for item in spec.fields}
    assert spec.required <= event.keys() <= {*known, "type", "time", "call_id"}, event
    assert all(isinstance(event[name], types) for name, types in known.items()
               if name in event), event
    return event


def _answered(time: float, agent: str, *, wait: float = 5.0) -> dict[str, Any]:
    return _event("call.answered", time, queue="support", agent=agent, wait=wait)


def _arrived_and_queued() -> list[dict[str, Any]]:
    return [_event("call.arrived", 100.0, caller=CALLER, caller_name="", dialed="5000",
                   flow="main"),
            _event("ivr.exit", 102.0, kind="queue", target="support", reason="support",
                   variables={"skill": "support"}),
            _event("call.queued", 102.0, queue="support", priority=0,
                   variables={"skill": "support"})]


def _left(time: float, who: str, talked: float, *, role: str = "agent") -> dict[str, Any]:
    return _event("call.party_left", time, agent=who if role == "agent" else "agent101",
                  role=role, who=who, talked=talked)


def _ended(time: float) -> dict[str, Any]:
    return _event("call.ended", time, cause="normal", outcome="answered",
                  duration=time - 100.0)


def _record(events: list[dict[str, Any]]) -> CallRecord:
    record = CallRecord(call_id="c1")
    for event in events:
        record.apply(event)
    return record


def test_a_replay_of_the_journal_rebuilds_the_same_records(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    journal = CallJournal(path)
    journal.open()
    events = [*_arrived_and_queued(), _answered(110.0, "agent101"),
              _event("call.held", 120.0, agent="agent101"),
              _event("call.retrieved", 123.0, agent="agent101", held=3.0),
              _event("call.consulting", 130.0, agent="agent101", to_kind="agent",
                     to="agent103"),
              _event("call.consult_answered", 134.0, agent="agent101", to_kind="agent",
                     to="agent103")]
    for event in events:
        journal.append(event)
    live = journal.records["c1"].summary()
    journal.close()  # the app stops mid-consultation
    again = CallJournal(path)
    again.open()
    assert again.records["c1"].summary() == live
    assert live["held"] == 3.0 and live["agents"] == ["agent101"]
    assert [party["role"] for party in live["parties"]] == ["caller", "agent", "consulted"]
    for event in (_event("call.transferred", 150.0, agent="agent101", kind="attended",
                         to_kind="agent", to="agent103"),
                  _left(150.0, "agent101", 40.0), _left(170.0, "agent103", 36.0),
                  _event("call.control_ended", 170.0, agent=None, held_total=23.0,
                         handled_by=["agent101", "agent103"]),
                  _ended(170.0)):
        again.append(event)
    ended = again.records["c1"].summary()
    again.close()
    third = CallJournal(path)
    third.open()
    assert third.records["c1"].summary() == ended
    assert ended["held"] == 23.0 and ended["agents"] == ["agent101", "agent103"]
    third.close()


def test_an_attended_transfer_hands_the_record_to_the_consulted_agent() -> None:
    record = _record([*_arrived_and_queued(), _answered(110.0, "agent101"),
                      _event("call.consulting", 120.0, agent="agent101", to_kind="agent",
                             to="agent103"),
                      _event("call.consult_answered", 125.0, agent="agent101",
                             to_kind="agent", to="agent103"),
                      _event("call.transferred", 140.0, agent="agent101", kind="attended",
                             to_kind="agent", to="agent103"),
                      _left(140.0, "agent101", 30.0)])
    # a restart now adopts agent103's leg: the call is connected, and theirs
    assert (record.state, record.agent, record.agents) == (
        "connected", "agent103", ["agent101", "agent103"])
    assert record.parties[2] == {"role": "consulted", "who": "agent103", "joined": 125.0,
                                 "left": None, "took_over": True}


@pytest.mark.parametrize("engine_order", [False, True])
def test_a_blind_transfer_to_a_queue_gives_the_next_agent_an_entry_of_their_own(
        engine_order: bool) -> None:
    requeued = _event("call.requeued", 130.0, agent=None, queue="support", to_agent=None,
                      held_total=0.0)
    queued_again = [_event("call.queued", 130.0, queue="support", priority=0,
                           variables={"skill": "support"}),
                    _event("call.offered", 130.0, queue="support", agent="agent103")]
    left = [_event("call.transferred", 130.0, agent="agent101", kind="blind",
                   to_kind="queue", to="support"), _left(130.0, "agent101", 20.0)]
    # the ACD tells of the new wait as it takes the call back, before call control's news
    back = [*queued_again, requeued] if engine_order else [requeued, *queued_again]
    record = _record([*_arrived_and_queued(), _answered(110.0, "agent101"), *left, *back])
    # waiting again, since they first joined; agent101's until the next answer
    assert (record.state, record.queued, record.agent) == ("queued", 102.0, "agent101")
    end = [_left(200.0, "agent103", 66.0),
           _event("call.control_ended", 200.0, agent=None, held_total=0.0,
                  handled_by=["agent101", "agent103"])] if engine_order else []
    for event in (_answered(134.0, "agent103", wait=32.0), *end, _ended(200.0)):
        record.apply(event)
    assert (record.agent, record.agents, record.held) == (
        "agent103", ["agent101", "agent103"], 0.0)
    assert record.parties == [
        {"role": "caller", "who": CALLER, "joined": 100.0, "left": 200.0},
        {"role": "agent", "who": "agent101", "joined": 110.0, "left": 130.0},
        {"role": "agent", "who": "agent103", "joined": 134.0, "left": 200.0}]


def test_the_hold_time_counts_every_hold_of_every_talk() -> None:
    record = _record([*_arrived_and_queued(), _answered(110.0, "agent101"),
                      _event("call.held", 115.0, agent="agent101"),
                      _event("call.retrieved", 117.0, agent="agent101", held=2.0),
                      _event("call.held", 120.0, agent="agent101"),
                      # agent101 hangs up on the held caller: back to the queue
                      _left(124.0, "agent101", 14.0),
                      _event("call.requeued", 124.0, agent=None, queue="support",
                             to_agent=None, held_total=6.0)])
    assert record.held == 6.0  # a hold the caller never came back from counts too
    for event in (_answered(130.0, "agent102"),
                  _event("call.held", 140.0, agent="agent102"),
                  _event("call.retrieved", 141.0, agent="agent102", held=1.0)):
        record.apply(event)
    assert record.held == 7.0
    # the next agent's talk counts its hold from 0: 1 s, then 3 s held when the caller left
    for event in (_event("call.held", 150.0, agent="agent102"),
                  _left(153.0, "agent102", 23.0),
                  _event("call.control_ended", 153.0, agent=None, held_total=4.0,
                         handled_by=["agent101", "agent102"]),
                  _ended(153.0)):
        record.apply(event)
    assert record.held == 10.0
    assert record.agents == ["agent101", "agent102"]


def test_a_restart_starts_the_talks_hold_time_anew() -> None:
    record = _record([*_arrived_and_queued(), _answered(110.0, "agent101"),
                      _event("call.held", 115.0, agent="agent101"),
                      _event("call.retrieved", 120.0, agent="agent101", held=5.0),
                      _event("call.resumed", 130.0, state="connected", caller=CALLER,
                             dialed="5000", flow="main"),
                      _event("call.held", 140.0, agent="agent101"),
                      _left(142.0, "agent101", 32.0),
                      _event("call.control_ended", 142.0, agent=None, held_total=2.0,
                             handled_by=["agent101"]),
                      _ended(142.0)])
    assert record.held == 7.0
    assert [party["who"] for party in record.parties] == [CALLER, "agent101"]


def test_an_agent_leaving_a_conference_leaves_the_call_to_the_consulted_agent() -> None:
    record = _record([*_arrived_and_queued(), _answered(110.0, "agent101"),
                      _event("call.consulting", 120.0, agent="agent101", to_kind="agent",
                             to="agent103"),
                      _event("call.consult_answered", 123.0, agent="agent101",
                             to_kind="agent", to="agent103"),
                      _event("call.conference", 130.0, agent="agent101", to_kind="agent",
                             to="agent103"),
                      _left(140.0, "agent101", 30.0)])
    assert record.agent == "agent101"  # no event says who has the call yet
    # call control names the agent in charge on its next event: agent103
    record.apply(_event("call.held", 150.0, agent="agent103"))
    assert (record.agent, record.agents) == ("agent103", ["agent101", "agent103"])
    record.apply(_left(160.0, "agent103", 37.0))
    assert record.parties[2] == {"role": "consulted", "who": "agent103", "joined": 123.0,
                                 "left": 160.0, "took_over": True}


def test_a_consultation_cancelled_and_a_third_party_leaving_a_conference() -> None:
    record = _record([*_arrived_and_queued(), _answered(110.0, "agent101"),
                      _event("call.consulting", 120.0, agent="agent101", to_kind="number",
                             to="+12125550100"),
                      _event("call.consult_answered", 125.0, agent="agent101",
                             to_kind="number", to="+12125550100"),
                      _event("call.consult_ended", 131.0, agent="agent101",
                             to="+12125550100", reason="cancelled"),
                      _event("call.retrieved", 131.0, agent="agent101", held=11.0),
                      _event("call.consulting", 140.0, agent="agent101", to_kind="phone",
                             to="supervisor1"),
                      _event("call.consult_ended", 150.0, agent="agent101",
                             to="supervisor1", reason="no_answer"),
                      _event("call.consulting", 160.0, agent="agent101", to_kind="agent",
                             to="agent102"),
                      _event("call.consult_answered", 162.0, agent="agent101",
                             to_kind="agent", to="agent102"),
                      _event("call.conference", 165.0, agent="agent101", to_kind="agent",
                             to="agent102"),
                      _left(170.0, "agent102", 8.0, role="consulted"),
                      _ended(180.0)])
    assert record.agents == ["agent101"]  # consulted, never in charge
    assert [(p["role"], p["who"], p["joined"], p["left"]) for p in record.parties] == [
        ("caller", CALLER, 100.0, 180.0), ("agent", "agent101", 110.0, 180.0),
        ("consulted", "+12125550100", 125.0, 131.0), ("consulted", "agent102", 162.0, 170.0)]


def test_an_outside_party_of_a_blind_transfer_talks_until_the_end() -> None:
    record = _record([*_arrived_and_queued(), _answered(110.0, "agent101"),
                      _event("call.transferred", 120.0, agent="agent101", kind="blind",
                             to_kind="number", to="+12125550100"),
                      _left(120.0, "agent101", 10.0),
                      _event("call.transfer_answered", 126.0, agent=None, to_kind="number",
                             to="+12125550100"),
                      _event("call.control_ended", 190.0, agent=None, held_total=6.0,
                             handled_by=["agent101"]),
                      _ended(190.0)])
    assert (record.held, record.agents, record.agent) == (6.0, ["agent101"], "agent101")
    assert record.parties[2] == {"role": "outside", "who": "+12125550100", "joined": 126.0,
                                 "left": 190.0}


def test_a_callback_customer_joins_when_dialed() -> None:
    record = _record([
        _event("call.dialed", 100.0, caller=CALLER, dialed=CALLER, direction="outbound",
               queue="support", agent="agent104"),
        _event("callback.connected", 108.0, number=CALLER, agent="agent104"),
        _event("call.answered", 108.0, queue="support", agent="agent104", wait=8.0),
        _ended(150.0)])
    assert record.agents == ["agent104"]
    assert [(p["role"], p["who"], p["joined"], p["left"]) for p in record.parties] == [
        ("caller", CALLER, 100.0, 150.0), ("agent", "agent104", 108.0, 150.0)]
