"""The monitoring core on its own: each mode's legs, snoops and bridges, the refusals,
the end of a session by the supervisor, the snoop or the call, late and doubled leg
news; and its invariants under any order of requests and leg news (hypothesis)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.calls.monitor import (
    WEB_PHONE_SUFFIX,
    Monitoring,
    MonitorUsageError,
    SessionState,
    mode_of,
    phone_of,
)
from contactcenter.calls.monitor import commands as mc
from contactcenter.calls.monitor import events as me
from contactcenter.engine import phones
from tests.cores import of

T0 = 1_000.0


def reports(out: Sequence[object]) -> list[str]:
    return [c.type for c in of(mc.Report, out)]


def ask(core: Monitoring, mode: Any = "listen", *, call: str = "c1", agent: str | None = "a1",
        endpoint: str = "sup1", phone: str | None = "sup1",
        now: float = T0) -> list[mc.MonitorCommand]:
    return core.handle(me.MonitorAsked(
        call_id=call, mode=mode, supervisor="sue", endpoint=endpoint, phone=phone,
        agent=agent, agent_leg=f"{agent}-leg" if agent else None, bridge=f"bridge-{call}"),
        now)


def started(core: Monitoring, mode: str) -> tuple[str, list[mc.MonitorCommand]]:
    """A session in ``mode`` whose phone answered: its id, and what the answer did."""
    (ring,) = of(mc.RingPhone, ask(core, mode))
    return ring.monitor_id, core.handle(me.PhoneAnswered(monitor_id=ring.monitor_id,
                                                         leg=ring.leg), T0 + 3)


@pytest.mark.parametrize(("mode", "whisper"), [("listen", "none"), ("whisper", "out")])
def test_listening_and_whispering_bridge_a_snoop_on_the_agents_leg(mode: str,
                                                                   whisper: str) -> None:
    core = Monitoring()
    out = ask(core, mode)
    (ring,) = of(mc.RingPhone, out)
    assert (ring.endpoint, ring.caller_id, ring.leg) == ("sup1", f"{mode} a1",
                                                         f"{ring.monitor_id}-phone")
    assert reports(out) == ["call.monitor"]
    assert core.sessions[ring.monitor_id].state is SessionState.RINGING
    out = core.handle(me.PhoneAnswered(monitor_id=ring.monitor_id, leg=ring.leg), T0 + 3)
    snoop, bridge, joined, report = out
    assert isinstance(snoop, mc.Snoop) and isinstance(bridge, mc.OpenBridge)
    assert (snoop.target, snoop.spy, snoop.whisper) == ("a1-leg", "both", whisper)
    assert joined == mc.Bridge(call_id=ring.monitor_id, bridge=bridge.bridge,
                               legs=(ring.leg, snoop.snoop))
    assert isinstance(report, mc.Report) and report.data["time"] == T0 + 3
    assert core.channels() == {ring.leg, snoop.snoop}
    # the supervisor hangs up: the snoop and its bridge go; the call is untouched
    out = core.handle(me.LegGone(leg=ring.leg), T0 + 9)
    assert out[:2] == [mc.HangUp(leg=snoop.snoop),
                       mc.CloseBridge(monitor_id=ring.monitor_id, bridge=bridge.bridge)]
    (ended,) = of(mc.Report, out)
    assert (ended.type, ended.data["started"], ended.data["time"]) == (
        "call.monitor.ended", T0 + 3, T0 + 9)
    assert core.sessions == {} and core.channels() == set()


def test_barging_joins_the_calls_own_bridge_and_ends_with_the_call() -> None:
    core = Monitoring()
    monitor_id, out = started(core, "barge")
    assert out[0] == mc.Bridge(call_id="c1", bridge="bridge-c1", legs=(f"{monitor_id}-phone",))
    assert core.sessions[monitor_id].state is SessionState.BARGED
    assert not core.owns("a1-leg")  # the agent's leg is the call's news, not ours alone
    out = core.handle(me.LegGone(leg="a1-leg"), T0 + 20)
    assert out[0] == mc.HangUp(leg=f"{monitor_id}-phone")
    assert reports(out) == ["call.monitor.ended"]


def test_the_call_ending_while_the_supervisor_snoops_takes_everything_down() -> None:
    core = Monitoring()
    monitor_id, _ = started(core, "listen")
    out = core.handle(me.LegGone(leg="a1-leg"), T0 + 20)
    assert out[:3] == [mc.HangUp(leg=f"{monitor_id}-phone"),
                       mc.HangUp(leg=f"{monitor_id}-snoop"),
                       mc.CloseBridge(monitor_id=monitor_id, bridge=f"bridge-{monitor_id}")]


def test_the_snoop_going_ends_the_session() -> None:
    core = Monitoring()
    monitor_id, _ = started(core, "whisper")
    assert core.owns(f"{monitor_id}-snoop")
    out = core.handle(me.LegGone(leg=f"{monitor_id}-snoop"), T0 + 5)
    assert out[:2] == [mc.HangUp(leg=f"{monitor_id}-phone"),
                       mc.CloseBridge(monitor_id=monitor_id, bridge=f"bridge-{monitor_id}")]


def test_a_phone_never_answered_ends_the_session_unstarted() -> None:
    core = Monitoring()
    (ring,) = of(mc.RingPhone, ask(core, "listen"))
    out = core.handle(me.LegGone(leg=ring.leg, cause="no answer"), T0 + 30)
    assert [c for c in out if not isinstance(c, mc.Report)] == []  # nothing else to take down
    assert of(mc.Report, out)[0].data["started"] is None


def test_the_call_ending_while_the_phone_rings_hangs_it_up() -> None:
    core = Monitoring()
    (ring,) = of(mc.RingPhone, ask(core, "barge"))
    out = core.handle(me.LegGone(leg="a1-leg"), T0 + 2)
    assert out[0] == mc.HangUp(leg=ring.leg) and reports(out) == ["call.monitor.ended"]


def test_a_phone_answering_after_the_call_is_over_is_hung_up_and_ends_the_session() -> None:
    core = Monitoring()
    (ring,) = of(mc.RingPhone, ask(core, "listen"))
    out = core.handle(me.PhoneAnswered(monitor_id=ring.monitor_id, leg=ring.leg,
                                       call_connected=False), T0 + 2)
    assert out[0] == mc.HangUp(leg=ring.leg) and not of(mc.Snoop, out)
    assert reports(out) == ["call.monitor.ended"] and core.sessions == {}


def test_a_late_answer_is_hung_up_and_a_doubled_one_changes_nothing() -> None:
    core = Monitoring()
    monitor_id, _ = started(core, "listen")
    phone = f"{monitor_id}-phone"
    assert core.handle(me.PhoneAnswered(monitor_id=monitor_id, leg=phone), T0 + 4) == []
    assert core.handle(me.PhoneAnswered(monitor_id="mon-9-9", leg="mon-9-9-phone"), T0) == [
        mc.HangUp(leg="mon-9-9-phone")]
    core.handle(me.LegGone(leg=phone), T0 + 5)
    assert core.handle(me.PhoneAnswered(monitor_id=monitor_id, leg=phone), T0 + 6) == [
        mc.HangUp(leg=phone)]
    assert core.handle(me.LegGone(leg=phone), T0 + 7) == []  # the end told twice
    assert core.owns(phone)  # still ours: not another part's news
    assert core.ignored == 4


def test_news_of_legs_that_are_none_of_monitorings_changes_nothing() -> None:
    core = Monitoring()
    assert core.handle(me.LegGone(leg="c7"), T0) == [] and core.ignored == 0
    assert not core.owns("c7")


def test_the_sessions_on_a_call_all_end_with_it() -> None:
    core = Monitoring()
    first, _ = started(core, "listen")
    (second,) = of(mc.RingPhone, ask(core, "barge", endpoint="sup2", phone="sup2"))
    out = core.handle(me.LegGone(leg="a1-leg"), T0 + 8)
    ended = [c.data["monitor_id"] for c in of(mc.Report, out)]
    assert sorted(ended) == sorted([first, second.monitor_id]) and core.channels() == set()


@pytest.mark.parametrize(("facts", "reason"), [
    ({"agent": None}, "not connected"), ({"phone": None}, "not registered"),
    ({"agent": "sup1"}, "own call"),
    ({"agent": "sup1", "endpoint": "sup1-web", "phone": "sup1-web"}, "own call")])
def test_a_session_that_cannot_start_is_refused_and_nothing_rings(
        facts: dict[str, Any], reason: str) -> None:
    core = Monitoring()
    out = ask(core, "listen", **facts)
    assert len(out) == 1 and isinstance(out[0], mc.Refusal) and out[0].status == 409
    assert reason in out[0].reason
    assert core.sessions == {} and core.channels() == set()


@pytest.mark.parametrize(("own", "asked", "status"), [
    (None, None, 409), (None, "supervisor1", 409), ("", None, 409),
    ("supervisor1", "agent101", 403), ("supervisor1", "supervisor1-web-web", 403),
    ("supervisor1", "supervisor", 403), ("supervisor1", {"a": 1}, 422),
    ("supervisor1", "", 422), ("supervisor1", 101, 422)])
def test_only_the_users_own_phone_may_ring(own: str | None, asked: object,
                                            status: int) -> None:
    refused = phone_of(own, asked)
    assert isinstance(refused, mc.Refusal) and refused.status == status
    assert refused.field == (None if status == 409 else "endpoint")


def test_the_users_own_phone_or_its_browser_twin() -> None:
    assert phone_of("supervisor1") == "supervisor1"
    assert phone_of("supervisor1", "supervisor1-web") == "supervisor1-web"
    assert WEB_PHONE_SUFFIX == phones.WEB_PHONE_SUFFIX  # the twin the engine registers


@pytest.mark.parametrize("mode", [{"a": 1}, ["listen"], 1, None, "Listen"])
def test_a_mode_that_is_none_of_the_three_is_refused(mode: object) -> None:
    refused = mode_of(mode)
    assert isinstance(refused, mc.Refusal) and (refused.status, refused.field) == (422, "mode")
    assert [mode_of(m) for m in ("listen", "whisper", "barge")] == ["listen", "whisper", "barge"]


def test_an_event_the_core_does_not_know_is_the_engines_bug() -> None:
    with pytest.raises(MonitorUsageError):
        Monitoring().handle(object(), T0)  # type: ignore[arg-type]
    with pytest.raises(MonitorUsageError):
        ask(Monitoring(), "shout")


# -- invariants under any order of news (hypothesis) ----------------------------------------

CALLS = ("c1", "c2")
#: supervisor -> their own phone; agents' phones are others' (a1, a2 answer by themselves)
SUPERVISORS = {"sue": "sup1", "sam": "sup2"}
ENDPOINTS = ("sup1", "sup1-web", "sup2", "sup2-web", "a1", "a2", "")


@dataclass
class World:
    """The core, and what the driver has up: legs, snoops, bridges; checked on each step."""

    core: Monitoring = field(default_factory=Monitoring)
    now: float = T0
    agent_leg: dict[str, str | None] = field(default_factory=lambda: {"c1": "a1-leg",
                                                                       "c2": "a2-leg"})
    up: set[str] = field(default_factory=set)  #: phones and snoops not hung up nor gone
    bridges: set[str] = field(default_factory=set)  #: sessions' own bridges open
    session_legs: dict[str, tuple[str, str]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)  #: sessions begun (call.monitor)
    ended: list[str] = field(default_factory=list)  #: sessions ended (call.monitor.ended)
    sent: list[me.MonitorEvent] = field(default_factory=list)

    def send(self, event: me.MonitorEvent) -> list[mc.MonitorCommand]:
        self.now += 1
        if not isinstance(event, me.MonitorAsked):  # (a request carries the facts of now)
            self.sent.append(event)
        if isinstance(event, me.LegGone):
            self.up.discard(event.leg)  # the driver says it is gone
        out = self.core.handle(event, self.now)
        for command in out:
            self.check(command)
        assert self.core.channels() == {leg for leg in self.up}, "channels() says what is up"
        return out

    def check(self, command: mc.MonitorCommand) -> None:
        match command:
            case mc.RingPhone(monitor_id=monitor_id, leg=leg):
                self.up.add(leg)
                self.session_legs[monitor_id] = (leg, f"{monitor_id}-snoop")
            case mc.Snoop(snoop=snoop, target=target):
                assert target in self.agent_leg.values(), "a snoop on a call's agent only"
                self.up.add(snoop)
            case mc.OpenBridge(bridge=bridge):
                self.bridges.add(bridge)
            case mc.Bridge(bridge=bridge, legs=legs):
                assert bridge in self.bridges or bridge.removeprefix("bridge-") in CALLS
                assert set(legs) <= self.up
            case mc.HangUp(leg=leg):
                assert leg not in self.agent_leg.values() and leg not in CALLS, \
                    "monitoring never hangs the call up"
                self.up.discard(leg)
            case mc.CloseBridge(bridge=bridge):
                self.bridges.remove(bridge)
            case mc.Report(type="call.monitor", data=data):
                self.asked.append(str(data["monitor_id"]))
            case mc.Report(type="call.monitor.ended", data=data):
                monitor_id = str(data["monitor_id"])
                assert monitor_id in self.asked and monitor_id not in self.ended, \
                    "a session ends once, after it began"
                self.ended.append(monitor_id)
                assert not set(self.session_legs[monitor_id]) & self.up, "a leg left behind"
                assert f"bridge-{monitor_id}" not in self.bridges, "a bridge left behind"


Action = tuple[str, int, int]
ACTIONS = st.tuples(st.sampled_from(["ask", "answer", "late_answer", "phone_gone",
                                     "snoop_gone", "call_gone", "replay"]),
                    st.integers(0, 20), st.integers(0, 20))


def act(w: World, action: Action) -> None:
    kind, a, b = action
    live = sorted(w.core.sessions)
    session = w.core.sessions[live[a % len(live)]] if live else None
    if kind == "ask":
        call = CALLS[a % 2]
        supervisor = sorted(SUPERVISORS)[b % 2]
        mode = ("listen", "whisper", "barge", "shout")[a % 4]
        asked = ENDPOINTS[b % len(ENDPOINTS)] or None
        checked, phone = mode_of(mode), phone_of(SUPERVISORS[supervisor], asked)
        if isinstance(checked, mc.Refusal) or isinstance(phone, mc.Refusal):
            return  # refused before the core is asked
        assert phone.removesuffix("-web") == SUPERVISORS[supervisor]
        leg = w.agent_leg[call]
        out = w.send(me.MonitorAsked(
            call_id=call, mode=checked, supervisor=supervisor, endpoint=phone,
            phone=phone if b % 3 else None, agent=leg.removesuffix("-leg") if leg else None,
            agent_leg=leg, bridge=f"bridge-{call}"))
        for ring in of(mc.RingPhone, out):
            assert ring.endpoint == phone, "nothing rings but the supervisor's own phone"
    elif kind in ("answer", "late_answer") and (session or w.session_legs):
        monitor_id = session.monitor_id if session and kind == "answer" else \
            sorted(w.session_legs)[a % len(w.session_legs)]
        call = session.call_id if session else "c1"
        w.send(me.PhoneAnswered(monitor_id=monitor_id, leg=w.session_legs[monitor_id][0],
                                call_connected=w.agent_leg.get(call) is not None))
    elif kind in ("phone_gone", "snoop_gone") and w.session_legs:
        legs = w.session_legs[sorted(w.session_legs)[a % len(w.session_legs)]]
        w.send(me.LegGone(leg=legs[kind == "snoop_gone"]))
    elif kind == "call_gone":
        call = CALLS[a % 2]
        leg = w.agent_leg[call]
        if leg is not None:
            w.send(me.LegGone(leg=leg))
            w.agent_leg[call] = None if b % 2 else f"{leg}'"  # over, or with an agent again
    elif kind == "replay" and w.sent:
        w.send(w.sent[-1 - a % len(w.sent)])  # a duplicate, late or out of order


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTIONS, min_size=5, max_size=60))
def test_random_requests_and_leg_news_keep_the_invariants(actions: list[Action]) -> None:
    w = World()
    for action in actions:
        act(w, action)
    for call, leg in w.agent_leg.items():  # every call ends
        if leg is not None:
            w.send(me.LegGone(leg=leg))
            w.agent_leg[call] = None
    assert sorted(w.ended) == sorted(w.asked), "every session ends exactly once"
    assert w.up == set() and w.bridges == set(), "nothing left behind"
    assert w.core.sessions == {} and w.core.channels() == set()
