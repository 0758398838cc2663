"""A call's course on its own: each way through (the menu to a queue, voicemail, a
callback the gate accepts or refuses, the menu's end, an overflow, a transfer back to a
queue), the hang-up guards, late and doubled news, a restart; on a fake clock. And its
invariants under any order of events and time (hypothesis)."""

from __future__ import annotations

from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.calls.course import (
    GATE_GUARD,
    HANGUP_GUARD,
    OUTCOME_ON_HANGUP,
    REFUSED_CALLBACK,
    VOICEMAIL_GUARD,
    CallCourse,
    CallState,
    CourseFailure,
    CourseUsageError,
)
from contactcenter.calls.course import commands as cc
from contactcenter.calls.course import events as ce
from contactcenter.ivr import commands as ic
from contactcenter.ivr.loader import parse_flow
from contactcenter.ivr.session import IvrSession
from tests.cores import of, one

T0 = 1_000.0
CALL = "c1"
CALLER = "+15550100"
FLOW = parse_flow({
    "start": "who",
    "variables": {"priority": "3", "skill": "general"},
    "nodes": {
        "who": {"type": "lookup", "kind": "caller", "fields": ["name"], "timeout": 2,
                "found": "menu", "not_found": "menu"},
        "menu": {"type": "menu", "prompt": "hello", "timeout": 5, "fallback": "bye",
                 "options": {"1": "sales", "2": "mailbox", "3": "callback", "5": "bye"}},
        "sales": {"type": "queue", "queue": "sales", "variables": {"skill": "sales"}},
        "mailbox": {"type": "voicemail", "mailbox": "main"},
        "callback": {"type": "callback", "queue": "support", "prompt": ["thanks"]},
        "bye": {"type": "hangup"},
    },
}, name="t")

C = TypeVar("C")


class Call:
    """One course on a fake clock, with everything it said."""

    def __init__(self, *, acd: bool = True) -> None:
        self.core = CallCourse(IvrSession(FLOW, call_id=CALL), call_id=CALL, caller=CALLER,
                               dialed="5000", started_at=T0, acd=acd)
        self.now = T0
        self.out: list[cc.CourseCommand] = []

    def send(self, event: ce.CourseEvent) -> list[cc.CourseCommand]:
        out = self.core.handle(event, self.now)
        self.out += out
        return out

    def wait(self, seconds: float) -> list[cc.CourseCommand]:
        self.now += seconds
        out = self.core.handle_timer(self.now)
        self.out += out
        return out

    def last(self, kind: type[C]) -> C:
        return of(kind, self.out)[-1]

    def published(self, event_type: str) -> list[dict[str, object]]:
        return [dict(c.data) for c in of(cc.Publish, self.out) if c.type == event_type]

    def ended(self) -> dict[str, object]:
        """The one ``call.ended``: the call is over."""
        ends = self.published("call.ended")
        assert len(ends) == 1 and self.core.state is CallState.ENDED, ends
        return ends[0]

    def played_through(self) -> list[cc.CourseCommand]:
        return self.send(ce.PlaybackEnded(call_id=CALL, playback_id=self.last(cc.PlayMedia)
                                          .playback_id))


def at_menu(*, acd: bool = True) -> Call:
    """A caller the CRM knows, hearing the menu."""
    call = Call(acd=acd)
    started = call.send(ce.CallStarted())
    assert isinstance(started[0], cc.AnswerCall)
    lookup = one(ic.Lookup, started)
    assert (lookup.kind, lookup.key) == ("caller", CALLER)
    prompt = one(cc.PlayMedia, call.send(ce.LookupAnswered(request_id=lookup.request_id,
                                                           data={"name": "Ada"})))
    assert prompt.media == ("sound:hello",)
    return call


def press(call: Call, digit: str) -> list[cc.CourseCommand]:
    return call.send(ce.DigitReceived(call_id=CALL, digit=digit))


def queued(*, acd: bool = True) -> Call:
    call = at_menu(acd=acd)
    press(call, "1")
    assert call.core.state is CallState.QUEUED
    return call


def test_the_menu_leads_to_a_queue_the_acd_takes_then_an_agent_answers() -> None:
    call = at_menu()
    out = press(call, "1")
    assert of(cc.StopMedia, out)  # the key stops the prompt
    assert isinstance(out[-2], cc.StartHold)  # music, then the ACD has the caller
    join = out[-1]
    assert isinstance(join, cc.JoinQueue)
    assert (join.queue, join.priority, join.skill, join.caller) == ("sales", 3, "sales", CALLER)
    assert join.variables["name"] == "Ada" and join.since is None
    assert not call.published("call.queued")  # the ACD reports it
    assert [e["kind"] for e in call.published("ivr.exit")] == ["queue"]
    assert call.send(ce.AgentConnected(agent="a1")) == []
    assert call.core.agent == "a1"
    assert call.send(ce.CallEnded(cause="normal")) == [call.out[-1]]
    assert call.ended() == {"cause": "normal", "outcome": "answered", "duration": 0.0}


def test_without_an_acd_the_caller_hears_music_and_the_queueing_is_reported() -> None:
    call = queued(acd=False)
    assert not of(cc.JoinQueue, call.out)
    assert call.published("call.queued") == [{
        "queue": "sales", "priority": 3,
        "variables": call.core.session.variables}]
    call.now += 42
    call.send(ce.CallEnded())
    assert call.ended() == {"cause": "", "outcome": "abandoned_in_queue", "duration": 42.0}


@pytest.mark.parametrize(("cause", "outcome"), [("done", "voicemail"),
                                                ("failed", "voicemail_failed")])
def test_voicemail_records_says_goodbye_and_hangs_up(cause: str, outcome: str) -> None:
    call = at_menu()
    record = one(cc.RecordMessage, press(call, "2"))
    assert record.name == "voicemail-main-c1"
    assert call.published("voicemail.started") == [{"mailbox": "main",
                                                     "recording": record.name}]
    out = call.send(ce.RecordingEnded(call_id=CALL, name=record.name, duration=4.5,
                                      cause=cause))
    assert call.published("voicemail.recorded") == [{
        "mailbox": "main", "recording": record.name, "duration": 4.5, "status": cause}]
    assert one(cc.PlayMedia, out).media == ("sound:vm-goodbye",)
    assert call.played_through() == [cc.HangupCall(call_id=CALL)]
    call.send(ce.CallEnded(cause="normal"))
    assert call.ended()["outcome"] == outcome


def test_a_message_cut_by_a_hang_up_is_as_long_as_it_was_recorded() -> None:
    """Asterisk's news of a recording ended by the caller's hang-up has no length."""
    call = at_menu()
    record = one(cc.RecordMessage, press(call, "2"))
    call.wait(12.5)
    call.send(ce.RecordingEnded(call_id=CALL, name=record.name, duration=None, cause="done"))
    (recorded,) = call.published("voicemail.recorded")
    assert recorded["duration"] == 12.5


def test_a_recording_that_never_ends_is_cut_by_the_voicemail_guard() -> None:
    call = at_menu()
    press(call, "2")
    assert call.core.next_deadline() == call.now + VOICEMAIL_GUARD
    assert call.wait(VOICEMAIL_GUARD - 1) == []
    assert call.wait(1) == [cc.HangupCall(call_id=CALL, reason="normal")]


def callback_asked(*, acd: bool = True) -> Call:
    """The caller chose a callback and heard the thanks."""
    call = at_menu(acd=acd)
    press(call, "3")
    assert call.last(cc.PlayMedia).media == ("sound:thanks",)
    call.played_through()
    assert call.published("callback.requested") == [{
        "number": CALLER, "queue": "support", "variables": call.core.session.variables}]
    return call


def test_a_callback_the_gate_accepts_ends_the_call() -> None:
    call = callback_asked()
    asked = call.last(cc.RequestCallback)
    assert (asked.queue, asked.number, asked.priority) == ("support", CALLER, 3)
    assert not of(cc.HangupCall, call.out)  # not before the gate's word
    assert call.send(ce.CallbackDecided(refused=False)) == [
        cc.HangupCall(call_id=CALL, reason="normal")]
    call.send(ce.CallEnded())
    assert call.ended()["outcome"] == "callback_requested"


def test_a_refused_callback_is_told_to_the_caller_before_the_hang_up() -> None:
    call = callback_asked()
    sorry = one(cc.PlayMedia, call.send(ce.CallbackDecided(refused=True)))
    assert sorry.media == REFUSED_CALLBACK
    assert call.played_through() == [cc.HangupCall(call_id=CALL)]
    call.send(ce.CallEnded())
    assert call.ended()["outcome"] == "callback_refused"


def test_a_gate_that_never_answers_is_not_a_refusal() -> None:
    call = callback_asked()
    assert call.core.next_deadline() == call.now + GATE_GUARD
    assert call.wait(GATE_GUARD) == [cc.HangupCall(call_id=CALL, reason="normal")]
    assert call.send(ce.CallbackDecided(refused=True)) == []  # too late
    call.send(ce.CallEnded())
    assert call.ended()["outcome"] == "callback_requested"


def test_what_comes_while_the_gate_decides_is_acted_on_after_its_word() -> None:
    call = callback_asked()
    assert call.send(ce.CallEnded(cause="normal")) == []  # the caller left meanwhile
    out = call.send(ce.CallbackDecided(refused=True))
    assert [type(c) for c in out] == [cc.PlayMedia, cc.Publish]
    assert call.ended()["outcome"] == "callback_refused"


def test_without_an_acd_a_callback_is_only_recorded() -> None:
    call = callback_asked(acd=False)
    assert not of(cc.RequestCallback, call.out)
    assert call.last(cc.HangupCall) == cc.HangupCall(call_id=CALL, reason="normal")


def test_the_menus_end_completes_the_call_in_the_ivr() -> None:
    call = at_menu()
    assert of(cc.HangupCall, press(call, "5")) == [cc.HangupCall(call_id=CALL,
                                                                 reason="normal")]
    call.send(ce.CallEnded())
    assert call.ended()["outcome"] == "completed_in_ivr"


def test_the_caller_leaving_the_menu_abandons_it() -> None:
    call = at_menu()
    call.send(ce.CallEnded(cause="normal"))
    assert [e["kind"] for e in call.published("ivr.exit")] == ["abandoned"]
    assert call.ended()["outcome"] == "abandoned_in_ivr"


def test_the_ivrs_timers_come_through_the_course() -> None:
    call = at_menu()
    prompt = call.last(cc.PlayMedia)
    call.played_through()
    assert call.core.next_deadline() == call.now + 5  # the menu's timeout
    again = one(cc.PlayMedia, call.wait(5))  # nothing pressed: asked again
    assert again.playback_id != prompt.playback_id


def test_an_overflow_to_voicemail_stops_the_music_and_records() -> None:
    call = queued()
    out = call.send(ce.Overflowed(kind="voicemail", target="sales-box"))
    assert isinstance(out[0], cc.StopHold)
    assert one(cc.RecordMessage, out).name == "voicemail-sales-box-c1"
    assert call.core.state is CallState.VOICEMAIL


def test_an_overflow_to_another_queue_joins_it_with_the_callers_variables() -> None:
    call = queued()
    join = one(cc.JoinQueue, call.send(ce.Overflowed(kind="queue", target="spill")))
    assert (join.queue, join.skill, join.variables["name"]) == ("spill", "sales", "Ada")


def test_a_caller_transferred_back_to_a_queue_who_hangs_up_was_answered() -> None:
    call = queued()
    call.send(ce.AgentConnected(agent="a1"))
    assert call.send(ce.Requeued(queue="support")) == []
    assert call.core.state is CallState.QUEUED
    assert call.core.exit is not None and call.core.exit.target == "support"
    assert call.core.exit.variables["name"] == "Ada"
    call.send(ce.CallEnded())
    assert call.ended()["outcome"] == "answered"


def test_a_caller_the_acd_connected_before_the_call_heard_of_it_was_answered() -> None:
    call = queued()
    assert call.core.in_acd and not at_menu().core.in_acd and not queued(acd=False).core.in_acd
    call.send(ce.CallEnded(talking=True))
    assert call.ended()["outcome"] == "answered"


def test_a_hang_up_asked_for_is_sent_again_until_the_call_ends() -> None:
    call = queued()
    assert call.send(ce.HangUpAsked(reason="overflow")) == [
        cc.HangupCall(call_id=CALL, reason="overflow")]
    assert call.wait(HANGUP_GUARD - 1) == []
    assert call.wait(1) == [cc.HangupCall(call_id=CALL, reason="normal")]
    assert call.wait(HANGUP_GUARD) == [cc.HangupCall(call_id=CALL, reason="normal")]
    call.send(ce.CallEnded())
    assert call.ended()["outcome"] == OUTCOME_ON_HANGUP[CallState.QUEUED]
    assert call.core.next_deadline() is None


def test_a_goodbye_whose_end_never_comes_is_guarded_too() -> None:
    call = callback_asked()
    call.send(ce.CallbackDecided(refused=True))
    assert call.wait(HANGUP_GUARD) == [cc.HangupCall(call_id=CALL, reason="normal")]


def test_late_and_doubled_news_changes_nothing() -> None:
    call = queued()
    before = call.core.ignored
    late: list[ce.CourseEvent] = [
        ce.DigitReceived(call_id=CALL, digit="1"), ce.RecordingEnded(
            call_id=CALL, name="x", duration=None, cause="done"),
        ce.Requeued(queue="q"), ce.CallbackDecided(refused=True)]
    for event in late:  # none of them fits a waiting caller
        assert call.send(event) == []
    assert call.core.ignored == before + len(late)
    call.send(ce.AgentConnected(agent="a1"))
    assert call.send(ce.AgentConnected(agent="a2")) == [] and call.core.agent == "a1"
    assert call.send(ce.Overflowed(kind="voicemail", target="x")) == []  # crossed the answer
    call.send(ce.CallEnded())
    after: list[ce.CourseEvent] = [ce.CallEnded(), ce.HangUpAsked(reason="normal"),
                                   ce.AgentConnected(agent="a"),
                                   ce.PlaybackEnded(call_id=CALL, playback_id="p")]
    for event in after:
        assert call.send(event) == []
    assert call.wait(HANGUP_GUARD * 2) == []
    assert call.ended()["outcome"] == "answered"


def test_a_queued_caller_met_again_after_a_restart_rejoins_in_their_place() -> None:
    call = Call()
    exit_ = ic.Exit(kind=ic.ExitKind.QUEUE, target="support", variables={"priority": "2"})
    out = call.send(ce.CallResumed(state=CallState.QUEUED, exit=exit_, since=900.0))
    join, hold = out  # rejoined first: callers resumed together keep their order
    assert isinstance(join, cc.JoinQueue) and isinstance(hold, cc.StartHold)
    assert (join.queue, join.priority, join.since) == ("support", 2, 900.0)
    assert not of(cc.AnswerCall, out)  # answered before the restart
    call.send(ce.CallEnded())
    assert call.ended()["outcome"] == "abandoned_in_queue"


def test_a_connected_call_met_again_after_a_restart_waits_for_its_end() -> None:
    call = Call()
    assert call.send(ce.CallResumed(state=CallState.CONNECTED, agent="a1")) == []
    assert call.core.agent == "a1" and call.core.next_deadline() is None
    call.send(ce.CallEnded())
    assert call.ended()["outcome"] == "answered"


def test_a_call_met_again_in_the_menu_starts_it_again() -> None:
    call = Call()
    assert isinstance(call.send(ce.CallResumed(state=CallState.IVR))[0], cc.AnswerCall)


def test_a_failure_reports_an_error_and_hangs_up() -> None:
    call = queued()
    with pytest.raises(CourseFailure) as failed:
        call.send(ce.Overflowed(kind="nowhere", target=None))
    assert failed.value.commands == [cc.StopHold(call_id=CALL)]  # decided before: still done
    assert call.send(ce.Failed()) == [cc.Publish(type="call.error", data={"state": "queued"}),
                                      cc.HangupCall(call_id=CALL, reason="failure")]


def test_a_menu_timer_that_fails_is_not_fired_again_by_the_failure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The menu's timeout fails: reporting the failure must not fire the same due timer
    (and fail) again, or nobody would hang the caller up."""
    call = at_menu()
    call.played_through()  # the menu waits for a key, its timer set

    def broken(self: IvrSession, now: float) -> list[object]:
        raise RuntimeError("a bug in the menu's timeout")

    monkeypatch.setattr(IvrSession, "handle_timer", broken)
    with pytest.raises(CourseFailure):
        call.wait(30)
    assert call.send(ce.Failed()) == [cc.Publish(type="call.error", data={"state": "ivr"}),
                                      cc.HangupCall(call_id=CALL, reason="failure")]


def test_our_misuse_raises() -> None:
    call = at_menu()
    with pytest.raises(CourseUsageError):
        call.send(ce.CallStarted())  # started twice
    with pytest.raises(CourseUsageError):
        call.send(ic.Answer())  # type: ignore[arg-type]


# -- invariants under any order of events and time -------------------------------------

Action = tuple[Any, ...]
ACTIONS = st.one_of(
    st.tuples(st.just("digit"), st.sampled_from("123590#")),
    st.tuples(st.just("played"), st.booleans()),  # the last playback, or a stale one
    st.tuples(st.just("lookup"), st.booleans()),  # the last lookup, or a stale one
    st.tuples(st.just("recorded"), st.sampled_from(["done", "failed", "canceled"])),
    st.tuples(st.just("connected"), st.sampled_from(["a1", "a2"])),
    st.tuples(st.just("overflow"), st.sampled_from(["voicemail", "queue", "callback",
                                                    "hangup"])),
    st.tuples(st.just("hang_up"), st.sampled_from(["normal", "overflow"])),
    st.tuples(st.just("requeued"), st.sampled_from(["sales", "support"])),
    st.tuples(st.just("decided"), st.booleans()),
    st.tuples(st.just("ended"), st.booleans()),
    st.tuples(st.just("wait"), st.sampled_from([0.5, 2.0, 5.0, 14.0, 16.0, 200.0])),
)
STARTS: st.SearchStrategy[ce.CourseEvent] = st.sampled_from([
    ce.CallStarted(), ce.CallResumed(state=CallState.CONNECTED, agent="a1"),
    ce.CallResumed(state=CallState.QUEUED, since=T0,
                   exit=ic.Exit(kind=ic.ExitKind.QUEUE, target="sales"))])
#: ways into each state, for random events to start from: the menu, a queue, voicemail,
#: a callback waiting for the gate's word, the menu's end
PATHS = st.sampled_from([(), (("lookup", True),), (("lookup", True), ("digit", "1")),
                         (("lookup", True), ("digit", "2")),
                         (("lookup", True), ("digit", "3"), ("played", True)),
                         (("lookup", True), ("digit", "5"))])


def event_of(call: Call, action: Action) -> ce.CourseEvent | None:
    kind, arg = action
    plays, lookups = of(cc.PlayMedia, call.out), of(ic.Lookup, call.out)
    if kind == "digit":
        return ce.DigitReceived(call_id=CALL, digit=arg)
    if kind == "played":
        return ce.PlaybackEnded(call_id=CALL, playback_id=plays[-1].playback_id
                                if arg and plays else "old")
    if kind == "lookup":
        return ce.LookupAnswered(request_id=lookups[-1].request_id if arg and lookups
                                 else "old", data={"name": "Bo"} if arg else None)
    simple: dict[str, Any] = {
        "recorded": lambda: ce.RecordingEnded(call_id=CALL, name="r", duration=1.0, cause=arg),
        "connected": lambda: ce.AgentConnected(agent=arg),
        "overflow": lambda: ce.Overflowed(kind=arg, target="box"),
        "hang_up": lambda: ce.HangUpAsked(reason=arg),
        "requeued": lambda: ce.Requeued(queue=arg),
        "decided": lambda: ce.CallbackDecided(refused=arg),
        "ended": lambda: ce.CallEnded(talking=arg),
    }
    return simple[kind]() if kind in simple else None


def step(call: Call, action: Action) -> None:
    """One event (or some time), and what must hold after it."""
    was_ended = call.core.state is CallState.ENDED
    event = event_of(call, action)
    out = call.wait(action[1]) if event is None else call.send(event)
    if was_ended:
        assert out == [], f"{out} after the end"
    for command in out:
        assert getattr(command, "call_id", CALL) == CALL
    ends = len(call.published("call.ended"))
    assert ends == (1 if call.core.state is CallState.ENDED else 0)
    deadline = call.core.next_deadline()
    assert deadline is None or deadline > call.now, "a deadline in the past"
    if call.core.state in (CallState.ENDING, CallState.VOICEMAIL):
        assert deadline is not None, "a line nobody drives"


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(STARTS, st.booleans(), PATHS, st.lists(ACTIONS, max_size=40))
def test_any_events_in_any_order_end_the_call_exactly_once(
        start: ce.CourseEvent, acd: bool, path: tuple[Action, ...],
        actions: list[Action]) -> None:
    call = Call(acd=acd)
    call.send(start)
    for action in [*path, *actions]:
        step(call, action)
    step(call, ("ended", False))  # the caller hangs up at last
    for _ in range(3):  # anything still waiting (the gate's word) runs out
        deadline = call.core.next_deadline()
        if deadline is not None:
            step(call, ("wait", deadline - call.now + 0.001))
    outcome = call.ended()["outcome"]
    assert outcome in {*OUTCOME_ON_HANGUP.values(), "completed", "completed_in_ivr",
                       "callback_requested", "callback_refused", "voicemail_failed"}
    assert call.core.next_deadline() is None
