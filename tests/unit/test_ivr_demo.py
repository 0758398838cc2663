"""The demo flow, config/ivr/main.yaml, walked path by path on a fake clock."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from contactcenter.ivr import (
    Exit,
    ExitKind,
    Flow,
    Lookup,
    LookupAnswered,
    Play,
    PromptEnded,
    Report,
    StopPlay,
    load_flow,
    parse_flow,
)
from contactcenter.ivr.harness import CallHarness

DEMO = Path(__file__).resolve().parents[2] / "config" / "ivr" / "main.yaml"
NEW_YORK = ZoneInfo("America/New_York")
#: Wednesday 2026-01-14, 10:00 in New York
WEDNESDAY_10AM = dt.datetime(2026, 1, 14, 10, 0, tzinfo=NEW_YORK).timestamp()
MAIN = ("sound:basic-pbx-ivr-main",)


@pytest.fixture(scope="module")
def flow() -> Flow:
    return load_flow(DEMO)


def office_hours_flow(**hours: object) -> Flow:
    """The demo flow with business hours changed, as the comment in the file shows."""
    data = copy.deepcopy(yaml.safe_load(DEMO.read_text()))
    data["nodes"]["business_hours"].update(hours)
    return parse_flow(data, name="main")


def arrive(flow: Flow, *, vip: bool = False, at: float = WEDNESDAY_10AM) -> CallHarness:
    """A known caller reaches the main menu; its prompt is playing."""
    call = CallHarness(flow, call_id="c1", now=at)
    call.start(caller="5551234")
    assert call.lookup == Lookup(request_id="c1:1", kind="caller", key="5551234")
    call.answer({"name": "Ann", "vip": "yes" if vip else "no", "segment": "gold"})
    assert call.session.node == "main_menu"
    assert call.plays()[-1].media == MAIN
    return call


def exit_of(call: CallHarness) -> Exit:
    assert call.session.finished
    exits = [c for c in call.commands if isinstance(c, Exit)]
    assert len(exits) == 1 and call.commands[-1] is exits[0]
    assert [r.data["kind"] for r in call.reports("ivr.exit")] == [exits[0].kind.value]
    return exits[0]


def test_answers_then_looks_up_the_caller(flow: Flow) -> None:
    call = CallHarness(flow, call_id="c1", now=WEDNESDAY_10AM)
    first = call.start()
    assert type(first[0]).__name__ == "Answer"
    assert call.reports("ivr.step")[0].data == {"node": "caller_lookup", "node_type": "lookup"}


def test_support(flow: Flow) -> None:
    call = arrive(flow)
    call.end_prompt()
    call.press("2")
    done = exit_of(call)
    assert (done.kind, done.target, done.reason) == (ExitKind.QUEUE, "support", "support")
    assert done.variables["skill"] == "support"
    assert done.variables["priority"] == "0"
    assert done.variables["name"] == "Ann"
    assert "segment" not in done.variables  # only the listed fields are copied
    assert call.reports("ivr.digits")[-1].data == {"node": "main_menu", "digits": "2"}
    assert call.session.path[-2:] == ["main_menu", "support"]


def test_vip_caller_gets_priority_10(flow: Flow) -> None:
    call = arrive(flow, vip=True)
    call.press("1")
    done = exit_of(call)
    assert (done.target, done.variables["skill"], done.variables["priority"]) == (
        "sales",
        "sales",
        "10",
    )
    assert "vip_priority" in call.session.path


def test_unknown_caller_still_reaches_the_menu(flow: Flow) -> None:
    call = CallHarness(flow, now=WEDNESDAY_10AM)
    call.start()
    call.answer(None)
    assert call.reports("ivr.lookup")[0].data["found"] is False
    assert call.session.node == "main_menu"


def test_slow_crm_does_not_strand_the_caller(flow: Flow) -> None:
    call = CallHarness(flow, call_id="c1", now=WEDNESDAY_10AM)
    call.start()
    assert call.advance(1.9) == []
    call.advance(0.1)  # the lookup's 2 s timeout
    assert call.reports("ivr.lookup")[0].data["timed_out"] is True
    assert call.session.node == "main_menu"
    # the answer comes after all: too late, and ignored
    assert call.send(LookupAnswered(request_id="c1:1", data={"vip": "yes"})) == []
    assert "vip" not in call.session.variables


def test_invalid_key_replays_the_menu_then_falls_back(flow: Flow) -> None:
    call = arrive(flow)
    for attempt in (1, 2, 3):
        call.end_prompt()
        call.press("7")
        assert call.reports("ivr.invalid")[-1].data == {
            "node": "main_menu",
            "digits": "7",
            "attempt": attempt,
        }
        assert call.plays()[-1].media == ("sound:pbx-invalid", *MAIN)
    call.end_prompt()
    call.press("8")  # the fourth failure: three retries are used up
    done = exit_of(call)
    assert (done.target, done.reason) == ("operator", "retries_exhausted")
    assert [p.media[-1] for p in call.plays()].count(MAIN[0]) == 4


def test_no_input_times_out_through_retries_to_the_fallback(flow: Flow) -> None:
    call = arrive(flow)
    for attempt in (1, 2, 3, 4):
        call.end_prompt()
        assert call.session.next_deadline() == pytest.approx(call.now + 5)
        assert call.advance(4.99) == []
        call.advance(0.01)
        assert call.reports("ivr.timeout")[-1].data == {"node": "main_menu", "attempt": attempt}
        if attempt < 4:
            assert call.plays()[-1].media == ("sound:please-try-again", *MAIN)
    done = exit_of(call)
    assert (done.target, done.reason) == ("operator", "retries_exhausted")


def test_account_balance_then_back_to_the_menu(flow: Flow) -> None:
    call = arrive(flow)
    call.end_prompt()
    call.press("3")
    assert call.session.node == "account_number"
    call.end_prompt()
    call.press("1234#")
    assert call.reports("ivr.digits")[-1].data == {
        "node": "account_number",
        "digits": "1234",
        "variable": "account",
    }
    assert call.lookup is not None and (call.lookup.kind, call.lookup.key) == ("account", "1234")
    call.answer({"balance": "42"})
    assert call.plays()[-1].media == (
        "sound:you-entered",
        "digits:1234",
        "sound:vm-youhave",
        "number:42",
    )
    call.end_prompt()
    assert call.session.node == "main_menu"  # "back"
    call.press("0")
    assert exit_of(call).target == "operator"
    assert call.session.variables["balance"] == "42"


def test_unknown_account_asks_again(flow: Flow) -> None:
    call = arrive(flow)
    call.press("3")
    call.press("999#")
    call.answer(None)
    assert call.reports("ivr.lookup")[-1].data == {
        "node": "account_lookup",
        "kind": "account",
        "key": "999",
        "found": False,
        "timed_out": False,
    }
    assert call.plays()[-1].media == ("sound:im-sorry", "sound:please-try-again")
    call.end_prompt()
    assert call.session.node == "account_number_again"
    call.press("1234#")
    call.answer({"balance": "7"})
    assert call.plays()[-1].media[-1] == "number:7"


def test_a_second_unknown_account_goes_to_the_operator(flow: Flow) -> None:
    call = arrive(flow)
    call.press("3")
    call.press("999#")
    call.answer(None)
    call.end_prompt()
    call.press("888#")
    call.answer(None)
    assert call.session.finished
    assert exit_of(call).target == "operator"
    lookups = [report.data["found"] for report in call.reports("ivr.lookup")]
    assert lookups[-2:] == [False, False]


def test_ten_digits_end_the_account_number_without_pound(flow: Flow) -> None:
    call = arrive(flow)
    call.press("3")
    call.press("0123456789")
    assert call.lookup is not None and call.lookup.key == "0123456789"


def test_out_of_hours_offers_voicemail(flow: Flow) -> None:
    weekdays = {day: "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    closed = office_hours_flow(weekly=weekdays)
    saturday = dt.datetime(2026, 1, 17, 11, 0, tzinfo=NEW_YORK).timestamp()
    call = CallHarness(closed, now=saturday)
    call.start()
    call.answer(None)
    assert call.reports("ivr.hours")[-1].data == {"node": "business_hours", "open": False}
    assert call.session.node == "closed_message"
    call.end_prompt()
    call.press("1")
    done = exit_of(call)
    assert (done.kind, done.target) == (ExitKind.VOICEMAIL, "main")


def test_out_of_hours_without_a_choice_says_goodbye(flow: Flow) -> None:
    closed = office_hours_flow(weekly={"mon": "08:00-18:00"})
    call = CallHarness(closed, now=WEDNESDAY_10AM)
    call.start()
    call.answer(None)
    call.end_prompt()  # closed message
    call.end_prompt()  # closed menu
    call.advance(5)  # one retry
    call.end_prompt()
    call.advance(5)
    assert call.session.node == "goodbye" and not call.session.finished
    assert call.plays()[-1].media == ("sound:vm-goodbye",)
    call.end_prompt()
    done = exit_of(call)
    assert (done.kind, done.target, done.reason) == (ExitKind.HANGUP, None, "retries_exhausted")


def test_holiday_is_closed(flow: Flow) -> None:
    closed = office_hours_flow(holidays=["01-14"])
    call = CallHarness(closed, now=WEDNESDAY_10AM)
    call.start()
    call.answer(None)
    assert call.session.node == "closed_message"


def test_sub_menu_and_back(flow: Flow) -> None:
    call = arrive(flow)
    call.press("9")
    assert call.session.node == "more_options"
    call.press("*")
    assert call.session.node == "main_menu"
    assert call.session.path[-3:] == ["main_menu", "more_options", "main_menu"]
    call.press("9")
    call.end_prompt()
    call.press("2")
    assert call.plays()[-1].media == ("sound:auth-thankyou", "sound:vm-goodbye")
    call.end_prompt()
    done = exit_of(call)
    assert (done.kind, done.target) == (ExitKind.CALLBACK, "5551234")


def test_sub_menu_voicemail(flow: Flow) -> None:
    call = arrive(flow)
    call.press("91")
    assert exit_of(call).kind is ExitKind.VOICEMAIL


def test_sub_menu_fallback_goes_back(flow: Flow) -> None:
    call = arrive(flow)
    call.press("9")
    for _ in range(4):
        call.press("5")
    assert call.session.node == "main_menu"


def test_a_key_interrupts_the_prompt(flow: Flow) -> None:
    call = arrive(flow)
    playing = call.playing
    out = call.press("2")
    assert out[0] == StopPlay(playback_id=playing or "")
    assert call.session.node == "support"


def test_the_end_of_a_stopped_prompt_is_ignored(flow: Flow) -> None:
    call = arrive(flow)
    playing = call.playing or ""
    call.press("9")
    assert StopPlay(playback_id=playing) in call.commands
    ignored = call.session.ignored
    assert call.send(PromptEnded(playback_id=playing)) == []
    assert call.session.ignored == ignored + 1
    assert call.session.node == "more_options"
    assert call.playing is not None  # the sub-menu's prompt plays on


HANGUP_POINTS: dict[str, Callable[[Flow], CallHarness]] = {
    "before the call starts": lambda f: CallHarness(f),
    "during the caller lookup": lambda f: _started(f),
    "during the menu prompt": lambda f: arrive(f),
    "waiting for a key": lambda f: _then(arrive(f), lambda c: c.end_prompt()),
    "typing the account": lambda f: _then(arrive(f), lambda c: c.press("312")),
    "during the account lookup": lambda f: _then(arrive(f), lambda c: c.press("312#")),
    "hearing the balance": lambda f: _then(
        arrive(f), lambda c: (c.press("312#"), c.answer({"balance": "5"}))
    ),
    "during the callback goodbye": lambda f: _then(arrive(f), lambda c: c.press("92")),
}


def _started(flow: Flow) -> CallHarness:
    call = CallHarness(flow, now=WEDNESDAY_10AM)
    call.start()
    return call


def _then(call: CallHarness, step: Callable[[CallHarness], object]) -> CallHarness:
    step(call)
    return call


@pytest.mark.parametrize("point", list(HANGUP_POINTS))
def test_hangup_at_any_point_is_an_abandon(flow: Flow, point: str) -> None:
    call = HANGUP_POINTS[point](flow)
    node = call.session.node
    out = call.hang_up()
    assert [type(c) for c in out] == [Report]
    assert out[0].kind == "ivr.exit"
    assert out[0].data["kind"] == "abandoned"
    assert out[0].data["reason"] == "caller_hung_up"
    assert call.session.finished
    assert call.session.exit is not None
    assert call.session.exit.kind is ExitKind.ABANDONED
    assert call.session.exit.target == node
    assert call.session.next_deadline() is None
    # whatever the driver still reports is ignored
    assert call.press("1#") == []
    assert call.hang_up() == []
    assert call.advance(3600) == []
    assert not [c for c in call.commands if isinstance(c, Exit)]


def test_playback_ids_are_unique_and_carry_the_call_id(flow: Flow) -> None:
    call = arrive(flow)
    call.press("9*9*3")
    ids = [p.playback_id for p in call.plays()]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("c1:") for i in ids)
    assert all(isinstance(c, Play) and c.language == "en" for c in call.plays())
