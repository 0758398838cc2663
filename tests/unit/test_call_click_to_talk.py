"""The click-to-talk core on its own: who may place a call, the agent's phone first and
the customer dialed only once the agent answered, what each leg's end does, call
control's news, late and doubled leg news; and its invariants under any order of news
(hypothesis)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.acd.states import AgentState
from contactcenter.calls.click_to_talk import (
    AGENT_RING,
    ClickToTalkUsageError,
    PlacedCalls,
    PlacedState,
    refusal_of,
)
from contactcenter.calls.click_to_talk import commands as kc
from contactcenter.calls.click_to_talk import events as ke
from tests.cores import of

T0 = 1_000.0
A, CUSTOMER = "out-1-agent", "out-1-customer"


def ask(core: PlacedCalls, call: str = "out-1", agent: str = "a1", *,
        state: AgentState | None = AgentState.AVAILABLE, registered: bool = True,
        cleared: bool = True) -> list[kc.ClickCommand]:
    return core.handle(ke.CallAsked(call_id=call, agent=agent, number="+15550100",
                                    registered=registered, endpoint=f"{agent}-web",
                                    agent_state=state, cleared=cleared), T0)


def answered(core: PlacedCalls, *, control: bool = False) -> PlacedCalls:
    """out-1 placed by a1; both legs answered."""
    ask(core)
    core.handle(ke.AgentAnswered(call_id="out-1", leg=A), T0 + 2)
    core.handle(ke.CustomerAnswered(call_id="out-1", leg=CUSTOMER, under_control=control),
                T0 + 9)
    return core


def test_the_agent_rings_first_then_the_customer_then_they_are_bridged() -> None:
    core = PlacedCalls()
    out = ask(core)
    assert out == [kc.PauseAgent(agent="a1"),
                   kc.OpenRecord(call_id="out-1", agent="a1", number="+15550100"),
                   kc.Report(type="call.offered", data={
                       "call_id": "out-1", "agent": "a1", "queue": None,
                       "direction": "outbound", "time": T0}),
                   kc.RingAgent(call_id="out-1", leg=A, endpoint="a1-web",
                                caller_id="+15550100", timeout=AGENT_RING)]
    assert core.busy("a1") and core.channels() == {A}
    out = core.handle(ke.AgentAnswered(call_id="out-1", leg=A), T0 + 2)
    assert out == [kc.OpenBridge(call_id="out-1", bridge="bridge-out-1"),
                   kc.DialCustomer(call_id="out-1", agent="a1", agent_leg=A,
                                   bridge="bridge-out-1")]
    assert core.channels() == {A, CUSTOMER}
    out = core.handle(ke.CustomerAnswered(call_id="out-1", leg=CUSTOMER), T0 + 9)
    assert out == [kc.BridgeCustomer(call_id="out-1")]
    out = core.handle(ke.LegGone(leg=CUSTOMER, cause="Normal Clearing"), T0 + 60)
    assert out == [kc.HangUp(leg=A), kc.EndRecord(call_id="out-1", cause="Normal Clearing"),
                   kc.CloseBridge(call_id="out-1", bridge="bridge-out-1"),
                   kc.ReleaseAgent(call_id="out-1", agent="a1", unpause=True)]
    assert not core.busy("a1") and core.channels() == set() and core.calls() == set()


@pytest.mark.parametrize("state", [AgentState.PAUSED, AgentState.LOGGED_OUT])
def test_an_agent_not_available_is_not_paused_nor_made_available_after(
        state: AgentState) -> None:
    core = PlacedCalls()
    assert not of(kc.PauseAgent, ask(core, state=state))
    out = core.handle(ke.LegGone(leg=A, cause="No answer"), T0 + 20)
    assert of(kc.ReleaseAgent, out) == [kc.ReleaseAgent(call_id="out-1", agent="a1",
                                                        unpause=False)]


@pytest.mark.parametrize(("facts", "reason"), [
    ({"registered": False}, "not registered"), ({"state": None}, "no agent"),
    ({"state": AgentState.RINGING}, "a1 is ringing"),
    ({"state": AgentState.ON_CALL}, "finish that call first"),
    ({"state": AgentState.WRAP_UP}, "wrap_up"), ({"cleared": False}, "not cleared")])
def test_a_call_that_cannot_be_placed_is_refused_and_nothing_rings(
        facts: dict[str, Any], reason: str) -> None:
    core = PlacedCalls()
    out = ask(core, **facts)
    assert len(out) == 1 and isinstance(out[0], kc.Refusal) and reason in out[0].reason
    assert not core.busy("a1") and core.channels() == set()


def test_an_agent_placing_a_call_cannot_place_another_and_an_id_is_used_once() -> None:
    core = PlacedCalls()
    ask(core)
    (refused,) = ask(core, "out-2", state=AgentState.PAUSED)
    assert isinstance(refused, kc.Refusal) and "already placing" in refused.reason
    (refused,) = ask(core, "out-1", "a2")
    assert isinstance(refused, kc.Refusal) and "placed already" in refused.reason
    assert refusal_of("a2", registered=True, state=AgentState.PAUSED, busy=False) is None


def test_an_agent_who_never_answers_calls_nobody() -> None:
    core = PlacedCalls()
    ask(core)
    out = core.handle(ke.LegGone(leg=A, cause="No answer"), T0 + 20)
    assert out == [kc.EndRecord(call_id="out-1", cause="agent_missed"),
                   kc.ReleaseAgent(call_id="out-1", agent="a1", unpause=True)]


def test_the_agent_hanging_up_while_the_customer_rings_cancels_it() -> None:
    core = PlacedCalls()
    ask(core)
    core.handle(ke.AgentAnswered(call_id="out-1", leg=A), T0 + 2)
    out = core.handle(ke.LegGone(leg=A), T0 + 5)
    assert out[:2] == [kc.HangUp(leg=CUSTOMER), kc.EndRecord(call_id="out-1",
                                                             cause="cancelled")]


def test_the_agent_hanging_up_after_the_customer_answered_ends_it_answered() -> None:
    core = answered(PlacedCalls())
    out = core.handle(ke.LegGone(leg=A), T0 + 30)
    assert out[:2] == [kc.HangUp(leg=CUSTOMER), kc.EndRecord(call_id="out-1", cause="")]


def test_a_busy_customer_hangs_the_agent_up() -> None:
    core = PlacedCalls()
    ask(core)
    core.handle(ke.AgentAnswered(call_id="out-1", leg=A), T0 + 2)
    out = core.handle(ke.LegGone(leg=CUSTOMER, cause="User busy"), T0 + 4)
    assert out[:2] == [kc.HangUp(leg=A), kc.EndRecord(call_id="out-1", cause="User busy")]


def test_under_call_control_the_legs_it_lets_go_are_its_and_it_says_when_it_ends() -> None:
    core = PlacedCalls()
    ask(core)
    core.handle(ke.AgentAnswered(call_id="out-1", leg=A), T0 + 2)
    out = core.handle(ke.CustomerAnswered(call_id="out-1", leg=CUSTOMER, under_control=True),
                      T0 + 9)
    assert out == [kc.BridgeCustomer(call_id="out-1"),
                   kc.ToControl(call_id="out-1", number="+15550100", agent="a1",
                                agent_leg=A, customer_leg=CUSTOMER, bridge="bridge-out-1")]
    assert core.handle(ke.AgentReleased(call_id="out-1"), T0 + 20) == [
        kc.ReleaseAgent(call_id="out-1", agent="a1", unpause=True)]
    assert core.handle(ke.AgentReleased(call_id="out-1"), T0 + 20) == []  # once
    assert core.handle(ke.LegGone(leg=A), T0 + 21) == []  # a transfer let it go
    assert core.channels() == {CUSTOMER}  # the customer talks on
    assert core.handle(ke.CustomerHangUpAsked(call_id="out-1"), T0 + 40) == [
        kc.HangUp(leg=CUSTOMER)]
    assert core.handle(ke.ControlEnded(call_id="out-1"), T0 + 40) == [
        kc.EndRecord(call_id="out-1", cause=""),
        kc.CloseBridge(call_id="out-1", bridge="bridge-out-1")]


def test_a_consulted_agent_who_takes_over_is_paused_for_it_and_released_after() -> None:
    core = answered(PlacedCalls(), control=True)
    core.handle(ke.AgentReleased(call_id="out-1"), T0 + 20)
    out = core.handle(ke.HandedOver(call_id="out-1", agent="a2", leg="a2-leg"), T0 + 20)
    assert out == [kc.PauseAgent(agent="a2")]
    assert core.busy("a2") and not core.busy("a1") and "a2-leg" in core.channels()
    out = core.handle(ke.ControlEnded(call_id="out-1"), T0 + 50)
    assert of(kc.ReleaseAgent, out) == [kc.ReleaseAgent(call_id="out-1", agent="a2",
                                                        unpause=True)]


def test_late_and_doubled_answers() -> None:
    core = PlacedCalls()
    ask(core)
    assert core.handle(ke.CustomerAnswered(call_id="out-1", leg=CUSTOMER), T0) == [
        kc.HangUp(leg=CUSTOMER)]  # never dialed: nobody waits for it
    assert core.handle(ke.AgentAnswered(call_id="out-1", leg="other"), T0) == [
        kc.HangUp(leg="other")]  # not the call's leg
    core.handle(ke.AgentAnswered(call_id="out-1", leg=A), T0 + 2)
    assert core.handle(ke.AgentAnswered(call_id="out-1", leg=A), T0 + 3) == []  # doubled
    core.handle(ke.CustomerAnswered(call_id="out-1", leg=CUSTOMER), T0 + 9)
    assert core.handle(ke.CustomerAnswered(call_id="out-1", leg=CUSTOMER), T0 + 9) == []
    core.handle(ke.LegGone(leg=A), T0 + 30)
    assert core.handle(ke.LegGone(leg=A), T0 + 31) == []  # the end told twice
    assert core.handle(ke.LegGone(leg=CUSTOMER), T0 + 31) == []  # the other's, late
    assert core.handle(ke.AgentAnswered(call_id="out-1", leg=A), T0 + 32) == [
        kc.HangUp(leg=A)]  # an answer for a call over
    assert core.knows("out-1") and core.owns(A) and not core.live("out-1")
    assert core.ignored == 7


def test_news_of_others_calls_is_not_its() -> None:
    core = PlacedCalls()
    assert core.handle(ke.AgentAnswered(call_id="c1", leg="c1-a1"), T0) == []
    assert core.handle(ke.LegGone(leg="c1-a1"), T0) == []
    assert core.handle(ke.ControlEnded(call_id="c1"), T0) == []
    assert not core.knows("c1") and not core.owns("c1-a1")


def test_an_event_the_core_does_not_know_is_the_engines_bug() -> None:
    with pytest.raises(ClickToTalkUsageError):
        PlacedCalls().handle(object(), T0)  # type: ignore[arg-type]


# -- invariants under any order of news (hypothesis) ----------------------------------------

AGENTS = ("a1", "a2", "a3")


@dataclass
class World:
    """The core, what the driver has up, and what each call's record and agents went
    through; checked on each step."""

    core: PlacedCalls = field(default_factory=PlacedCalls)
    now: float = T0
    up: set[str] = field(default_factory=set)
    bridges: set[str] = field(default_factory=set)
    placed: dict[str, bool] = field(default_factory=dict)  #: call -> under control
    cleared: set[str] = field(default_factory=set)
    agent_on: set[str] = field(default_factory=set)  #: agents' legs that answered
    ended: list[str] = field(default_factory=list)
    parts: list[tuple[str, str]] = field(default_factory=list)  #: (call, agent) taken on
    released: list[tuple[str, str]] = field(default_factory=list)
    sent: list[ke.ClickEvent] = field(default_factory=list)

    def send(self, event: ke.ClickEvent) -> list[kc.ClickCommand]:
        self.now += 1
        if isinstance(event, ke.LegGone):
            self.up.discard(event.leg)  # the driver says it is gone
        if not isinstance(event, ke.CallAsked):  # (a request carries the facts of now)
            self.sent.append(event)
        out = self.core.handle(event, self.now)
        for command in out:
            self.check(command)
        for call_id in {c.call_id for c in of(kc.EndRecord, out)}:  # once all is carried out
            left = {leg for leg in self.up if leg.startswith(f"{call_id}-")}
            assert not left, f"{call_id} ended with {left} still up"
            assert f"bridge-{call_id}" not in self.bridges, "a bridge left behind"
            assert all(self.released.count(p) == self.parts.count(p)
                       for p in self.parts if p[0] == call_id), "an agent not released"
        return out

    def check(self, command: kc.ClickCommand) -> None:
        match command:
            case kc.RingAgent(call_id=call_id, leg=leg):
                assert call_id in self.cleared, "a phone rang for a call not cleared"
                self.up.add(leg)
            case kc.OpenRecord(call_id=call_id, agent=agent):
                self.parts.append((call_id, agent))
            case kc.DialCustomer(call_id=call_id, agent_leg=leg):
                assert call_id in self.cleared and leg in self.agent_on, \
                    "the customer dialed before the agent answered"
                self.up.add(f"{call_id}-customer")
            case kc.OpenBridge(bridge=bridge):
                self.bridges.add(bridge)
            case kc.CloseBridge(bridge=bridge):
                self.bridges.remove(bridge)
            case kc.HangUp(leg=leg):
                self.up.discard(leg)
            case kc.ReleaseAgent(call_id=call_id, agent=agent):
                # once a part: an agent may have the call twice (handed back to them)
                part = (call_id, agent)
                assert self.released.count(part) < self.parts.count(part), \
                    "an agent released more often than they had the call"
                self.released.append(part)
            case kc.EndRecord(call_id=call_id):
                assert call_id not in self.ended, "a call ended twice"
                self.ended.append(call_id)


Action = tuple[str, int, int]
ACTIONS = st.tuples(st.sampled_from(["ask", "agent_answers", "customer_answers",
                                     "agent_gone", "customer_gone", "released",
                                     "hand_over", "hang_up_customer", "control_ends",
                                     "replay"]),
                    st.integers(0, 20), st.integers(0, 20))


def act(w: World, action: Action) -> None:
    kind, a, b = action
    calls = sorted(w.placed)
    call = calls[a % len(calls)] if calls else "out-0"
    controlled = w.core.state_of(call) is PlacedState.CONTROLLED
    if kind == "ask":
        call_id, agent = f"out-{len(w.placed) + 1}", AGENTS[a % len(AGENTS)]
        cleared = b % 4 != 0
        if cleared:
            w.cleared.add(call_id)
        out = w.send(ke.CallAsked(
            call_id=call_id, agent=agent, number="+1555", registered=b % 5 != 0,
            endpoint=agent, agent_state=(AgentState.AVAILABLE, AgentState.PAUSED,
                                         AgentState.ON_CALL)[b % 3], cleared=cleared))
        if of(kc.RingAgent, out):
            w.placed[call_id] = b % 2 == 0  # call control attached, or not
    elif kind == "agent_answers" and calls:
        w.agent_on.add(f"{call}-agent")
        w.send(ke.AgentAnswered(call_id=call, leg=f"{call}-agent"))
    elif kind == "customer_answers" and calls:
        w.send(ke.CustomerAnswered(call_id=call, leg=f"{call}-customer",
                                   under_control=w.placed[call]))
    elif kind in ("agent_gone", "customer_gone") and calls:
        w.send(ke.LegGone(leg=f"{call}-{kind.removesuffix('_gone')}", cause="normal"))
    elif kind == "released" and controlled:
        w.up.discard(f"{call}-agent")  # control hangs the agent's leg up
        w.send(ke.AgentReleased(call_id=call))
    elif kind == "hand_over" and controlled:
        now_with = [p[1] for p in w.parts if p[0] == call][-1]
        agent = next(a for a in AGENTS[b % 3:] + AGENTS if a != now_with)
        leg = f"{call}-consulted{len(w.parts)}"
        w.up.add(leg)  # control rang and bridged them; they are in charge from here
        w.parts.append((call, agent))
        w.send(ke.HandedOver(call_id=call, agent=agent, leg=leg))
    elif kind == "hang_up_customer" and controlled:
        w.send(ke.CustomerHangUpAsked(call_id=call))
    elif kind == "control_ends" and controlled:
        end_under_control(w, call)
    elif kind == "replay" and w.sent:
        w.send(w.sent[-1 - a % len(w.sent)])  # a duplicate, late or out of order


def end_under_control(w: World, call: str) -> None:
    """What call control does at the end: its legs hung up, then ``ControlEnded``."""
    w.up -= {leg for leg in w.up if leg.startswith(f"{call}-")}
    w.send(ke.ControlEnded(call_id=call))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTIONS, min_size=5, max_size=60))
def test_random_requests_and_leg_news_keep_the_invariants(actions: list[Action]) -> None:
    w = World()
    for action in actions:
        act(w, action)
    for call in sorted(w.placed):  # every call ends: its legs go, or control is done
        if w.core.state_of(call) is PlacedState.CONTROLLED:
            end_under_control(w, call)
        for leg in (f"{call}-agent", f"{call}-customer"):
            w.send(ke.LegGone(leg=leg))
    assert sorted(w.ended) == sorted(w.placed), "every call ends exactly once"
    assert sorted(w.released) == sorted(w.parts), "each agent's part released once"
    assert not w.up and not w.bridges, "nothing left behind"
    assert w.core.channels() == set() and w.core.calls() == set()
    assert not any(w.core.busy(agent) for agent in AGENTS)
