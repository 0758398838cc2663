"""Which leg a call talking at a restart is picked up on: the record's parties against
the legs Asterisk still has."""

from __future__ import annotations

from typing import Any

from contactcenter.engine.resume import HandedOff, WithAgent, resumed_on
from contactcenter.events.journal import CallRecord
from contactcenter.telephony import events as de


def record(agent: str, *parties: tuple[str, str, bool, bool]) -> CallRecord:
    """(role, who, left, took_over) for each party after the caller, with the event that
    said what each one is, as the journal keeps them."""
    rows: list[dict[str, Any]] = [{"role": "caller", "who": "+15550100", "joined": 1.0,
                                   "left": None}]
    events = []
    for role, who, left, took_over in parties:
        rows.append({"role": role, "who": who, "joined": 2.0, "left": 9.0 if left else None,
                     **({"took_over": True} if took_over else {})})
        kind = "number" if who.startswith("+") else "phone" if who.startswith("sup") \
            else "agent"
        answered = "call.transfer_answered" if role == "outside" else "call.consult_answered"
        events.append({"type": answered, "call_id": "c1", "to": who, "to_kind": kind,
                       "time": 2.0})
    return CallRecord(call_id="c1", agent=agent, queue="support", parties=rows,
                      events=events)


AGENT_LEG = de.AgentAnswered(call_id="c1", leg_id="c1-agent101-1", endpoint="agent101")
AGENT102 = de.PartyAnswered(call_id="c1", leg_id="c1-consulted-2", endpoint="agent102-web")
SUPERVISOR = de.PartyAnswered(call_id="c1", leg_id="c1-consulted-3", endpoint="supervisor1")
NUMBER = de.CustomerAnswered(call_id="c1", leg_id="c1-outside-4")


def test_a_call_with_its_agent_is_picked_up_on_the_agent_s_leg() -> None:
    talking = record("agent101", ("agent", "agent101", False, False))
    assert resumed_on(talking, [AGENT_LEG]) == WithAgent("c1-agent101-1", "agent101")
    consulting = record("agent101", ("agent", "agent101", False, False),
                        ("consulted", "agent102", False, False))
    assert resumed_on(consulting, [AGENT102, AGENT_LEG]) == WithAgent("c1-agent101-1",
                                                                      "agent101")


def test_an_agent_whose_leg_went_while_down_leaves_nobody_in_charge() -> None:
    """Consulting agent102 when the app died, and agent101's phone hung up meanwhile:
    agent102's leg is not taken for agent101's; the call is over."""
    consulting = record("agent101", ("agent", "agent101", False, False),
                        ("consulted", "agent102", False, False))
    assert resumed_on(consulting, [AGENT102]) is None
    assert resumed_on(consulting, [NUMBER]) is None


def test_a_consulted_agent_who_took_over_is_picked_up_on_their_own_phone_s_leg() -> None:
    handed = record("agent102", ("agent", "agent101", True, False),
                    ("consulted", "agent102", False, True),
                    ("consulted", "+15550199", False, False))  # they consult a number now
    for legs in ([AGENT102, NUMBER], [NUMBER, AGENT102]):  # whatever order ARI lists
        assert resumed_on(handed, legs) == WithAgent("c1-consulted-2", "agent102")


def test_a_caller_handed_off_is_picked_up_with_the_party_they_talk_to() -> None:
    to_number = record("agent101", ("agent", "agent101", True, False),
                       ("outside", "+15550199", False, False))
    assert resumed_on(to_number, [NUMBER]) == HandedOff("c1-outside-4", "number", "+15550199")
    to_phone = record("agent101", ("agent", "agent101", True, False),
                      ("consulted", "supervisor1", False, True))
    assert resumed_on(to_phone, [SUPERVISOR]) == HandedOff("c1-consulted-3", "phone",
                                                           "supervisor1")
    assert resumed_on(to_phone, [NUMBER]) is None  # a phone's party is not a number's leg
    assert resumed_on(to_number, [SUPERVISOR]) is None


def test_nothing_left_up_is_nothing_to_pick_up() -> None:
    gone = record("agent101", ("agent", "agent101", True, False),
                  ("outside", "+15550199", False, False))
    assert resumed_on(gone, []) is None
