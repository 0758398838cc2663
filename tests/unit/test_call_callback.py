"""The callbacks core on its own, on a fake clock: each source's word from the call gate
(refused at once, deferred to the window's opening then resumed, cleared), each turn
cleared, deferred again or refused, a callback withdrawn with nobody to dial, the
customer answering, busy, not answering or hanging up first, the agent hanging up while
the customer rings, a promise read back after a restart; and, under any order of news
(hypothesis), that a callback is dialed at most once and never before the gate cleared
its turn, that every promise ends exactly once, and that no customer's leg is left up
once the agent's side is gone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.acd import events as ae
from contactcenter.calls import Cleared, Deferred, Refused
from contactcenter.calls.callback import (
    Attempt,
    Callbacks,
    CallbackState,
    CallbackUsageError,
    promised,
)
from contactcenter.calls.callback import commands as bc
from contactcenter.calls.callback import events as be
from contactcenter.calls.callback.states import FINAL
from contactcenter.telephony import commands as dc
from tests.cores import of, one

T0 = 1_000.0
NUMBER = "+15550100"


def told(out: Sequence[object]) -> list[ae.AcdEvent]:
    return [c.event for c in of(bc.TellAcd, out)]


def published(out: Sequence[object]) -> list[tuple[str, dict[str, object]]]:
    return [(c.type, dict(c.data)) for c in of(bc.Publish, out)]


def request(core: Callbacks, call: str = "c1", *, source: Any = "callback_ivr",
            gated: bool = True, number: str = NUMBER,
            since: float = T0) -> list[bc.CallbackCommand]:
    return core.handle(be.Requested(call_id=call, queue="support", number=number,
                                    priority=1, skill=None, variables={"k": "v"},
                                    since=since, source=source, gated=gated), T0)


def overflow(core: Callbacks, call: str = "c1", *, gated: bool = True,
             number: str = NUMBER) -> list[bc.CallbackCommand]:
    return core.handle(be.Overflowed(call_id=call, number=number, queue="support",
                                     priority=2, since=T0 - 60, gated=gated), T0)


def gate_says(core: Callbacks, decision: Any, call: str = "c1") -> list[bc.CallbackCommand]:
    return core.handle(be.GateAnswered(call_id=call, decision=decision), T0)


def turn(core: Callbacks, call: str = "c1", *, waiting: bool = False, dial_out: bool = True,
         now: float = T0 + 10) -> list[bc.CallbackCommand]:
    return core.handle(be.TurnCame(call_id=call, agent="a1", ring_timeout=15,
                                   queue="support", caller_waiting=waiting,
                                   dial_out=dial_out), now)


def check(core: Callbacks, decision: Any, call: str = "c1",
          now: float = T0 + 10) -> list[bc.CallbackCommand]:
    return core.handle(be.TurnChecked(call_id=call, decision=decision), now)


def cleared(call: str = "c1", earliest: float | None = None) -> Cleared:
    return Cleared(placement_id=call, earliest=earliest)


def refused(call: str = "c1") -> Refused:
    return Refused(placement_id=call, rule="do_not_call", reason="on the list")


def deferred(call: str = "c1") -> Deferred:
    return Deferred(placement_id=call, until=T0 + 3600, reason="night")


def waiting_in_line(core: Callbacks, call: str = "c1") -> None:
    request(core, call)
    gate_says(core, cleared(call), call)


def dialing(core: Callbacks, call: str = "c1") -> list[bc.CallbackCommand]:
    """The callback's turn cleared, the agent answered: the customer rings."""
    waiting_in_line(core, call)
    turn(core, call)
    check(core, cleared(call), call)
    out = core.handle(be.AgentAssigned(call_id=call), T0 + 12)
    return out + core.handle(be.AgentConnected(call_id=call, agent="a1", leg_id="a1-leg",
                                               bridge=f"bridge-{call}"), T0 + 12)


def talking(core: Callbacks, call: str = "c1") -> list[bc.CallbackCommand]:
    dialing(core, call)
    return core.handle(be.CustomerAnswered(call_id=call, leg_id=f"{call}-customer"), T0 + 20)


# -- the gate's first word, per source ------------------------------------------------------


@pytest.mark.parametrize("source", ["callback_ivr", "callback_help", "callback_restored"])
def test_a_promise_asks_the_gate_first_and_waits_out_of_line(source: str) -> None:
    core = Callbacks()
    out = request(core, source=source)
    assert out == [bc.AskGate(call_id="c1", source=source, number=NUMBER)]  # type: ignore
    assert core.state("c1") is CallbackState.CHECKING


@pytest.mark.parametrize("source", ["callback_ivr", "callback_help", "callback_restored"])
def test_a_refused_promise_is_told_at_once_and_leaves_no_caller(source: str) -> None:
    core = Callbacks()
    request(core, source=source)
    out = gate_says(core, refused())
    assert out == [bc.LeaveLine(call_id="c1")]  # (the ACD has it only after an overflow)
    assert core.state("c1") is CallbackState.REFUSED
    assert gate_says(core, cleared()) == []  # a late word changes nothing
    assert turn(core)[1:] == [bc.Withdraw(call_id="c1")]  # nor does a stray turn ring


@pytest.mark.parametrize("source", ["callback_ivr", "callback_help", "callback_restored"])
def test_a_promise_cleared_for_later_waits_for_the_windows_opening(source: str) -> None:
    core = Callbacks()
    request(core, source=source, since=T0 - 5)
    assert gate_says(core, cleared(earliest=T0 + 3600)) == []
    assert core.state("c1") is CallbackState.DEFERRED
    out = core.handle(be.Resumed(call_id="c1"), T0 + 3600)
    event = one(ae.CallbackRequested, told(out))
    assert (event.queue, event.number, event.priority, event.since) == \
        ("support", NUMBER, 1, T0 - 5)  # its place kept
    assert core.state("c1") is CallbackState.WAITING


def test_a_promise_cleared_now_goes_in_line() -> None:
    core = Callbacks()
    request(core)
    assert isinstance(one(ae.CallbackRequested, told(gate_says(core, cleared()))),
                      ae.CallbackRequested)
    assert core.state("c1") is CallbackState.WAITING


def test_an_overflow_waits_in_line_while_the_gate_looks() -> None:
    core = Callbacks()
    assert overflow(core) == [bc.AskGate(call_id="c1", source="callback_overflow",
                                         number=NUMBER)]
    assert gate_says(core, cleared()) == []  # in line already
    assert core.state("c1") is CallbackState.WAITING


def test_an_overflow_cleared_for_later_is_set_aside_then_back() -> None:
    core = Callbacks()
    overflow(core)
    out = gate_says(core, cleared(earliest=T0 + 60))
    assert told(out) == [ae.CallbackDeferred(call_id="c1")]  # type: ignore[arg-type]
    out = core.handle(be.Resumed(call_id="c1"), T0 + 60)
    assert one(ae.CallbackRequested, told(out)).since == T0 - 60


def test_an_overflow_refused_leaves_the_line() -> None:
    core = Callbacks()
    overflow(core)
    assert gate_says(core, refused()) == [bc.LeaveLine(call_id="c1")]
    assert gate_says(core, None, "c2") == []  # nothing asked about c2


def test_a_gate_that_never_answers_refuses() -> None:
    core = Callbacks()
    request(core)
    assert gate_says(core, None) == [bc.LeaveLine(call_id="c1")]
    assert core.state("c1") is CallbackState.REFUSED


def test_without_a_gate_a_promise_goes_in_line_at_once() -> None:
    core = Callbacks()
    assert of(bc.AskGate, request(core, gated=False)) == []
    assert core.state("c1") is CallbackState.WAITING
    out = turn(core)
    assert [type(c) for c in out] == [bc.StartAttempt, bc.Ring]


# -- its turns -------------------------------------------------------------------------------


def test_a_turn_is_checked_before_any_phone_rings() -> None:
    core = Callbacks()
    waiting_in_line(core)
    assert turn(core) == [bc.CheckTurn(call_id="c1")]
    out = check(core, cleared())
    assert out == [bc.StartAttempt(call_id="c1", number=NUMBER),
                   bc.Ring(call_id="c1", agent="a1", ring_timeout=15)]
    assert core.state("c1") is CallbackState.OFFERED
    assert core.owns_leg("c1-customer")


def test_a_turn_at_night_is_set_aside_until_resumed_then_rings() -> None:
    core = Callbacks()
    waiting_in_line(core)
    turn(core)
    assert check(core, deferred()) == [bc.SetAside(call_id="c1")]
    assert core.state("c1") is CallbackState.DEFERRED
    assert isinstance(one(ae.CallbackRequested, told(core.handle(
        be.Resumed(call_id="c1"), T0 + 3600))), ae.CallbackRequested)
    assert turn(core, now=T0 + 3601) == [bc.CheckTurn(call_id="c1")]
    assert of(bc.Ring, check(core, cleared(), now=T0 + 3601))


def test_a_turn_refused_withdraws_the_promise() -> None:
    core = Callbacks()
    waiting_in_line(core)
    turn(core)
    assert check(core, refused()) == [bc.Withdraw(call_id="c1")]
    assert core.state("c1") is CallbackState.REFUSED


def test_a_ring_let_pass_leaves_the_promise_for_its_next_turn_checked_again() -> None:
    core = Callbacks()
    waiting_in_line(core)
    turn(core)
    check(core, cleared())
    assert turn(core, waiting=True) == [bc.CheckTurn(call_id="c1")]
    # rung again, no second attempt, and no record: nobody was dialed
    assert check(core, cleared()) == [bc.Ring(call_id="c1", agent="a1", ring_timeout=15)]


def test_a_promise_taken_back_after_its_agent_was_chosen_never_dials_the_customer() -> None:
    """The gate's refusal comes after the turn was cleared and before the agent's phone
    answered (the ACD still took it to them): the agent who answers is let go and the
    customer is not dialed, unchecked, after all."""
    core = Callbacks()
    waiting_in_line(core)
    turn(core)
    check(core, cleared())
    core.handle(be.Dropped(call_id="c1"), T0 + 11)
    core.handle(be.AgentAssigned(call_id="c1"), T0 + 12)
    out = core.handle(be.AgentConnected(call_id="c1", agent="a1", leg_id="a1-leg",
                                        bridge="bridge-c1"), T0 + 13)
    assert not of(dc.DialCustomer, out)
    assert out == [bc.EndForAgent(call_id="c1")]
    assert core.handle(be.AgentConnected(call_id="c1", agent="a1", leg_id="a1-leg",
                                         bridge="bridge-c1"), T0 + 14) == []  # forgotten


@pytest.mark.parametrize(("dial_out", "number", "reason"), [
    (False, NUMBER, "no_outbound"), (True, "not a number", "not_dialable")])
def test_a_turn_with_nobody_to_dial_is_withdrawn(dial_out: bool, number: str,
                                                 reason: str) -> None:
    core = Callbacks()
    request(core, number=number)
    gate_says(core, cleared())
    turn(core, dial_out=dial_out)
    out = check(core, cleared())
    assert published(out) == [("callback.withdrawn", {
        "call_id": "c1", "agent": "a1", "number": number, "reason": reason,
        "time": T0 + 10})]
    assert out[1:] == [bc.Withdraw(call_id="c1"), bc.GateFinished(call_id="c1", dialed=False)]
    assert core.state("c1") is CallbackState.WITHDRAWN


def test_any_other_call_rings_if_its_caller_waits_and_is_withdrawn_if_not() -> None:
    core = Callbacks()
    assert turn(core, "x", waiting=True) == [bc.Ring(call_id="x", agent="a1",
                                                     ring_timeout=15)]
    out = turn(core, "y", dial_out=False)
    assert published(out)[0][1]["number"] is None and out[-1] == bc.Withdraw(call_id="y")


def test_a_promise_forgotten_tells_the_gate_and_ends() -> None:
    core = Callbacks()
    waiting_in_line(core)
    assert core.handle(be.Forgotten(call_id="c1"), T0) == [
        bc.GateFinished(call_id="c1", dialed=False)]
    assert core.state("c1") is CallbackState.CANCELLED
    assert core.handle(be.Dropped(call_id="c1"), T0) == []  # ended once


# -- the attempt -----------------------------------------------------------------------------


def test_the_agent_first_then_the_customer_dialed_with_ringback_on_its_own_record() -> None:
    core = Callbacks()
    out = dialing(core)
    assert out[0] == bc.GateFinished(call_id="c1", dialed=True)
    assert core.state("c1") is CallbackState.CONNECTED
    assert published(out) == [("call.dialed", {
        "agent": "a1", "caller": NUMBER, "dialed": NUMBER, "direction": "outbound",
        "queue": "support", "origin": "c1", "call_id": "c1-callback", "time": T0 + 12})]
    assert one(dc.PlayMedia, out).media == ("tone:ring",)
    dial = one(dc.DialCustomer, out)
    assert (dial.leg_id, dial.number, dial.timeout) == ("c1-customer", NUMBER, 30)
    assert core.record_of("c1") == "c1-callback"


def test_the_customer_answers_both_are_bridged_and_call_control_takes_the_call() -> None:
    core = Callbacks()
    out = talking(core)
    assert one(dc.StopMedia, out).playback_id == "a1-leg:ringback"
    assert one(dc.AddToBridge, out).channels == ("a1-leg", "c1-customer")
    assert [kind for kind, _ in published(out)] == ["callback.connected", "call.answered"]
    assert published(out)[1][1]["wait"] == 10.0  # from the turn that began the attempt
    assert one(bc.ControlCall, out) == bc.ControlCall(
        call_id="c1", caller=NUMBER, agent="a1", agent_leg="a1-leg", bridge="bridge-c1",
        caller_leg="c1-customer", record="c1-callback")
    out = core.handle(be.AttemptOver(call_id="c1", cause=""), T0 + 90)
    assert published(out)[0][1]["outcome"] == "answered"
    assert core.handle(be.Wrapped(call_id="c1", handed_over=True), T0) == []
    assert core.record_of("c1") == "c1-callback"  # the next agent's news goes there too
    core.handle(be.Wrapped(call_id="c1", handed_over=False), T0)
    assert core.record_of("c1") is None


@pytest.mark.parametrize(("cause", "outcome"), [
    ("User busy", "callback_busy"), ("No answer", "callback_no_answer"),
    ("Unallocated number", "callback_failed")])
def test_a_customer_who_does_not_answer_ends_the_agents_side(cause: str, outcome: str) -> None:
    core = Callbacks()
    dialing(core)
    out = core.handle(be.CustomerLegEnded(leg_id="c1-customer", cause=cause), T0 + 40)
    assert out[0] == bc.EndForAgent(call_id="c1")
    assert published(out)[0][1]["outcome"] == outcome
    assert not core.owns_leg("c1-customer")


def test_a_customer_who_hangs_up_first_ends_the_call_answered() -> None:
    core = Callbacks()
    talking(core)
    out = core.handle(be.CustomerLegEnded(leg_id="c1-customer", cause="normal"), T0 + 60)
    assert out[0] == bc.EndForAgent(call_id="c1")
    assert published(out)[0][1]["outcome"] == "answered"


def test_an_agent_who_hangs_up_while_the_customer_rings_hangs_the_customer_up() -> None:
    core = Callbacks()
    dialing(core)
    out = core.handle(be.AgentLeft(call_id="c1", reason="normal"), T0 + 15)
    assert out[0] == dc.HangupCall(call_id="c1-customer", reason="normal")
    assert published(out)[0][1]["outcome"] == "callback_cancelled"
    # the customer answering late is hung up; their leg's end ends nothing twice
    assert core.handle(be.CustomerAnswered(call_id="c1", leg_id="c1-customer"), T0 + 16) \
        == [dc.HangupCall(call_id="c1-customer")]
    out = core.handle(be.CustomerLegEnded(leg_id="c1-customer", cause="normal"), T0 + 17)
    assert out == [bc.EndForAgent(call_id="c1")]


def test_an_answer_on_a_leg_nobody_dialed_is_hung_up() -> None:
    core = Callbacks()
    out = core.handle(be.CustomerAnswered(call_id="zz", leg_id="zz-customer"), T0)
    assert out == [dc.HangupCall(call_id="zz-customer")]
    assert core.handle(be.CustomerLegEnded(leg_id="zz-customer", cause=""), T0) == []


def test_a_ring_the_agent_lets_pass_is_no_attempt_on_record() -> None:
    core = Callbacks()
    waiting_in_line(core)
    turn(core)
    check(core, cleared())
    out = core.handle(be.AgentLeft(call_id="c1", reason="normal"), T0 + 20)
    assert published(out) == []  # no record began, none ends


def test_click_to_talks_attempt_opens_its_record_once_at_the_click() -> None:
    attempt = Attempt(call_id="o1", record_id="o1", number=NUMBER, queue=None,
                      started=T0, outcome_prefix="click_", agent="a1")
    out = attempt.handle(be.AttemptBegun(call_id="o1"), T0)
    assert published(out)[0][1] == {"agent": "a1", "caller": NUMBER, "dialed": NUMBER,
                                    "direction": "outbound", "queue": None,
                                    "call_id": "o1", "time": T0}
    assert attempt.handle(be.AttemptBegun(call_id="o1"), T0) == []
    assert attempt.handle(be.CustomerAnswered(call_id="o1", leg_id="o1-customer"), T0) == \
        [dc.HangupCall(call_id="o1-customer")]  # before the agent answered
    out = attempt.handle(be.AttemptOver(call_id="o1", cause="User busy"), T0 + 5)
    assert published(out)[0][1]["outcome"] == "click_busy"


def test_an_event_the_core_does_not_know_is_the_engines_misuse() -> None:
    core = Callbacks()
    with pytest.raises(CallbackUsageError):
        core.handle(object(), T0)  # type: ignore[arg-type]
    waiting_in_line(core)
    with pytest.raises(CallbackUsageError):
        check(core, cleared())  # no turn asked


# -- a restart -------------------------------------------------------------------------------


def test_a_restart_reads_back_what_was_promised_and_not_undone() -> None:
    asked = {"type": "callback.requested", "queue": "support", "number": NUMBER,
             "time": T0}
    left = {"type": "call.overflowed", "kind": "callback", "queue": "sales",
            "target": "+15550111", "time": T0 + 1}
    assert promised([asked]) == ("support", NUMBER, T0)
    assert promised([asked, left]) == ("sales", "+15550111", T0 + 1)
    for undone in ("callback.withdrawn", "callback.refused", "call.abandoned"):
        assert promised([asked, {"type": undone, "time": T0 + 2}]) is None
    core = Callbacks()
    out = request(core, source="callback_restored", since=T0 - 600)
    assert out == [bc.AskGate(call_id="c1", source="callback_restored", number=NUMBER)]
    assert one(ae.CallbackRequested, told(gate_says(core, cleared()))).since == T0 - 600


# -- invariants under any order of news ------------------------------------------------------


@dataclass
class Model:
    """What the engine around the core would see, and the checks on it."""

    core: Callbacks = field(default_factory=Callbacks)
    now: float = T0
    gated: dict[str, bool] = field(default_factory=dict)
    asked: set[str] = field(default_factory=set)  #: the gate's first answer due
    deferred: set[str] = field(default_factory=set)  #: the gate owes a Resume
    in_line: set[str] = field(default_factory=set)
    checking: set[str] = field(default_factory=set)  #: CheckTurn asked
    cleared: set[str] = field(default_factory=set)  #: the current turn was cleared
    ringing: set[str] = field(default_factory=set)  #: an agent is rung (the turn's)
    waiting: set[str] = field(default_factory=set)  #: the offers have a caller for it
    dialed: dict[str, int] = field(default_factory=dict)
    customer_up: set[str] = field(default_factory=set)
    ended: dict[str, CallbackState] = field(default_factory=dict)

    def feed(self, event: be.CallbackEvent) -> None:
        self.now += 1
        for command in self.core.handle(event, self.now):
            self._saw(command)
        for call_id in self.gated:  # every promise ends exactly once
            state = self.core.state(call_id)
            if call_id in self.ended:
                assert state is self.ended[call_id], (call_id, state)
            elif state in FINAL:
                assert state is not None
                self.ended[call_id] = state

    def _saw(self, command: bc.CallbackCommand) -> None:
        match command:
            case bc.AskGate(call_id=call_id):
                self.asked.add(call_id)
            case bc.CheckTurn(call_id=call_id):
                self.checking.add(call_id)
            case bc.TellAcd(event=ae.CallbackRequested(call_id=call_id)):
                self.in_line.add(call_id)
            case bc.TellAcd(event=ae.CallbackDeferred(call_id=call_id)) \
                    | bc.SetAside(call_id=call_id) | bc.Withdraw(call_id=call_id) \
                    | bc.LeaveLine(call_id=call_id):
                self.in_line.discard(call_id)
                self.ringing.discard(call_id)  # (the ACD cancels its offer)
            case bc.StartAttempt(call_id=call_id):
                self.waiting.add(call_id)
            case bc.Ring(call_id=call_id):
                assert not self.gated.get(call_id) or call_id in self.cleared, call_id
                self.ringing.add(call_id)
            case dc.DialCustomer(call_id=call_id):
                assert not self.gated.get(call_id) or call_id in self.cleared, call_id
                self.dialed[call_id] = self.dialed.get(call_id, 0) + 1
                assert self.dialed[call_id] == 1, call_id  # at most once
                self.customer_up.add(call_id)
            case dc.HangupCall(call_id=leg):
                self.customer_up.discard(leg.removesuffix("-customer"))

    def turn_checked(self, call_id: str, decision: Any) -> None:
        self.checking.discard(call_id)
        if isinstance(decision, Cleared):
            self.cleared.add(call_id)
        elif isinstance(decision, Deferred):
            self.deferred.add(call_id)
        self.feed(be.TurnChecked(call_id=call_id, decision=decision))


CALLS = ("c1", "c2", "c3")


def next_news(model: Model, call_id: str) -> str:
    """What would naturally come next for the call (random news alone rarely gets far)."""
    for kind, due in (("ask", call_id not in model.gated), ("answer", call_id in model.asked),
                      ("resume", call_id in model.deferred), ("connect", call_id in model.ringing),
                      ("turn", call_id in model.in_line)):
        if due:
            return kind
    return "customer_answers" if call_id in model.customer_up else "customer_gone"


def asked(model: Model, call_id: str, choice: int) -> None:
    """A promise made, gated or not: asked for, or left by an overflow (in line)."""
    if call_id in model.gated:
        return
    gated = model.gated[call_id] = choice % 3 != 0
    if choice % 2:
        model.in_line.add(call_id)
        model.feed(be.Overflowed(call_id=call_id, number=NUMBER, queue="q", since=T0,
                                 gated=gated))
    else:
        model.feed(be.Requested(call_id=call_id, queue="q", number=NUMBER, priority=0,
                                skill=None, since=T0, source="callback_help", gated=gated))


def gate_answered(model: Model, call_id: str, choice: int) -> None:
    if call_id not in model.asked:
        return
    model.asked.discard(call_id)
    decision = [cleared(call_id), cleared(call_id), cleared(call_id, T0 + 99),
                refused(call_id), None][choice % 5]
    if isinstance(decision, Cleared) and decision.earliest is not None:
        model.deferred.add(call_id)
    model.feed(be.GateAnswered(call_id=call_id, decision=decision))


def resumed(model: Model, call_id: str, choice: int) -> None:
    if call_id in model.deferred:
        model.deferred.discard(call_id)
        model.feed(be.Resumed(call_id=call_id))


def dropped(model: Model, call_id: str, choice: int) -> None:
    if call_id in model.gated:
        model.feed(be.Dropped(call_id=call_id))


def turn_came(model: Model, call_id: str, choice: int) -> None:
    """The ACD offers a call in line; the gate answers at once if asked."""
    if call_id not in model.in_line or call_id in model.ringing:
        return
    model.cleared.discard(call_id)
    model.feed(be.TurnCame(call_id=call_id, agent="a1", ring_timeout=15, queue="q",
                           caller_waiting=call_id in model.waiting, dial_out=choice % 5 != 0))
    if call_id in model.checking:
        model.turn_checked(call_id, [cleared(call_id), cleared(call_id), deferred(call_id),
                                     refused(call_id)][choice % 4])


def rang_out(model: Model, call_id: str, choice: int) -> None:
    model.ringing.discard(call_id)


def connected(model: Model, call_id: str, choice: int) -> None:
    if call_id not in model.ringing:
        return
    model.ringing.discard(call_id)
    model.in_line.discard(call_id)
    model.feed(be.AgentAssigned(call_id=call_id))
    model.feed(be.AgentConnected(call_id=call_id, agent="a1", leg_id=f"{call_id}-a1",
                                 bridge="b"))


def customer_answered(model: Model, call_id: str, choice: int) -> None:
    model.feed(be.CustomerAnswered(call_id=call_id, leg_id=f"{call_id}-customer"))


def customer_gone(model: Model, call_id: str, choice: int) -> None:
    if model.core.owns_leg(f"{call_id}-customer"):
        model.customer_up.discard(call_id)
        model.feed(be.CustomerLegEnded(leg_id=f"{call_id}-customer",
                                       cause=["normal", "User busy", ""][choice % 3]))


def agent_gone(model: Model, call_id: str, choice: int) -> None:
    model.feed(be.AgentLeft(call_id=call_id, reason="normal"))
    assert call_id not in model.customer_up  # no customer left without their agent


def attempt_over(model: Model, call_id: str, choice: int) -> None:
    model.feed(be.AttemptOver(call_id=call_id, cause=""))


NEWS = {"ask": asked, "answer": gate_answered, "resume": resumed, "drop": dropped,
        "turn": turn_came, "ring_out": rang_out, "connect": connected,
        "customer_answers": customer_answered, "customer_gone": customer_gone,
        "agent_gone": agent_gone, "over": attempt_over}


def act(model: Model, action: tuple[Any, ...]) -> None:
    kind, call_id, choice = action
    NEWS[next_news(model, call_id) if kind == "step" else kind](model, call_id, choice)


def settle(model: Model, call_id: str) -> None:
    """Let everything come that may still come: the promise must end."""
    if call_id in model.asked:
        model.asked.discard(call_id)
        model.feed(be.GateAnswered(call_id=call_id, decision=cleared(call_id)))
    if call_id in model.deferred or model.core.state(call_id) is CallbackState.DEFERRED:
        model.deferred.discard(call_id)
        model.feed(be.Resumed(call_id=call_id))
    if model.core.state(call_id) not in FINAL and call_id not in model.ringing:
        model.in_line.add(call_id)
        act(model, ("turn", call_id, 1))  # cleared, with someone to dial
    if call_id in model.ringing:
        act(model, ("connect", call_id, 0))
    assert model.core.state(call_id) in FINAL, (call_id, model.core.state(call_id))


ACTIONS = st.tuples(
    st.sampled_from(["step"] * 16 + [
        "ask", "answer", "resume", "drop", "turn", "ring_out", "connect",
        "customer_answers", "customer_gone", "agent_gone", "over"]),
    st.sampled_from(CALLS), st.integers(min_value=0, max_value=29))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTIONS, max_size=80))
def test_random_news_keep_the_promises(actions: list[tuple[Any, ...]]) -> None:
    model = Model()
    for action in actions:
        act(model, action)
    for call_id in model.gated:
        settle(model, call_id)
    assert set(model.ended) == set(model.gated)


def test_the_attempt_names_the_company_number_the_customer_called() -> None:
    """So that a callback goes out on that number's engine (Twilio or Asterisk) however
    long ago it was promised; a promise with no such number (the web's) names none."""
    core = Callbacks()
    core.handle(be.Requested(call_id="c1", queue="support", number=NUMBER, priority=1,
                             skill=None, variables={"dialed": "+15550005000"}, since=T0,
                             source="callback_ivr", gated=False), T0)
    assert of(bc.StartAttempt, turn(core)) == [
        bc.StartAttempt(call_id="c1", number=NUMBER, via="+15550005000")]
    request(core, "c2", gated=False)
    assert of(bc.StartAttempt, turn(core, "c2"))[0].via == ""
