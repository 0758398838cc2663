"""The IVR session on small flows: inputs, timers, templates, the menu stack, disorder."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from contactcenter.ivr import (
    Answer,
    CallStarted,
    DigitPressed,
    Exit,
    ExitKind,
    Flow,
    IvrSession,
    IvrUsageError,
    Lookup,
    LookupAnswered,
    PromptEnded,
    State,
    StopPlay,
    parse_flow,
)
from contactcenter.ivr.harness import CallHarness

BYE = {"type": "hangup"}


def flow(nodes: dict[str, Any], start: str = "ask", **top: Any) -> Flow:
    return parse_flow({"start": start, "nodes": {"bye": BYE, **nodes}, **top}, name="t")


def menu(**fields: Any) -> dict[str, Any]:
    return {"type": "menu", "prompt": "hello", "options": {"1": "bye"}, "fallback": "bye", **fields}


def pin(**fields: Any) -> dict[str, Any]:
    base = {"type": "input", "prompt": "beep", "variable": "pin", "min_digits": 2}
    return {**base, "max_digits": 4, "timeout": 5, "next": "bye", "fallback": "bye", **fields}


def started(f: Flow, caller: str = "5551234") -> CallHarness:
    call = CallHarness(f, call_id="x")
    call.start(caller=caller)
    return call


def test_our_misuse_raises() -> None:
    session = IvrSession(flow({"ask": menu()}), call_id="x")
    with pytest.raises(IvrUsageError):
        session.handle(Answer(), 0.0)  # type: ignore[arg-type]
    broken = Flow(name="b", start="nowhere", nodes={}, variables={})
    with pytest.raises(IvrUsageError):
        IvrSession(broken, call_id="x")


def test_events_before_the_call_starts_are_ignored() -> None:
    session = IvrSession(flow({"ask": menu()}), call_id="x")
    assert session.handle(DigitPressed(digit="1"), 0.0) == []
    assert session.handle(PromptEnded(playback_id="x:1"), 0.0) == []
    assert session.handle(LookupAnswered(request_id="x:1"), 0.0) == []
    assert session.handle_timer(100.0) == []
    assert session.state is State.IDLE and session.ignored == 3


def test_a_duplicate_call_started_is_ignored() -> None:
    call = started(flow({"ask": menu()}))
    assert call.start() == []
    assert call.session.path == ["ask"]


def test_answer_comes_first_and_variables_know_the_call() -> None:
    call = CallHarness(flow({"ask": menu()}), call_id="x")
    out = call.start(caller="5551234", dialed="5000")
    assert out[0] == Answer()
    assert call.session.variables == {"caller": "5551234", "dialed": "5000"}


def test_input_ends_at_max_digits() -> None:
    call = started(flow({"ask": pin()}))
    call.press("1234")
    assert call.session.variables["pin"] == "1234"
    assert call.reports("ivr.digits")[-1].data == {
        "node": "ask",
        "digits": "1234",
        "variable": "pin",
    }


def test_input_too_short_is_invalid_and_asks_again() -> None:
    call = started(flow({"ask": pin(invalid_prompt="pbx-invalid")}))
    call.press("1#")
    assert call.reports("ivr.invalid")[-1].data == {"node": "ask", "digits": "1", "attempt": 1}
    assert call.plays()[-1].media == ("sound:pbx-invalid", "sound:beep")
    call.press("#")  # the terminator alone: nothing entered
    assert call.reports("ivr.invalid")[-1].data == {"node": "ask", "digits": "", "attempt": 2}
    call.press("42#")
    assert call.session.variables["pin"] == "42"


def test_a_pause_ends_the_input() -> None:
    call = started(flow({"ask": pin(digit_timeout=2)}))
    call.end_prompt()
    call.press("12")
    assert call.session.next_deadline() == call.now + 2  # digit_timeout after a key
    call.advance(2)
    assert call.session.variables["pin"] == "12"


def test_a_pause_too_early_is_invalid() -> None:
    call = started(flow({"ask": pin(max_retries=0, fallback="fallback"), "fallback": BYE}))
    call.end_prompt()
    call.press("1")
    assert call.session.next_deadline() == call.now + 5  # digit_timeout defaults to timeout
    call.advance(5)
    assert call.reports("ivr.invalid")[-1].data["digits"] == "1"
    assert call.session.exit is not None
    assert call.session.exit.reason == "retries_exhausted"


def test_no_terminator() -> None:
    call = started(flow({"ask": pin(terminator=None, max_digits=6)}))
    call.press("12#")  # '#' is just a key here
    call.advance(5)
    assert call.session.variables["pin"] == "12#"


def test_a_key_during_the_input_prompt_stops_it_and_is_kept() -> None:
    call = started(flow({"ask": pin()}))
    playing = call.playing
    out = call.press("9")
    assert out == [StopPlay(playback_id=playing or "")]
    assert call.session.state is State.INPUT_WAIT
    call.press("9#")
    assert call.session.variables["pin"] == "99"


def test_no_retries_falls_back_at_once() -> None:
    call = started(flow({"ask": menu(max_retries=0, fallback="other"), "other": BYE}))
    call.press("5")
    assert call.session.path == ["ask", "other"]
    assert len(call.plays()) == 1


def test_a_letter_key_is_invalid_and_garbage_is_ignored() -> None:
    call = started(flow({"ask": menu()}))
    call.end_prompt()
    call.press("A")
    assert call.reports("ivr.invalid")[-1].data["digits"] == "A"
    ignored = call.session.ignored
    assert call.send(DigitPressed(digit="x")) == []
    assert call.send(DigitPressed(digit="12")) == []
    assert call.session.ignored == ignored + 2


def test_a_lost_prompt_end_does_not_strand_the_caller() -> None:
    call = started(flow({"ask": menu(timeout=3)}, max_prompt_seconds=60))
    playing = call.playing
    assert call.session.next_deadline() == 60
    call.advance(60)
    assert call.session.state is State.MENU_WAIT
    assert call.send(PromptEnded(playback_id=playing or "")) == []  # late: ignored
    call.advance(3)
    assert call.reports("ivr.timeout")


def test_a_timer_due_before_an_event_fires_first() -> None:
    call = started(flow({"ask": menu(timeout=5), "go": BYE}))
    call.end_prompt()
    deadline = call.session.next_deadline()
    assert deadline == 5
    # the engine was late: the key arrives at 6 s, after the timeout was due
    out = call.session.handle(DigitPressed(digit="1"), 6.0)
    kinds = [getattr(c, "kind", type(c).__name__) for c in out]
    assert kinds[0] == "ivr.timeout"
    assert "StopPlay" in kinds  # the key interrupts the replayed prompt
    assert isinstance(out[-1], Exit)


def test_early_and_stale_timer_calls_do_nothing() -> None:
    call = started(flow({"ask": menu(timeout=5)}))
    call.end_prompt()
    assert call.session.handle_timer(4.999) == []
    assert call.session.state is State.MENU_WAIT
    call.press("1")
    assert call.session.handle_timer(10.0) == []  # finished: no deadline


def test_templates_render_and_drop_empty_media() -> None:
    nodes = {
        "ask": {"type": "set", "variables": {"greeting": "hello-{who}"}, "next": "say"},
        "say": {
            "type": "play",
            "prompt": ["{greeting}", "digits:{missing}", "number:7"],
            "next": "bye",
        },
    }
    call = started(flow(nodes, variables={"who": "world"}))
    assert call.plays()[-1].media == ("sound:hello-world", "number:7")
    assert call.plays()[-1].language is None


def test_a_prompt_that_renders_empty_is_skipped() -> None:
    nodes = {"ask": {"type": "play", "prompt": "digits:{nothing}", "next": "bye"}}
    call = started(flow(nodes))
    assert call.session.finished and call.plays() == []


def test_language_goes_with_every_play() -> None:
    nodes = {"ask": {"type": "set", "variables": {"language": "fr"}, "next": "m"}, "m": menu()}
    call = started(flow(nodes))
    assert call.plays()[-1].language == "fr"


def test_back_walks_the_menu_stack() -> None:
    nodes = {
        "ask": menu(options={"1": "sub", "9": "back"}),
        "sub": menu(options={"1": "subsub", "*": "back"}),
        "subsub": menu(options={"1": "info", "*": "back", "0": "ask"}),
        "info": {"type": "play", "prompt": "hours", "next": "back"},
    }
    call = started(flow(nodes))
    call.press("111")
    call.end_prompt()  # info -> back: the menu it came from
    assert call.session.node == "subsub"
    call.press("*")
    assert call.session.node == "sub"
    call.press("*")
    assert call.session.node == "ask"
    call.press("9")  # back from the first menu replays it
    assert call.session.node == "ask"
    call.press("11")
    call.press("0")  # straight to the first menu: the stack shrinks to it
    call.press("9")
    assert call.session.path[-2:] == ["ask", "ask"]


def test_a_flow_that_loops_without_waiting_hangs_up() -> None:
    nodes = {"ask": {"type": "set", "variables": {"x": "1"}, "next": "back"}}
    call = started(flow(nodes))
    assert call.session.exit is not None
    assert (call.session.exit.kind, call.session.exit.reason) == (ExitKind.HANGUP, "flow_loop")
    assert isinstance(call.commands[-1], Exit)


def test_branch() -> None:
    nodes = {
        "ask": {"type": "branch", "variable": "tier", "cases": {"gold": "g"}, "default": "bye"},
        "g": {"type": "queue", "queue": "gold", "reason": "gold_customer"},
    }
    gold = CallHarness(flow(nodes, variables={"tier": "gold"}))
    gold.start()
    assert gold.session.exit == Exit(
        kind=ExitKind.QUEUE,
        target="gold",
        variables={"tier": "gold", "caller": "5551234", "dialed": "5000"},
        reason="gold_customer",
    )
    other = started(flow(nodes))
    assert other.session.exit is not None and other.session.exit.reason == "bye"


def test_lookup_copies_mapped_fields() -> None:
    nodes = {
        "ask": {
            "type": "lookup",
            "kind": "account",
            "key": "{acct}",
            "fields": {"balance": "amount"},
            "found": "bye",
            "not_found": "bye",
        }
    }
    call = CallHarness(flow(nodes, variables={"acct": "77"}), call_id="x")
    call.start()
    assert call.lookup == Lookup(request_id="x:1", kind="account", key="77")
    assert call.send(LookupAnswered(request_id="x:9", data={"balance": "1"})) == []  # not ours
    call.answer({"balance": "12", "other": "z"})
    assert call.session.variables["amount"] == "12"
    assert "balance" not in call.session.variables


def test_an_anonymous_caller_is_not_looked_up() -> None:
    nodes = {
        "ask": {"type": "lookup", "kind": "caller", "found": "bye", "not_found": "nf"},
        "nf": BYE,
    }
    call = started(flow(nodes), caller="")
    assert not [c for c in call.commands if isinstance(c, Lookup)]
    assert call.session.path == ["ask", "nf"]


def test_a_lookup_timeout_then_a_late_answer() -> None:
    nodes = {
        "ask": {
            "type": "lookup",
            "kind": "caller",
            "timeout": 1,
            "fields": ["vip"],
            "found": "y",
            "not_found": "m",
        },
        "y": BYE,
        "m": menu(),
    }
    call = started(flow(nodes))
    assert call.lookup is not None
    late = LookupAnswered(request_id=call.lookup.request_id, data={"vip": "yes"})
    call.advance(1)
    assert call.session.node == "m"
    assert call.send(late) == []
    assert "vip" not in call.session.variables


def test_callback_for_an_anonymous_caller_has_no_number() -> None:
    call = started(flow({"ask": {"type": "callback"}}), caller="")
    assert call.session.exit is not None and call.session.exit.target is None


def test_transitions_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="contactcenter.ivr.session"):
        started(flow({"ask": menu()}))
    assert "x idle -[CallStarted]-> menu_prompt" in caplog.text


def test_nothing_after_the_end() -> None:
    call = started(flow({"ask": menu()}))
    call.press("1")
    assert call.session.finished
    for event in (
        CallStarted(caller="1", dialed="2"),
        DigitPressed(digit="1"),
        PromptEnded(playback_id="x:1"),
        LookupAnswered(request_id="x:1"),
    ):
        assert call.send(event) == []
    assert call.session.exit is not None and call.session.exit.kind is ExitKind.HANGUP
