"""Call control on its own: hold, mute, blind and attended transfers, conferences, the
legs' news and the ring timers, on a fake clock; and its invariants under any order of
requests and leg news, duplicated and reordered (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.calls.control import (
    CallControl,
    ControlUsageError,
    TalkState,
    TalkView,
)
from contactcenter.calls.control import commands as cc
from contactcenter.calls.control import events as ce
from tests.cores import of, one

T0 = 1_000.0
RING = 30  # the ring timeout the tests give call control
GRACE_DONE = RING + 5  # past the ring timeout and its grace: given up by call control



def control() -> CallControl:
    return CallControl(ring_timeout=RING)


def connect(core: CallControl, call: str = "c1", agent: str = "a1", *, now: float = T0,
            priority: int = 2, queue: str = "q",
            outbound: bool = False) -> list[cc.ControlCommand]:
    """``agent`` talks with the caller of ``call``: the caller's leg is the call's id."""
    return core.handle(ce.Connected(call_id=call, caller_leg=call, caller="+15550100",
                                    agent=agent, agent_leg=f"{agent}-leg", queue=queue,
                                    priority=priority, bridge=f"{call}-bridge",
                                    outbound=outbound), now)


def refused(out: Sequence[object], status: int = 409) -> cc.Refusal:
    """The refusal that is all of ``out``: nothing else was done."""
    assert len(out) == 1 and isinstance(out[0], cc.Refusal), out
    assert out[0].status == status and out[0].reason, out[0]
    return out[0]


def reported(out: Sequence[object], event_type: str) -> dict[str, object]:
    """The data of the one report of ``event_type`` in ``out``."""
    reports = [c for c in of(cc.Report, out) if c.type == event_type]
    assert len(reports) == 1, (event_type, out)
    return dict(reports[0].data)


def types(out: Sequence[object]) -> list[str]:
    return [c.type for c in of(cc.Report, out)]


def agent(name: str) -> ce.Target:
    return ce.Target(kind="agent", name=name)


def queue(name: str) -> ce.Target:
    return ce.Target(kind="queue", name=name)


def number(name: str = "+15550199") -> ce.Target:
    return ce.Target(kind="number", name=name)


def phone(name: str = "supervisor1") -> ce.Target:
    return ce.Target(kind="phone", name=name)


def ring_leg(out: Sequence[object]) -> str:
    return one(cc.RingParty, out).leg


def roles(view: TalkView | None) -> dict[str, str]:
    """role -> state of the parties present."""
    assert view is not None
    return {role: state for role, _who, state in view.parties}


def consulting(core: CallControl, to: ce.Target, *, answered: bool = True,
               now: float = T0 + 10) -> str:
    """c1 (a1) consults ``to``, who answers if ``answered``; the consulted leg."""
    leg = ring_leg(core.handle(ce.ConsultAsked(call_id="c1", to=to), now))
    if answered:
        core.handle(ce.PartyAnswered(call_id="c1", leg=leg), now + 5)
    return leg


# -- hold and resume -------------------------------------------------------------------

def test_a_held_caller_hears_music_out_of_the_bridge_until_resumed() -> None:
    core = control()
    connect(core)
    held = core.handle(ce.HoldAsked(call_id="c1"), T0 + 10)
    assert held[:2] == [cc.Unbridge(call_id="c1", bridge="c1-bridge", leg="c1"),
                        cc.Music(call_id="c1", leg="c1", on=True)]
    assert types(held) == ["call.held", "agent.talk"]
    assert roles(core.view("c1", T0 + 10)) == {"caller": "held", "agent": "bridged"}
    back = core.handle(ce.ResumeAsked(call_id="c1"), T0 + 25)
    assert back[:2] == [cc.Music(call_id="c1", leg="c1", on=False),
                        cc.Bridge(call_id="c1", bridge="c1-bridge", legs=("c1",))]
    assert reported(back, "call.retrieved")["held"] == 15.0
    view = core.view("c1", T0 + 25)
    assert view is not None and view.state is TalkState.TALKING
    assert roles(view) == {"caller": "bridged", "agent": "bridged"}


def test_held_seconds_add_up_over_holds_and_are_reported_when_the_call_ends() -> None:
    core = control()
    connect(core)
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 10)
    view = core.view("c1", T0 + 14)
    assert view is not None and view.held_total == 4.0  # the hold under way counts
    core.handle(ce.ResumeAsked(call_id="c1"), T0 + 25)  # 15 s
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 40)
    view = core.view("c1", T0 + 42.5)
    assert view is not None and view.held_total == 17.5
    again = core.handle(ce.ResumeAsked(call_id="c1"), T0 + 47)  # 7 s
    assert reported(again, "call.retrieved")["held"] == 7.0
    view = core.view("c1", T0 + 60)
    assert view is not None and view.held_total == 22.0  # talking again: not counting
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 60)
    ended = core.handle(ce.LegGone(call_id="c1", leg="c1"), T0 + 63)  # hung up on hold
    end = reported(ended, "call.control_ended")
    assert end["held_total"] == 25.0 and end["handled_by"] == ["a1"]
    assert core.view("c1", T0 + 63) is None


# -- mute ------------------------------------------------------------------------------

def test_the_agent_mutes_and_unmutes_and_a_repeated_mute_changes_nothing() -> None:
    core = control()
    connect(core)
    out = core.handle(ce.MuteAsked(call_id="c1", muted=True), T0 + 1)
    assert out[0] == cc.Mute(call_id="c1", leg="a1-leg", on=True)
    assert reported(out, "call.muted")["muted"] is True
    view = core.view("c1", T0 + 1)
    assert view is not None and view.muted
    assert core.handle(ce.MuteAsked(call_id="c1", muted=True), T0 + 2) == []
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 3)  # muted on hold too
    out = core.handle(ce.MuteAsked(call_id="c1", muted=False), T0 + 4)
    assert out[0] == cc.Mute(call_id="c1", leg="a1-leg", on=False)
    assert reported(out, "call.muted")["muted"] is False
    assert core.handle(ce.MuteAsked(call_id="c1", muted=False), T0 + 5) == []
    view = core.view("c1", T0 + 5)
    assert view is not None and not view.muted


# -- blind transfers ---------------------------------------------------------------------

def test_a_blind_transfer_to_a_queue_sends_the_caller_there_with_their_priority() -> None:
    core = control()
    connect(core, priority=3)
    out = core.handle(ce.TransferAsked(call_id="c1", to=queue("sales")), T0 + 30)
    assert cc.HangUp(call_id="c1", leg="a1-leg") in out
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a1")]
    assert one(cc.Requeue, out) == cc.Requeue(call_id="c1", queue="sales", priority=3,
                                              agent=None, handled_by=("a1",))
    assert cc.Music(call_id="c1", leg="c1", on=True) in out  # waiting, with music
    assert reported(out, "call.transferred")["to"] == "sales"
    assert core.view("c1", T0 + 30) is None and core.call_of("a1") is None
    # the agent's phone hangs up after: old news
    assert core.handle(ce.LegGone(call_id="c1", leg="a1-leg"), T0 + 31) == []


def test_a_blind_transfer_to_an_agent_requeues_and_the_next_talk_starts_fresh() -> None:
    core = control()
    connect(core, priority=1)
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 10)
    out = core.handle(ce.TransferAsked(call_id="c1", to=agent("a2")), T0 + 20)
    assert one(cc.Requeue, out) == cc.Requeue(call_id="c1", queue="q", priority=1,
                                              agent="a2", handled_by=("a1",))
    assert reported(out, "call.requeued")["held_total"] == 10.0
    assert len(of(cc.ReleaseAgent, out)) == 1
    # the ACD connects the caller to a2 later: a new talk, which knows who had it before
    later = connect(core, agent="a2", now=T0 + 60, priority=1)
    assert types(later) == ["agent.talk"]
    view = core.view("c1", T0 + 60)
    assert view is not None and view.state is TalkState.TALKING and view.agent == "a2"
    assert view.held_total == 0.0
    assert core.call_of("a2") == "c1" and core.call_of("a1") is None
    out = core.handle(ce.TransferAsked(call_id="c1", to=queue("q")), T0 + 70)
    assert one(cc.Requeue, out).handled_by == ("a1", "a2")
    connect(core, agent="a3", now=T0 + 90)
    ended = core.handle(ce.LegGone(call_id="c1", leg="c1"), T0 + 95)
    assert reported(ended, "call.control_ended")["handled_by"] == ["a1", "a2", "a3"]


def test_a_blind_transfer_to_a_number_bridges_the_caller_with_whoever_answers() -> None:
    core = control()
    connect(core)
    out = core.handle(ce.TransferAsked(call_id="c1", to=number()), T0 + 10)
    ring = one(cc.RingParty, out)
    assert ring.to == number() and ring.caller_id == "" and ring.timeout == RING
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a1")]
    assert not of(cc.Requeue, out) and core.call_of("a1") is None
    view = core.view("c1", T0 + 10)
    assert view is not None and view.state is TalkState.HANDED_OFF and view.agent is None
    assert roles(view) == {"caller": "held", "outside": "ringing"}
    answered = core.handle(ce.PartyAnswered(call_id="c1", leg=ring.leg), T0 + 18)
    assert of(cc.Bridge, answered) == [
        cc.Bridge(call_id="c1", bridge="c1-bridge", legs=(ring.leg,)),
        cc.Bridge(call_id="c1", bridge="c1-bridge", legs=("c1",))]
    assert cc.Music(call_id="c1", leg="c1", on=False) in answered
    assert types(answered) == ["call.transfer_answered"]
    assert roles(core.view("c1", T0 + 18)) == {"caller": "bridged", "outside": "bridged"}
    assert core.next_deadline() is None
    # any request now is refused: nobody of the ACD is on the call
    refused(core.handle(ce.HoldAsked(call_id="c1"), T0 + 19))
    # the outside party hangs up: the call is over, the caller hung up with it
    out = core.handle(ce.LegGone(call_id="c1", leg=ring.leg), T0 + 100)
    assert cc.HangUp(call_id="c1", leg="c1") in out and one(cc.EndCall, out)
    assert reported(out, "call.control_ended")["held_total"] == 8.0


def _handed_off_after_restart(core: CallControl) -> None:
    core.handle(ce.HandedOffResumed(call_id="c1", caller="+15550100", other_leg="out-1",
                                    other_kind="number", other="+15550199", queue="q",
                                    priority=2, bridge="c1-bridge", handled_by=("a1",)), T0)


@pytest.mark.parametrize(("gone", "hung_up"), [("out-1", "c1"), ("c1", "out-1")])
def test_a_handed_off_call_met_after_a_restart_ends_when_either_hangs_up(
        gone: str, hung_up: str) -> None:
    """The caller and the outside party talk on across a restart; no agent is in it, so
    nothing may be asked of it, and whoever hangs up first ends it for the other."""
    core = control()
    _handed_off_after_restart(core)
    _handed_off_after_restart(core)  # told twice (a resync repeated): one call
    view = core.view("c1", T0)
    assert view is not None and view.state is TalkState.HANDED_OFF and view.agent is None
    assert roles(view) == {"caller": "bridged", "outside": "bridged"}
    refused(core.handle(ce.HoldAsked(call_id="c1"), T0 + 1))
    out = core.handle(ce.LegGone(call_id="c1", leg=gone), T0 + 30)
    assert cc.HangUp(call_id="c1", leg=hung_up) in out and one(cc.EndCall, out)
    assert not of(cc.ReleaseAgent, out)  # the agent's part ended before the restart
    assert reported(out, "call.control_ended")["handled_by"] == ["a1"]
    assert core.view("c1", T0 + 30) is None


def test_a_number_that_never_answers_sends_the_caller_back_to_the_queue() -> None:
    core = control()
    connect(core, priority=4)
    leg = ring_leg(core.handle(ce.TransferAsked(call_id="c1", to=number()), T0))
    assert core.next_deadline() == T0 + GRACE_DONE
    assert core.handle_timer(T0 + GRACE_DONE - 1) == []
    out = core.handle_timer(T0 + GRACE_DONE)
    assert out[0] == cc.HangUp(call_id="c1", leg=leg)
    assert one(cc.Requeue, out) == cc.Requeue(call_id="c1", queue="q", priority=4,
                                              handled_by=("a1",))
    assert reported(out, "call.transfer_failed")["cause"] == "no_answer"
    assert not of(cc.ReleaseAgent, out)  # released when the transfer was asked
    assert core.view("c1", T0 + GRACE_DONE) is None and core.next_deadline() is None
    # the far end picks up after all: too late, hung up
    late = core.handle(ce.PartyAnswered(call_id="c1", leg=leg), T0 + GRACE_DONE + 1)
    assert late == [cc.HangUp(call_id="c1", leg=leg)]


def test_a_busy_number_sends_the_caller_back_to_the_queue_at_once() -> None:
    core = control()
    connect(core)
    leg = ring_leg(core.handle(ce.TransferAsked(call_id="c1", to=phone()), T0))
    out = core.handle(ce.LegGone(call_id="c1", leg=leg, cause="busy"), T0 + 2)
    assert not of(cc.HangUp, out)  # it is gone already
    assert reported(out, "call.transfer_failed")["cause"] == "busy"
    assert one(cc.Requeue, out).queue == "q"
    assert core.next_deadline() is None
    assert core.handle(ce.LegGone(call_id="c1", leg=leg, cause="busy"), T0 + 3) == []


# -- consult an agent, then complete, cancel or conference ----------------------------------

def test_consulting_an_agent_reserves_them_and_completing_hands_the_call_over() -> None:
    core = control()
    connect(core, priority=2)
    out = core.handle(ce.ConsultAsked(call_id="c1", to=agent("a2")), T0 + 10)
    assert out[:3] == [cc.Unbridge(call_id="c1", bridge="c1-bridge", leg="c1"),
                       cc.Music(call_id="c1", leg="c1", on=True),
                       cc.Reserve(call_id="c1", agent="a2")]
    ring = one(cc.RingParty, out)
    assert ring.to == agent("a2") and ring.caller_id == "+15550100"
    view = core.view("c1", T0 + 10)
    assert view is not None and view.state is TalkState.CONSULTING
    assert roles(view) == {"caller": "held", "agent": "bridged", "consulted": "ringing"}
    # nobody to hand over to yet
    assert "a2 has not answered" in refused(core.handle(ce.CompleteAsked(call_id="c1"),
                                                        T0 + 12)).reason
    refused(core.handle(ce.ConferenceAsked(call_id="c1"), T0 + 12))
    answered = core.handle(ce.PartyAnswered(call_id="c1", leg=ring.leg), T0 + 15)
    assert of(cc.Bridge, answered) == [cc.Bridge(call_id="c1", bridge="c1-bridge",
                                                 legs=(ring.leg,))]
    assert roles(core.view("c1", T0 + 15)) == {"caller": "held", "agent": "bridged",
                                               "consulted": "bridged"}
    out = core.handle(ce.CompleteAsked(call_id="c1"), T0 + 40)
    assert cc.Bridge(call_id="c1", bridge="c1-bridge", legs=("c1",)) in out
    assert cc.HangUp(call_id="c1", leg="a1-leg") in out
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a1")]
    assert one(cc.HandOver, out) == cc.HandOver(call_id="c1", agent="a2", leg=ring.leg,
                                                queue="q", priority=2)
    assert not of(cc.Unreserve, out) and not of(cc.Requeue, out)
    assert reported(out, "call.transferred")["kind"] == "attended"
    assert core.call_of("a2") == "c1" and core.call_of("a1") is None
    view = core.view("c1", T0 + 40)
    assert view is not None and view.state is TalkState.TALKING and view.agent == "a2"
    assert roles(view) == {"caller": "bridged", "agent": "bridged"}
    # a2 is the agent now: holds, and their hang-up ends their part once
    assert types(core.handle(ce.HoldAsked(call_id="c1"), T0 + 50))[0] == "call.held"
    out = core.handle(ce.LegGone(call_id="c1", leg=ring.leg), T0 + 60)
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a2")]
    assert one(cc.Requeue, out).handled_by == ("a1", "a2")


def test_cancelling_a_consultation_frees_the_agent_and_the_caller_is_back() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"))
    out = core.handle(ce.CancelAsked(call_id="c1"), T0 + 30)
    assert out[:2] == [cc.HangUp(call_id="c1", leg=leg), cc.Unreserve(call_id="c1", agent="a2")]
    assert cc.Bridge(call_id="c1", bridge="c1-bridge", legs=("c1",)) in out
    assert reported(out, "call.consult_ended")["reason"] == "cancelled"
    assert reported(out, "call.retrieved")["held"] == 20.0
    view = core.view("c1", T0 + 30)
    assert view is not None and view.state is TalkState.TALKING and view.agent == "a1"
    assert roles(view) == {"caller": "bridged", "agent": "bridged"}
    assert not of(cc.ReleaseAgent, out) and core.call_of("a1") == "c1"
    # the consulted leg's hang-up comes after: old news
    assert core.handle(ce.LegGone(call_id="c1", leg=leg), T0 + 31) == []


def test_cancelling_while_the_consulted_agent_rings_gives_the_ring_up() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"), answered=False)
    out = core.handle(ce.CancelAsked(call_id="c1"), T0 + 12)
    assert of(cc.Unreserve, out) == [cc.Unreserve(call_id="c1", agent="a2")]
    assert core.next_deadline() is None
    # a2 picks up a second too late: hung up, and the talk goes on untouched
    assert core.handle(ce.PartyAnswered(call_id="c1", leg=leg), T0 + 13) == [
        cc.HangUp(call_id="c1", leg=leg)]
    assert roles(core.view("c1", T0 + 13)) == {"caller": "bridged", "agent": "bridged"}
    assert core.ignored == 1


def test_a_conference_bridges_all_three_and_the_agent_leaving_hands_it_over() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"))
    out = core.handle(ce.ConferenceAsked(call_id="c1"), T0 + 30)
    assert of(cc.Bridge, out) == [cc.Bridge(call_id="c1", bridge="c1-bridge", legs=("c1",))]
    assert cc.Music(call_id="c1", leg="c1", on=False) in out
    assert types(out) == ["call.conference", "agent.talk"]
    view = core.view("c1", T0 + 30)
    assert view is not None and view.state is TalkState.CONFERENCE
    assert roles(view) == {"caller": "bridged", "agent": "bridged", "consulted": "bridged"}
    assert view.held_total == 20.0
    out = core.handle(ce.LeaveAsked(call_id="c1"), T0 + 50)
    assert cc.HangUp(call_id="c1", leg="a1-leg") in out
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a1")]
    assert one(cc.HandOver, out) == cc.HandOver(call_id="c1", agent="a2", leg=leg, queue="q",
                                                priority=2)
    assert not of(cc.Unreserve, out)
    assert core.call_of("a2") == "c1" and core.call_of("a1") is None
    view = core.view("c1", T0 + 50)
    assert view is not None and view.state is TalkState.TALKING and view.agent == "a2"


def test_the_consulted_party_hanging_up_in_a_conference_leaves_agent_and_caller() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"))
    core.handle(ce.ConferenceAsked(call_id="c1"), T0 + 30)
    out = core.handle(ce.LegGone(call_id="c1", leg=leg), T0 + 45)
    assert not of(cc.HangUp, out)
    assert of(cc.Unreserve, out) == [cc.Unreserve(call_id="c1", agent="a2")]
    assert reported(out, "call.party_left")["who"] == "a2"
    view = core.view("c1", T0 + 45)
    assert view is not None and view.state is TalkState.TALKING and view.agent == "a1"
    assert roles(view) == {"caller": "bridged", "agent": "bridged"}


def test_the_agent_can_drop_the_third_party_from_a_conference() -> None:
    core = control()
    connect(core)
    leg = consulting(core, phone())
    core.handle(ce.ConferenceAsked(call_id="c1"), T0 + 30)
    out = core.handle(ce.CancelAsked(call_id="c1"), T0 + 40)
    assert out[0] == cc.HangUp(call_id="c1", leg=leg) and not of(cc.Unreserve, out)
    assert roles(core.view("c1", T0 + 40)) == {"caller": "bridged", "agent": "bridged"}


def test_consulting_a_phone_then_completing_leaves_caller_and_phone_talking() -> None:
    core = control()
    connect(core)
    out = core.handle(ce.ConsultAsked(call_id="c1", to=phone()), T0 + 10)
    assert not of(cc.Reserve, out)
    ring = one(cc.RingParty, out)
    core.handle(ce.PartyAnswered(call_id="c1", leg=ring.leg), T0 + 12)
    out = core.handle(ce.CompleteAsked(call_id="c1"), T0 + 20)
    assert not of(cc.HandOver, out) and not of(cc.Unreserve, out)
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a1")]
    view = core.view("c1", T0 + 20)
    assert view is not None and view.state is TalkState.HANDED_OFF and view.agent is None
    assert roles(view) == {"caller": "bridged", "consulted": "bridged"}
    out = core.handle(ce.LegGone(call_id="c1", leg="c1"), T0 + 80)
    assert out[0] == cc.HangUp(call_id="c1", leg=ring.leg) and one(cc.EndCall, out)
    assert not of(cc.ReleaseAgent, out)


def test_a_consulted_agent_who_does_not_answer_is_freed_and_the_caller_stays_held() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"), answered=False)
    assert core.next_deadline() == T0 + 10 + GRACE_DONE
    out = core.handle_timer(T0 + 10 + GRACE_DONE)
    assert out[:2] == [cc.HangUp(call_id="c1", leg=leg), cc.Unreserve(call_id="c1", agent="a2")]
    assert reported(out, "call.consult_ended")["reason"] == "no_answer"
    assert not of(cc.Bridge, out)  # the agent takes the caller back when ready
    view = core.view("c1", T0 + 50)
    assert view is not None and view.state is TalkState.HOLDING
    assert core.next_deadline() is None
    back = core.handle(ce.ResumeAsked(call_id="c1"), T0 + 50)
    assert reported(back, "call.retrieved")["held"] == 40.0


def test_the_consulted_agent_hanging_up_leaves_the_caller_held_for_the_agent() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"))
    out = core.handle(ce.LegGone(call_id="c1", leg=leg), T0 + 25)
    assert of(cc.Unreserve, out) == [cc.Unreserve(call_id="c1", agent="a2")]
    assert reported(out, "call.consult_ended")["reason"] == "hung_up"
    view = core.view("c1", T0 + 25)
    assert view is not None and view.state is TalkState.HOLDING


def test_the_agent_hanging_up_on_an_answered_consultation_completes_it() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"))
    out = core.handle(ce.LegGone(call_id="c1", leg="a1-leg"), T0 + 30)
    assert not of(cc.HangUp, out)  # their phone is down already
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a1")]
    assert one(cc.HandOver, out).leg == leg
    assert core.call_of("a2") == "c1"


def test_the_agent_hanging_up_while_the_consulted_agent_rings_requeues_the_caller() -> None:
    core = control()
    connect(core, priority=5)
    leg = consulting(core, agent("a2"), answered=False)
    out = core.handle(ce.LegGone(call_id="c1", leg="a1-leg"), T0 + 12)
    assert cc.HangUp(call_id="c1", leg=leg) in out
    assert of(cc.Unreserve, out) == [cc.Unreserve(call_id="c1", agent="a2")]
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a1")]
    assert one(cc.Requeue, out).priority == 5
    assert core.next_deadline() is None and core.view("c1", T0 + 12) is None


# -- a customer the platform called (a callback, click-to-talk) ---------------------------

@pytest.mark.parametrize("to", [agent("a2"), queue("q"), queue("sales")])
def test_a_customer_the_platform_called_is_not_sent_to_a_queue(to: ce.Target) -> None:
    core = control()
    connect(core, outbound=True)
    before = core.view("c1", T0 + 1)
    assert "waits in no queue" in refused(core.handle(ce.TransferAsked(call_id="c1", to=to),
                                                      T0 + 1)).reason
    assert core.view("c1", T0 + 1) == before


def test_a_customer_the_platform_called_may_go_to_a_number_or_be_handed_over() -> None:
    core = control()
    connect(core, "c1", "a1", outbound=True)
    assert one(cc.RingParty, core.handle(ce.TransferAsked(call_id="c1", to=number()), T0 + 1))
    connect(core, "c2", "a3", outbound=True)
    leg = ring_leg(core.handle(ce.ConsultAsked(call_id="c2", to=agent("a2")), T0 + 1))
    core.handle(ce.PartyAnswered(call_id="c2", leg=leg), T0 + 2)
    assert one(cc.HandOver, core.handle(ce.CompleteAsked(call_id="c2"), T0 + 3)).agent == "a2"


def test_a_held_customer_the_platform_called_whose_agent_hangs_up_is_hung_up() -> None:
    core = control()
    connect(core, outbound=True)
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 5)
    out = core.handle(ce.LegGone(call_id="c1", leg="a1-leg"), T0 + 9)
    assert not of(cc.Requeue, out) and "call.requeued" not in types(out)
    assert of(cc.HangUp, out) == [cc.HangUp(call_id="c1", leg="c1")]
    assert one(cc.EndCall, out) and len(of(cc.ReleaseAgent, out)) == 1
    assert reported(out, "call.control_ended")["held_total"] == 4.0
    assert core.view("c1", T0 + 9) is None


def test_a_customer_the_platform_called_is_hung_up_if_the_number_never_answers() -> None:
    core = control()
    connect(core, outbound=True)
    leg = ring_leg(core.handle(ce.TransferAsked(call_id="c1", to=number()), T0))
    out = core.handle_timer(T0 + GRACE_DONE)
    assert of(cc.HangUp, out) == [cc.HangUp(call_id="c1", leg=leg),
                                  cc.HangUp(call_id="c1", leg="c1")]
    assert one(cc.EndCall, out) and not of(cc.Requeue, out)
    assert reported(out, "call.transfer_failed")["cause"] == "no_answer"


# -- what does not fit is refused -------------------------------------------------------

REQUESTS: dict[str, Callable[[str], ce.Request]] = {
    "hold": lambda call: ce.HoldAsked(call_id=call),
    "resume": lambda call: ce.ResumeAsked(call_id=call),
    "mute": lambda call: ce.MuteAsked(call_id=call, muted=True),
    "transfer": lambda call: ce.TransferAsked(call_id=call, to=queue("sales")),
    "consult": lambda call: ce.ConsultAsked(call_id=call, to=agent("a9")),
    "complete": lambda call: ce.CompleteAsked(call_id=call),
    "cancel": lambda call: ce.CancelAsked(call_id=call),
    "conference": lambda call: ce.ConferenceAsked(call_id=call),
    "leave": lambda call: ce.LeaveAsked(call_id=call),
}


def _talking(core: CallControl) -> None:
    connect(core)


def _holding(core: CallControl) -> None:
    connect(core)
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 1)


def _consulting(core: CallControl) -> None:
    connect(core)
    consulting(core, agent("a2"), now=T0 + 1)


def _conference(core: CallControl) -> None:
    _consulting(core)
    core.handle(ce.ConferenceAsked(call_id="c1"), T0 + 8)


def _handed_off(core: CallControl) -> None:
    connect(core)
    core.handle(ce.TransferAsked(call_id="c1", to=number()), T0 + 1)


#: state -> (how to get there, the requests it takes)
STATES: dict[str, tuple[Callable[[CallControl], None], set[str]]] = {
    "talking": (_talking, {"hold", "mute", "transfer", "consult"}),
    "holding": (_holding, {"resume", "mute", "transfer", "consult"}),
    "consulting": (_consulting, {"mute", "complete", "cancel", "conference"}),
    "conference": (_conference, {"mute", "leave", "cancel"}),
    "handed_off": (_handed_off, set()),
}


@pytest.mark.parametrize(("state", "request_name"), [
    (state, name) for state, (_, takes) in STATES.items() for name in REQUESTS
    if name not in takes])
def test_a_request_that_does_not_fit_the_state_is_refused_and_changes_nothing(
        state: str, request_name: str) -> None:
    core = control()
    STATES[state][0](core)
    before = core.view("c1", T0 + 9)
    assert before is not None and before.state.value == state
    refusal = refused(core.handle(REQUESTS[request_name]("c1"), T0 + 9))
    assert refusal.call_id == "c1" and state in refusal.reason
    assert core.view("c1", T0 + 9) == before


@pytest.mark.parametrize("request_name", list(REQUESTS))
def test_a_request_for_a_call_not_under_control_is_not_found(request_name: str) -> None:
    core = control()
    connect(core)
    assert refused(core.handle(REQUESTS[request_name]("c2"), T0 + 1), 404).call_id == "c2"
    core.handle(ce.LegGone(call_id="c1", leg="c1"), T0 + 2)  # ended: not found either
    refused(core.handle(REQUESTS[request_name]("c1"), T0 + 3), 404)


@pytest.mark.parametrize(("asked", "words"), [
    (ce.ConsultAsked(call_id="c1", to=queue("sales")), "queue cannot"),
    (ce.TransferAsked(call_id="c1", to=ce.Target(kind="team", name="x")), "team cannot"),
    (ce.TransferAsked(call_id="c1", to=agent("a1")), "already with a1"),
    (ce.ConsultAsked(call_id="c1", to=agent("a1")), "already with a1"),
    (ce.TransferAsked(call_id="c1", to=number("")), "missing"),
    (ce.ConsultAsked(call_id="c1", to=phone("")), "missing"),
])
def test_a_transfer_or_consultation_nobody_can_take_is_refused(asked: ce.Request,
                                                                words: str) -> None:
    core = control()
    connect(core)
    before = core.view("c1", T0 + 1)
    assert words in refused(core.handle(asked, T0 + 1)).reason
    assert core.view("c1", T0 + 1) == before and core.next_deadline() is None


def test_an_event_call_control_does_not_know_is_the_engines_bug() -> None:
    core = control()
    connect(core)
    with pytest.raises(ControlUsageError):
        core.handle("hold please", T0 + 1)  # type: ignore[arg-type]


# -- the legs' news ------------------------------------------------------------------------

def test_the_agent_hanging_up_while_the_caller_is_held_requeues_the_caller() -> None:
    core = control()
    connect(core, priority=7)
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 5)
    out = core.handle(ce.LegGone(call_id="c1", leg="a1-leg"), T0 + 9)
    assert not of(cc.HangUp, out) and not of(cc.EndCall, out)
    assert of(cc.ReleaseAgent, out) == [cc.ReleaseAgent(call_id="c1", agent="a1")]
    assert one(cc.Requeue, out) == cc.Requeue(call_id="c1", queue="q", priority=7,
                                              handled_by=("a1",))
    assert core.view("c1", T0 + 9) is None and core.call_of("a1") is None


def test_the_agent_hanging_up_while_talking_ends_the_call() -> None:
    core = control()
    connect(core)
    out = core.handle(ce.LegGone(call_id="c1", leg="a1-leg"), T0 + 9)
    assert of(cc.HangUp, out) == [cc.HangUp(call_id="c1", leg="c1")]
    assert len(of(cc.ReleaseAgent, out)) == 1 and one(cc.EndCall, out)


def _consulted_rings(core: CallControl) -> None:
    connect(core)
    consulting(core, agent("a2"), answered=False, now=T0 + 1)


def _with_a_number(core: CallControl) -> None:
    _handed_off(core)
    core.handle(ce.PartyAnswered(call_id="c1", leg="c1-outside-1"), T0 + 3)


def _handed_over(core: CallControl) -> None:
    _consulting(core)
    core.handle(ce.CompleteAsked(call_id="c1"), T0 + 8)


#: state -> (how to get there, the legs live then besides the caller's)
LIVE: dict[str, tuple[Callable[[CallControl], None], set[str]]] = {
    "talking": (_talking, {"a1-leg"}),
    "holding": (_holding, {"a1-leg"}),
    "consulting a ringing agent": (_consulted_rings, {"a1-leg", "c1-consulted-1"}),
    "consulting": (_consulting, {"a1-leg", "c1-consulted-1"}),
    "conference": (_conference, {"a1-leg", "c1-consulted-1"}),
    "a number ringing": (_handed_off, {"c1-outside-1"}),
    "with a number": (_with_a_number, {"c1-outside-1"}),
    "handed over": (_handed_over, {"c1-consulted-1"}),
}


@pytest.mark.parametrize("state", list(LIVE))
def test_the_caller_hanging_up_ends_the_call_for_everyone(state: str) -> None:
    core = control()
    LIVE[state][0](core)
    assert core.view("c1", T0 + 9) is not None
    out = core.handle(ce.LegGone(call_id="c1", leg="c1"), T0 + 9)
    assert {c.leg for c in of(cc.HangUp, out)} == LIVE[state][1]
    assert one(cc.EndCall, out) == cc.EndCall(call_id="c1") and not of(cc.Requeue, out)
    assert isinstance(out[-2], cc.EndCall) and types(out[-1:]) == ["call.control_ended"]
    released = of(cc.ReleaseAgent, out)
    assert len(released) == (0 if state in ("a number ringing", "with a number") else 1)
    reserved = of(cc.Unreserve, out)
    assert len(reserved) == (1 if state in ("consulting a ringing agent", "consulting",
                                            "conference") else 0)
    assert core.view("c1", T0 + 9) is None and core.next_deadline() is None
    assert core.call_of("a1") is None and core.call_of("a2") is None
    # every leg's hang-up reaches call control after: nothing more is done
    for leg in ["c1", *LIVE[state][1]]:
        assert core.handle(ce.LegGone(call_id="c1", leg=leg), T0 + 10) == []


def test_a_duplicate_hang_up_is_ignored() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"))
    assert reported(core.handle(ce.LegGone(call_id="c1", leg=leg), T0 + 20),
                    "call.consult_ended")["reason"] == "hung_up"
    assert core.handle(ce.LegGone(call_id="c1", leg=leg), T0 + 21) == []
    assert core.ignored == 1
    view = core.view("c1", T0 + 21)
    assert view is not None and view.state is TalkState.HOLDING


def test_a_doubled_answer_leaves_the_party_in_the_call() -> None:
    core = control()
    connect(core)
    leg = consulting(core, agent("a2"))  # answered at T0 + 15
    assert core.handle(ce.PartyAnswered(call_id="c1", leg=leg), T0 + 16) == []
    assert roles(core.view("c1", T0 + 16))["consulted"] == "bridged"
    core.handle(ce.CompleteAsked(call_id="c1"), T0 + 20)
    # a2 is the agent now: their answer again does not cut them off
    assert core.handle(ce.PartyAnswered(call_id="c1", leg=leg), T0 + 21) == []
    view = core.view("c1", T0 + 21)
    assert view is not None and view.agent == "a2" and core.ignored == 2


def test_a_doubled_answer_of_a_number_leaves_it_talking_to_the_caller() -> None:
    core = control()
    connect(core)
    leg = ring_leg(core.handle(ce.TransferAsked(call_id="c1", to=number()), T0 + 1))
    core.handle(ce.PartyAnswered(call_id="c1", leg=leg), T0 + 3)
    assert core.handle(ce.PartyAnswered(call_id="c1", leg=leg), T0 + 4) == []
    assert roles(core.view("c1", T0 + 4)) == {"caller": "bridged", "outside": "bridged"}


def test_an_answer_for_a_leg_never_rung_is_hung_up() -> None:
    core = control()
    connect(core)
    assert core.handle(ce.PartyAnswered(call_id="c1", leg="stray"), T0 + 1) == [
        cc.HangUp(call_id="c1", leg="stray")]
    assert core.handle(ce.PartyAnswered(call_id="c9", leg="stray"), T0 + 1) == [
        cc.HangUp(call_id="c9", leg="stray")]
    assert roles(core.view("c1", T0 + 1)) == {"caller": "bridged", "agent": "bridged"}


def test_a_doubled_connection_is_ignored() -> None:
    core = control()
    connect(core)
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 1)
    assert connect(core, now=T0 + 2) == []
    view = core.view("c1", T0 + 2)
    assert view is not None and view.state is TalkState.HOLDING


def test_nothing_rings_no_deadline_and_each_ring_has_its_own() -> None:
    core = control()
    assert core.next_deadline() is None and core.handle_timer(T0) == []
    connect(core, "c1", "a1")
    connect(core, "c2", "a2")
    assert core.next_deadline() is None
    core.handle(ce.HoldAsked(call_id="c1"), T0 + 1)
    assert core.next_deadline() is None
    consulting(core, phone(), answered=False, now=T0 + 2)
    leg2 = ring_leg(core.handle(ce.TransferAsked(call_id="c2", to=number()), T0 + 20))
    assert core.next_deadline() == T0 + 2 + GRACE_DONE
    out = core.handle_timer(T0 + 2 + GRACE_DONE)
    assert {c.call_id for c in out if not isinstance(c, cc.Report)} == {"c1"}
    assert core.next_deadline() == T0 + 20 + GRACE_DONE
    core.handle(ce.PartyAnswered(call_id="c2", leg=leg2), T0 + 40)
    assert core.next_deadline() is None


def test_a_request_after_a_ring_ran_out_sees_the_ring_given_up_first() -> None:
    core = control()
    connect(core)
    consulting(core, agent("a2"), answered=False, now=T0)
    # nobody called handle_timer: the complete comes after the deadline
    out = core.handle(ce.CompleteAsked(call_id="c1"), T0 + GRACE_DONE + 1)
    assert isinstance(out[-1], cc.Refusal) and "holding" in out[-1].reason
    assert cc.Unreserve(call_id="c1", agent="a2") in out


# -- invariants under any order of requests and leg news ------------------------------------
#
# Callers connected to agents (some of them customers the platform called), then random
# requests (fitting their call's state or not, for calls under control or not), answers
# and hang-ups of any leg, duplicated, late and out of order, and time passing. After
# every step:
# - a leg is never both in the bridge and on music; only a caller is held, and a
#   bridge is closed with nobody in it;
# - the parties the view shows are in the state the commands put their legs in, and
#   the talk state fits them (held caller while holding or consulting...);
# - a refusal comes alone, changes nothing, and is a 404 exactly when the call is not
#   under control;
# - a call under control ends once, in a Requeue (with its priority and who had it;
#   never a customer the platform called) or an EndCall, with every other leg gone;
#   nothing is said of it afterwards but a late answer's hang-up, until it connects again;
# - each agent's part ends once (ReleaseAgent), each Reserve ends in an Unreserve or a
#   HandOver, and the held seconds reported are the seconds the caller heard music;
# - next_deadline is None when nothing rings.
# At the end every caller still under control hangs up: each call ends, nobody is left
# in a bridge, reserved or in charge, and music plays only for callers back in a queue.

CALLS = [f"c{n}" for n in range(6)]
#: calls the platform placed (callbacks, click-to-talk): their customers wait in no queue
OUTBOUND = {"c1", "c4"}
PICK = st.integers(0, 30)  # an index among what is known: the latest first
#: a call under control (by index), or any call at all (ended, requeued, never connected)
WHICH = st.one_of(st.just(0), PICK, st.sampled_from(CALLS))
TARGETS = st.sampled_from([
    ("agent", "s1"), ("agent", "s2"), ("agent", "self"), ("queue", "q"), ("queue", "sales"),
    ("number", "+15550199"), ("phone", "supervisor1"), ("queue", ""), ("number", "")])
REQUEST_NAMES = ["hold", "resume", "mute", "unmute", "complete", "cancel", "conference",
                 "leave"]
Action = tuple[Any, ...]
ACTIONS = st.one_of(
    st.tuples(st.just("connect"), PICK, st.integers(0, 3)),
    st.tuples(st.just("ask"), WHICH, st.sampled_from(REQUEST_NAMES)),
    st.tuples(st.just("ask"), WHICH, st.sampled_from(["hold", "resume"])),
    st.tuples(st.just("ask"), WHICH, st.sampled_from(["complete", "cancel"])),
    st.tuples(st.just("ask"), WHICH, st.sampled_from(["conference", "leave"])),
    st.tuples(st.just("transfer"), WHICH, TARGETS, st.booleans()),
    st.tuples(st.just("consult"), WHICH, TARGETS, st.booleans()),  # answered at once?
    st.tuples(st.just("attended"), WHICH, TARGETS,  # consulted, answered, then
              st.sampled_from(["complete", "conference", "cancel"])),
    st.tuples(st.just("answer"), PICK),
    st.tuples(st.just("answer"), st.just(0)),
    st.tuples(st.just("gone"), st.one_of(st.just(0), PICK),  # the latest live leg, or any
              st.sampled_from(["caller", "agent", "agent", "rung", "rung", "rung"])),
    st.tuples(st.just("wait"), st.integers(0, 12)),
    st.tuples(st.just("wait"), st.sampled_from([GRACE_DONE, 40])),
    st.tuples(st.just("replay"), st.integers(0, 60)),
)


@dataclass
class Call:
    """What the world knows of a call: its legs, who had it, how it stands."""

    priority: int = 0
    status: str = "new"  # new, controlled, queued, over
    agent: str | None = None
    agent_leg: str | None = None
    #: legs rung for it, in order; the caller's is the call's id
    rung: list[str] = field(default_factory=list)
    agent_legs: list[str] = field(default_factory=list)
    handled_by: list[str] = field(default_factory=list)
    connections: int = 0
    held: float = 0.0
    held_since: float | None = None


class Checked:
    """Call control, with each command checked against what was said before it."""

    def __init__(self) -> None:
        self.core = control()
        self.now = T0
        self.calls = {call: Call() for call in CALLS}
        self.bridged: set[str] = set()
        self.music: set[str] = set()
        self.dead: set[str] = set()
        self.muted: set[str] = set()
        self.leg_call: dict[str, str] = {call: call for call in CALLS}
        #: (call, agent) in charge, until released
        self.in_charge: set[tuple[str, str]] = set()
        #: (call, agent) reserved for a consultation, until unreserved or handed over
        self.reserved: set[tuple[str, str]] = set()
        self.ring_to: dict[str, ce.Target] = {}
        self.sent: list[ce.ControlEvent] = []
        self.agents = 0
        self.ends: list[tuple[str, str]] = []
        #: the calls, the one a command was last about at the end
        self.recent = list(CALLS)

    # -- in --------------------------------------------------------------------------

    def send(self, event: ce.ControlEvent) -> list[cc.ControlCommand]:
        if not isinstance(event, ce.Connected):
            self.sent.append(event)
        before = {call: self.core.view(call, self.now) for call in CALLS}
        if isinstance(event, ce.Connected):
            call = self.calls[event.call_id]
            if call.status != "controlled":
                call.status, call.agent, call.agent_leg = "controlled", event.agent, \
                    event.agent_leg
                call.handled_by.append(event.agent)
                call.connections += 1
                call.agent_legs.append(event.agent_leg)
                self.leg_call[event.agent_leg] = event.call_id
                self.in_charge.add((event.call_id, event.agent))
                self.bridged |= {event.caller_leg, event.agent_leg}
                self.music -= {event.caller_leg, event.agent_leg}
        elif isinstance(event, ce.LegGone):
            self._gone(event.leg)
        out = self.core.handle(event, self.now)
        self._check(event, out, before)
        return out

    def wait(self, seconds: float) -> None:
        self.now += seconds
        self._check(None, self.core.handle_timer(self.now), {})

    def _gone(self, leg: str) -> None:
        self.dead.add(leg)
        self.bridged.discard(leg)
        self.music.discard(leg)
        call = self.calls[self.leg_call[leg]]
        if leg == self.leg_call[leg] and call.status == "queued":
            call.status = "over"  # the caller left the queue: the ACD's affair

    # -- out -------------------------------------------------------------------------

    def _check(self, event: ce.ControlEvent | None, out: list[cc.ControlCommand],
               before: dict[str, TalkView | None]) -> None:
        refusals = of(cc.Refusal, out)
        if refusals:
            assert len(out) == 1, f"a refusal and more: {out}"
            refusal = refusals[0]
            assert refusal.reason
            controlled = self.calls[refusal.call_id].status == "controlled"
            assert refusal.status == (409 if controlled else 404), refusal
            assert self.core.view(refusal.call_id, self.now) == before[refusal.call_id]
        # call.requeued is told before its Requeue (the ACD's news of the visit follows
        # it): the model checks it once the batch has requeued the call
        told_first = [c for c in out if isinstance(c, cc.Report) and c.type == "call.requeued"]
        for command in [c for c in out if c not in told_first] + told_first:
            self._command(event, command)
            assert not self.bridged & self.music, f"{self.bridged & self.music} both " \
                                                  f"bridged and on music after {command}"
        self._check_views()

    def _command(self, event: ce.ControlEvent | None, command: cc.ControlCommand) -> None:
        if isinstance(command, cc.Report):
            self._report(command)
            return
        call_id = command.call_id
        call = self.calls[call_id]
        self.recent.remove(call_id)
        self.recent.append(call_id)
        if call.status != "controlled":  # only a late answer's hang-up, and a refusal
            assert isinstance(command, cc.Refusal) or (
                isinstance(command, cc.HangUp) and isinstance(event, ce.PartyAnswered)
                and command.leg == event.leg and command.leg in call.rung), \
                f"{command} for {call_id}, which is {call.status}"
        match command:
            case cc.Bridge(legs=legs):
                for leg in legs:
                    assert self.leg_call[leg] == call_id and leg not in self.dead, command
                self.bridged |= set(legs)
            case cc.Unbridge(leg=leg):
                assert leg in self.bridged, command
                self.bridged.discard(leg)
            case cc.Music(leg=leg, on=on):
                assert leg == call_id, "only the caller is held"
                assert leg not in self.dead
                self._music(call, leg, on)
            case cc.Mute(leg=leg, on=on):
                assert leg == call.agent_leg and (leg in self.muted) is not on, command
                self.muted.symmetric_difference_update({leg})
            case cc.HangUp(leg=leg):
                assert self.leg_call[leg] == call_id
                self.dead.add(leg)
                self.bridged.discard(leg)
                self.music.discard(leg)
            case cc.RingParty(leg=leg, to=to):
                assert leg not in self.leg_call, "a leg rung twice"
                self.leg_call[leg] = call_id
                self.ring_to[leg] = to
                call.rung.append(leg)
            case cc.CloseBridge():
                left = [leg for leg in self.bridged if self.leg_call[leg] == call_id]
                assert not left, f"{left} left in the closed bridge of {call_id}"
            case cc.ReleaseAgent(agent=agent):
                assert (call_id, agent) in self.in_charge, f"{command}: released twice?"
                self.in_charge.discard((call_id, agent))
            case cc.Reserve(agent=agent):
                assert (call_id, agent) not in self.reserved
                self.reserved.add((call_id, agent))
            case cc.Unreserve(agent=agent):
                assert (call_id, agent) in self.reserved, command
                self.reserved.discard((call_id, agent))
            case cc.HandOver(agent=agent, leg=leg, priority=priority):
                assert (call_id, agent) in self.reserved, command
                assert self.ring_to[leg] == ce.Target(kind="agent", name=agent)
                assert leg in self.bridged
                assert priority == call.priority
                self.reserved.discard((call_id, agent))
                self.in_charge.add((call_id, agent))
                call.agent, call.agent_leg = agent, leg
                call.handled_by.append(agent)
                call.agent_legs.append(leg)
            case cc.Requeue(priority=priority, handled_by=handled_by):
                assert call_id not in OUTBOUND, "a customer the platform called requeued"
                assert priority == call.priority
                assert list(handled_by) == call.handled_by
                self._ends(call_id, "requeued")
                live = [leg for leg in self._legs(call_id) if leg not in self.dead]
                assert live == [call_id], f"{call_id} requeued, with {live} still up"
                assert call_id in self.music, "a requeued caller waits with music"
                call.status = "queued"
            case cc.EndCall():
                self._ends(call_id, "ended")
                live = [leg for leg in self._legs(call_id) if leg not in self.dead]
                assert not live, f"{call_id} ended, with {live} still up"
                call.status = "over"

    def _music(self, call: Call, leg: str, on: bool) -> None:
        if on:
            assert leg not in self.music
            self.music.add(leg)
            call.held_since = self.now
        else:
            assert leg in self.music
            self.music.discard(leg)
            assert call.held_since is not None
            call.held += self.now - call.held_since
            call.held_since = None

    def _ends(self, call_id: str, how: str) -> None:
        call = self.calls[call_id]
        assert call.status == "controlled", f"{call_id} {how} while {call.status}"
        assert not [c for c in self.in_charge if c[0] == call_id], "an agent not released"
        assert not [c for c in self.reserved if c[0] == call_id], "an agent kept reserved"
        self.ends.append((call_id, how))

    def _report(self, report: cc.Report) -> None:
        data = report.data
        call_id = str(data["call_id"])
        call = self.calls[call_id]
        if report.type in ("call.control_ended", "call.requeued"):
            if call.held_since is not None:  # the hold ends with control
                call.held += self.now - call.held_since
                call.held_since = None
            assert data["held_total"] == pytest.approx(call.held, abs=2e-3)
            call.held = 0.0
        if report.type == "call.control_ended":
            assert data["handled_by"] == call.handled_by
            call.handled_by = []
        elif report.type == "call.retrieved":
            assert isinstance(data["held"], float) and data["held"] >= 0
        if report.type in ("call.control_ended", "call.requeued"):
            # this call's last end is the one told (one timer may end two calls at once)
            last = next(end for end in reversed(self.ends) if end[0] == call_id)
            assert last == (call_id, "ended" if report.type == "call.control_ended"
                            else "requeued")
        elif report.type != "agent.talk" or data["state"] != "none":
            assert call.status == "controlled", f"{report} for a call {call.status}"

    def _legs(self, call_id: str) -> list[str]:
        call = self.calls[call_id]
        return [call_id, *call.agent_legs, *call.rung]

    def _check_views(self) -> None:
        ringing = False
        for call_id, call in self.calls.items():
            view = self.core.view(call_id, self.now)
            assert (view is not None) == (call.status == "controlled"), (call_id, call.status)
            if view is None:
                continue
            assert view.agent == call.agent if view.state is not TalkState.HANDED_OFF \
                else view.agent is None
            if view.agent is not None:
                assert self.core.call_of(view.agent) == call_id
            assert view.muted == (view.agent is not None and call.agent_leg in self.muted)
            legs = {"caller": call_id, "agent": call.agent_leg,
                    "consulted": call.rung[-1] if call.rung else None,
                    "outside": call.rung[-1] if call.rung else None}
            states = {}
            for role, _who, state in view.parties:
                leg = legs[role]
                assert leg is not None and leg not in self.dead, (view, leg)
                expected = "held" if leg in self.music else \
                    "bridged" if leg in self.bridged else "ringing"
                assert state == expected, (view, leg, self.bridged, self.music)
                states[role] = state
                ringing = ringing or state == "ringing"
            if view.state in (TalkState.HOLDING, TalkState.CONSULTING):
                assert states["caller"] == "held", view
            if view.state in (TalkState.TALKING, TalkState.CONFERENCE):
                assert set(states.values()) == {"bridged"}, view
                assert len(states) == (3 if view.state is TalkState.CONFERENCE else 2)
        deadline = self.core.next_deadline()
        if not ringing:
            assert deadline is None
        else:
            assert deadline is not None and deadline > self.now


def pick(items: Sequence[str], index: int) -> str | None:
    return items[-1 - index % len(items)] if items else None


def act(h: Checked, action: Action) -> None:
    kind = action[0]
    controlled = [c for c in h.recent if h.calls[c].status == "controlled"]
    which = action[1] if len(action) > 1 else 0
    call_id = which if isinstance(which, str) else pick(controlled, which) or CALLS[0]
    if kind == "connect":  # a new caller, or one the ACD got back, reaches an agent
        waiting = [c for c, call in h.calls.items()
                   if call.status in ("new", "queued") and c not in h.dead]
        if waiting:
            connect_next(h, waiting[which % len(waiting)], action[2])
    elif kind == "ask":
        h.send(asked(action[2], call_id))
    elif kind in ("transfer", "consult"):
        to_kind, name = action[2]
        current = h.calls[call_id].agent
        if name == "self":
            name = current or "a0"
        busy = {name for _call, name in h.in_charge | h.reserved}
        if kind == "consult" and to_kind == "agent" and name in busy - {current}:
            to_kind, name = "phone", "supervisor2"  # the ACD offers a busy agent nothing
        to = ce.Target(kind=to_kind, name=name)
        out = h.send(ce.TransferAsked(call_id=call_id, to=to) if kind == "transfer"
                     else ce.ConsultAsked(call_id=call_id, to=to))
        for ring in of(cc.RingParty, out):
            if action[3]:
                h.send(ce.PartyAnswered(call_id=call_id, leg=ring.leg))
    elif kind == "attended":
        act(h, ("consult", call_id, action[2], True))
        h.send(asked(action[3], call_id))
    elif kind == "answer":
        leg = pick(list(h.ring_to), which)
        if leg is not None:
            h.send(ce.PartyAnswered(call_id=h.leg_call[leg], leg=leg))
    elif kind == "gone":  # a leg of a call under control mostly, now and then an old one
        live = [h.calls[c].agent_leg or c if action[2] == "agent" else c for c in controlled]
        legs = {"caller": [c for c in CALLS if h.calls[c].status != "new"],
                "agent": [leg for c in h.calls.values() for leg in c.agent_legs],
                "rung": list(h.ring_to)}[action[2]]
        leg = pick(legs if action[2] == "rung" else [*legs, *live], which)
        if leg is not None:
            h.send(ce.LegGone(call_id=h.leg_call[leg], leg=leg, cause="normal"))
    elif kind == "wait":
        h.wait(action[1])
    elif kind == "replay" and h.sent:
        h.send(h.sent[-1 - which % len(h.sent)])  # a duplicate, late or out of order


def asked(name: str, call_id: str) -> ce.Request:
    if name in ("mute", "unmute"):
        return ce.MuteAsked(call_id=call_id, muted=name == "mute")
    return REQUESTS[name](call_id)


def connect_next(h: Checked, call_id: str, priority: int) -> None:
    """``call_id``'s caller reaches a new agent (its priority kept if it had one)."""
    call = h.calls[call_id]
    h.agents += 1
    if call.status == "new":
        call.priority = priority
    name = f"a{h.agents}"
    h.send(ce.Connected(call_id=call_id, caller_leg=call_id, caller="+15550100", agent=name,
                        agent_leg=f"{name}-leg", queue="q", priority=call.priority,
                        bridge=f"{call_id}-bridge", outbound=call_id in OUTBOUND))


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 3), min_size=2, max_size=2),
       st.lists(ACTIONS, min_size=10, max_size=80))
def test_random_requests_and_leg_news_keep_the_invariants(priorities: list[int],
                                                          actions: list[Action]) -> None:
    run(priorities, actions)


def run(priorities: list[int], actions: list[Action]) -> None:
    """Callers connected with ``priorities``, ``actions`` done, then every caller left
    hangs up; each command checked on the way (``Checked``), and what is left at the end."""
    h = Checked()
    for call, priority in zip(CALLS, priorities):  # two callers talking to begin with
        connect_next(h, call, priority)
    for action in actions:
        act(h, action)
    # every caller still under control hangs up: each call ends, and nothing is left
    for call_id, known in h.calls.items():
        if known.status == "controlled":
            h.send(ce.LegGone(call_id=call_id, leg=call_id))
            assert known.status == "over" and h.ends[-1] == (call_id, "ended")
    assert not h.in_charge, f"agents never released: {h.in_charge}"
    assert not h.reserved, f"agents left reserved: {h.reserved}"
    assert not h.bridged, f"legs left in a bridge: {h.bridged}"
    queued = {call_id for call_id, known in h.calls.items() if known.status == "queued"}
    assert h.music <= queued, "a held caller left without a bridge, a queue or an end"
    assert h.core.next_deadline() is None
    for call_id, known in h.calls.items():  # each connection ended once
        assert sum(1 for end in h.ends if end[0] == call_id) == known.connections
