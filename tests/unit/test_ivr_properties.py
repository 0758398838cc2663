"""Invariants of the IVR core over random callers and random flows (hypothesis).

- every call ends exactly once: one ``ivr.exit`` report, and one Exit command
  unless the caller hung up (then none);
- nothing is emitted after the end, and an Exit is the last command;
- a menu or input never counts more failures than ``max_retries + 1``;
- after handling anything at ``now``, the next deadline is None or after ``now``;
- playback ids are unique and carry the call id; StopPlay names the playing one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from contactcenter.config.files import ConfigError
from contactcenter.ivr import (
    CallStarted,
    Exit,
    Flow,
    IvrCommand,
    LookupAnswered,
    Play,
    PromptEnded,
    StopPlay,
    load_flow,
    parse_flow,
)
from contactcenter.ivr.harness import CallHarness
from contactcenter.ivr.model import InputNode, MenuNode

DEMO = load_flow(Path(__file__).resolve().parents[2] / "config" / "ivr" / "main.yaml")
T0 = 1_768_402_800.0  # 2026-01-14 10:00 in New York


class CheckedCall(CallHarness):
    """A harness that checks the per-step invariants on everything the session emits."""

    def __init__(self, flow: Flow) -> None:
        super().__init__(flow, call_id="p", now=T0)
        self.was_finished = False
        self.issued: set[str] = set()

    def _record(self, commands: list[IvrCommand]) -> list[IvrCommand]:
        if self.was_finished:
            assert commands == [], "a command after the end"
        deadline = self.session.next_deadline()
        assert deadline is None or deadline > self.now, "a deadline in the past"
        playing = self.playing
        for index, command in enumerate(commands):
            if isinstance(command, Play):
                assert command.playback_id not in self.issued
                assert command.playback_id.startswith("p:")
                self.issued.add(command.playback_id)
                playing = command.playback_id
            elif isinstance(command, StopPlay):
                assert command.playback_id == playing
                playing = None
            elif isinstance(command, Exit):
                assert index == len(commands) - 1, "the Exit is not the last command"
        if self.session.finished:
            assert self.session.exit is not None and self.session.next_deadline() is None
        self.was_finished = self.session.finished
        return super()._record(commands)


Action = tuple[str, Any]

RECORDS = [None, {"name": "Ada", "vip": "yes", "balance": "250"}, {"vip": "no"}, {}]
ACTIONS = st.one_of(
    st.tuples(st.just("key"), st.sampled_from("0123456789*#AX")),
    st.tuples(st.just("keys"), st.text(alphabet="0123456789#", min_size=1, max_size=12)),
    st.tuples(st.just("end"), st.none()),
    st.tuples(st.just("wait"), st.floats(min_value=0.0, max_value=20.0)),
    st.tuples(st.just("answer"), st.sampled_from(RECORDS)),
    st.tuples(st.just("stale_prompt"), st.integers(0, 40)),
    st.tuples(st.just("stale_lookup"), st.integers(0, 40)),
    st.tuples(st.just("restart"), st.none()),
)


def act(call: CheckedCall, action: Action) -> None:
    kind, arg = action
    if kind in ("key", "keys"):
        call.press(arg)
    elif kind == "end" and call.playing is not None:
        call.end_prompt()
    elif kind == "wait":
        call.advance(arg)
    elif kind == "answer" and call.lookup is not None:
        call.answer(arg)
    elif kind == "stale_prompt":
        call.send(PromptEnded(playback_id=f"p:{arg}"))
    elif kind == "stale_lookup":
        call.send(LookupAnswered(request_id=f"p:{arg}", data={"vip": "yes"}))
    elif kind == "restart":
        call.send(CallStarted(caller="5550000", dialed="5000"))


def go_silent(call: CheckedCall, steps: int = 500) -> None:
    """The caller stops pressing keys: prompts play out and time passes."""
    for _ in range(steps):
        if call.session.finished:
            return
        if call.playing is not None:
            call.end_prompt()
        else:
            call.advance(30)


def check_the_end(call: CheckedCall, flow: Flow) -> None:
    assert call.session.finished and call.session.exit is not None
    exits = call.reports("ivr.exit")
    assert len(exits) == 1
    commands = [c for c in call.commands if isinstance(c, Exit)]
    if call.session.exit.kind.value == "abandoned":
        assert commands == []
    else:
        assert commands == [call.session.exit] and call.commands[-1] is commands[0]
    assert exits[0].data["kind"] == call.session.exit.kind.value
    for report in call.reports("ivr.invalid") + call.reports("ivr.timeout"):
        node = flow.nodes[str(report.data["node"])]
        assert isinstance(node, MenuNode | InputNode)
        attempt = report.data["attempt"]
        assert isinstance(attempt, int) and 1 <= attempt <= node.max_retries + 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=st.lists(ACTIONS, max_size=40), hang_up_at=st.none() | st.integers(0, 45))
def test_demo_flow_random_callers(actions: list[Action], hang_up_at: int | None) -> None:
    call = CheckedCall(DEMO)
    call.start(caller="+15550001001")
    for index, action in enumerate(actions):
        if index == hang_up_at:
            call.hang_up()
        act(call, action)
    go_silent(call)  # every path of the demo ends without the caller's help
    check_the_end(call, DEMO)


# -- random flows ---------------------------------------------------------------

KEYS = "0123456789*#"
SECONDS = st.floats(min_value=0.5, max_value=10.0)


def node(kind: str, target: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    asking = {"timeout": SECONDS, "max_retries": st.integers(0, 3), "fallback": target}
    shapes: dict[str, dict[str, Any]] = {
        "menu": {
            "prompt": st.just(["menu"]),
            "options": st.dictionaries(st.sampled_from(KEYS), target, min_size=1, max_size=3),
            "invalid_prompt": st.sampled_from([[], ["pbx-invalid"]]),
            **asking,
        },
        "input": {
            "prompt": st.sampled_from([[], ["enter"]]),
            "variable": st.just("v"),
            "max_digits": st.integers(3, 6),
            "min_digits": st.integers(1, 3),
            "terminator": st.sampled_from(["#", None]),
            "digit_timeout": st.none() | SECONDS,
            "next": target,
            **asking,
        },
        "play": {"prompt": st.just(["info", "digits:{v}"]), "next": target},
        "set": {"variables": st.just({"v": "1", "language": "fr"}), "next": target},
        "branch": {
            "variable": st.just("v"),
            "cases": st.dictionaries(st.just("1"), target),
            "default": target,
        },
        "lookup": {
            "kind": st.just("account"),
            "key": st.sampled_from(["{v}", "{caller}"]),
            "fields": st.just(["vip"]),
            "timeout": SECONDS,
            "found": target,
            "not_found": target,
        },
        "hours": {
            "timezone": st.sampled_from(["America/New_York", "Asia/Tokyo", "UTC"]),
            "weekly": st.just({"wed": "08:00-12:00"}),
            "open": target,
            "closed": target,
        },
        "callback": {"prompt": st.sampled_from([[], ["bye"]])},
        "voicemail": {"mailbox": st.just("m")},
    }
    return st.fixed_dictionaries({"type": st.just(kind), **shapes[kind]})


@st.composite
def flows(draw: st.DrawFn) -> Flow:
    names = [f"n{i}" for i in range(draw(st.integers(1, 6)))]
    target = st.sampled_from([*names, "queue", "bye", "back"])
    nodes: dict[str, Any] = {
        "queue": {"type": "queue", "queue": "q"},
        "bye": {"type": "hangup", "prompt": "goodbye"},
    }
    for name in names:
        nodes[name] = draw(node(draw(st.sampled_from(sorted(_KINDS))), target))
    data = {"start": names[0], "nodes": nodes, "max_prompt_seconds": 30}
    try:
        return parse_flow(data, name="random")
    except ConfigError:
        assume(False)  # e.g. set -> branch -> set: refused, rightly
        raise


_KINDS = {"menu", "input", "play", "set", "branch", "lookup", "hours", "callback", "voicemail"}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flow=flows(), actions=st.lists(ACTIONS, max_size=40), hang_up=st.booleans())
def test_random_flows_random_callers(flow: Flow, actions: list[Action], hang_up: bool) -> None:
    call = CheckedCall(flow)
    call.start()
    for action in actions:
        act(call, action)
    if hang_up:
        call.hang_up()
    else:
        go_silent(call, steps=50)  # a random flow may loop forever; then the caller leaves
        call.hang_up()
    check_the_end(call, flow)
