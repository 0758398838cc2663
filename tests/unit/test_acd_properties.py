"""Invariants of the ACD core under random events, duplicated and reordered (hypothesis).

- an agent is offered a call only while available (never paused, logged out, or busy
  with another call): so two callers never reach one agent;
- a call rings several agents at once only in a ring_all queue;
- a call is connected at most once, and only to an agent it was offered to;
- every call ends in exactly one final state, and nothing is said of it afterwards;
- per queue, offered = answered + abandoned + overflowed + still waiting, and staffed is
  its members logged in and not on a break (a pause for a call of their own counts);
- after any step the next deadline is in the future.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.acd import (
    STRATEGY_NAMES,
    AcdCommand,
    AcdConfig,
    AcdEvent,
    AgentConfig,
    AgentState,
    Announce,
    CallbackDeferred,
    CallbackRequested,
    CallFinished,
    CallLeft,
    CallRestored,
    CallState,
    CancelOffer,
    ConnectCall,
    OfferCall,
    Overflow,
    OverflowCall,
    PlayComfort,
    QueueConfig,
    Report,
)
from contactcenter.acd.harness import AcdHarness
from contactcenter.acd.states import CALL_PAUSES, staffing

CALLS = [f"c{n}" for n in range(8)]
AGENTS = ["a0", "a1", "a2", "a3", "a4"]
QUEUES = ["q0", "q1", "q2"]
#: agent -> (skills, queues with tiers)
STAFF: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    "a0": ({"x": 9}, {"q0": 1, "q1": 2}),
    "a1": ({"x": 2, "y": 5}, {"q0": 1, "q2": 1}),
    "a2": ({"y": 8}, {"q1": 1, "q2": 2}),
    "a3": ({"x": 4, "y": 1}, {"q0": 2, "q1": 1, "q2": 1}),
    "a4": ({}, {"q1": 1}),
}
FINAL_REPORTS = {"call.completed", "call.abandoned"}


@st.composite
def configs(draw: st.DrawFn) -> AcdConfig:
    """Fixed queues and staff; strategies, timers and rules drawn."""
    after = st.sampled_from(["not_ready", "available"])
    wrap = st.sampled_from([0.0, 2.0])
    queues = {
        "q0": QueueConfig(
            "q0", draw(st.sampled_from(STRATEGY_NAMES)), ring_timeout=4.0, wrap_up=draw(wrap),
            required_skill="x", min_level=draw(st.sampled_from([1, 3])), max_wait=20.0,
            overflow=Overflow("queue", "q1"), announce_every=3.0, comfort_every=4.0,
            after_ring_timeout=draw(after),
        ),
        "q1": QueueConfig(
            "q1", draw(st.sampled_from(STRATEGY_NAMES)), ring_timeout=3.0, wrap_up=draw(wrap),
            max_waiting=1, overflow=Overflow(draw(st.sampled_from(["callback", "voicemail"])), "m"),
            after_ring_timeout=draw(after),
        ),
        "q2": QueueConfig(
            "q2", draw(st.sampled_from(STRATEGY_NAMES)), ring_timeout=5.0, wrap_up=draw(wrap),
            required_skill="y", min_level=6, widen_after=((4.0, 3), (8.0, 1)), max_wait=15.0,
            overflow=Overflow("callback"), after_ring_timeout=draw(after),
        ),
    }  # fmt: skip
    agents = {
        a: AgentConfig(a, skills=skills, queues=tiers) for a, (skills, tiers) in STAFF.items()
    }
    return AcdConfig(queues=queues, agents=agents)


Action = tuple[Any, ...]
PICK = st.integers(0, 20)  # an index into what the driver knows of: the latest first
ACTIONS = st.one_of(
    st.tuples(
        st.just("join"), st.sampled_from(CALLS), st.sampled_from(QUEUES), st.integers(0, 2),
        st.sampled_from([None, "x", "y"]),
    ),
    st.tuples(  # a caller picked up after a restart, who had waited before it
        st.just("rejoin"), st.sampled_from(CALLS), st.sampled_from(QUEUES),
        st.floats(min_value=0.0, max_value=40.0),
    ),
    st.tuples(st.just("callback"), st.sampled_from(CALLS), st.sampled_from(QUEUES)),
    st.tuples(st.just("defer"), PICK),  # a callback outside its customer's hours
    st.tuples(st.just("resume"), PICK),
    st.tuples(  # a call connected before a restart
        st.just("restore"), st.sampled_from(CALLS), st.sampled_from(AGENTS),
        st.sampled_from(QUEUES),
    ),
    st.tuples(st.just("leave"), PICK, st.sampled_from(["abandoned", "cancelled"])),
    st.tuples(st.just("answer"), PICK),
    st.tuples(st.just("answer"), st.just(0)),
    st.tuples(st.just("fail"), PICK, st.sampled_from(["busy", "rejected"])),
    st.tuples(st.just("finish"), PICK),
    st.tuples(st.just("stray"), st.sampled_from(CALLS), st.sampled_from(AGENTS)),
    st.tuples(
        st.just("agent"), st.sampled_from(AGENTS),
        st.sampled_from(["login", "logout", "pause", "outbound", "consult", "ready", "ready",
                         "done"]),
    ),
    st.tuples(st.just("wait"), st.floats(min_value=0.0, max_value=12.0)),
    st.tuples(st.just("wait"), st.sampled_from([5.0, 16.0, 25.0])),  # past ring and max waits
    st.tuples(st.just("replay"), st.integers(0, 60)),
)  # fmt: skip


class Checked(AcdHarness):
    """A harness that checks each command against what was said before it."""

    def __init__(self, config: AcdConfig) -> None:
        super().__init__(config)
        self.agent: dict[str, tuple[str, str | None]] = {a: ("logged_out", None) for a in AGENTS}
        self.queue_of: dict[str, str] = {}
        self.connected: set[str] = set()
        self.final: dict[str, str] = {}
        self.seen: set[str] = set()
        self.offers: list[tuple[str, str]] = []
        self.sent: list[AcdEvent] = []
        self.deferred: dict[str, tuple[str, float]] = {}  # call -> (queue, joined)

    def send(self, event: AcdEvent) -> list[AcdCommand]:
        self.sent.append(event)
        return self._check(super().send(event))

    def advance(self, seconds: float) -> list[AcdCommand]:
        return self._check(super().advance(seconds))

    def _check(self, out: list[AcdCommand]) -> list[AcdCommand]:
        for command in out:
            call = getattr(command, "call_id", None)
            if call is not None:
                assert call not in self.final, f"{command} after {call} ended"
            if isinstance(command, Report):
                self._on_report(command)
            elif isinstance(command, OfferCall):
                self._on_offer(command)
            elif isinstance(command, ConnectCall):
                assert command.call_id not in self.connected, "connected twice"
                assert self.agent[command.agent] == ("ringing", command.call_id)
                self.connected.add(command.call_id)
            elif isinstance(command, CancelOffer):
                assert self.agent[command.agent] == ("ringing", command.call_id)
            elif isinstance(command, Announce | PlayComfort):
                assert call in self.seen, f"{command} for a call not queued"
            elif isinstance(command, OverflowCall):
                self.seen.add(command.call_id)
        self._check_views()
        return out

    def _on_offer(self, offer: OfferCall) -> None:
        state = self.agent[offer.agent]
        assert state == ("available", None), f"{offer} to an agent who is {state}"
        assert offer.call_id not in self.connected
        ringing = [a for a, s in self.agent.items() if s == ("ringing", offer.call_id)]
        if ringing:
            queue = self.config.queues[self.queue_of[offer.call_id]]
            assert queue.strategy == "ring_all", f"{offer} while {ringing} ring"
        self.offers.append((offer.call_id, offer.agent))

    def _on_report(self, report: Report) -> None:
        data = report.data
        if report.type == "agent.state":
            self.agent[str(data["agent"])] = (str(data["state"]), data["call_id"])  # type: ignore[assignment]
        elif report.type in ("call.queued", "call.overflowed"):
            self.seen.add(str(data["call_id"]))
            if report.type == "call.queued" or data["kind"] == "callback":
                self.queue_of[str(data["call_id"])] = str(data["queue"])
        if report.type == "call.deferred":  # gone from the core until asked for again
            call = str(data["call_id"])
            self.seen.discard(call)
            self.deferred[call] = (str(data["queue"]), self.now)
        if report.type in FINAL_REPORTS or (
            report.type == "call.overflowed" and data["kind"] == "voicemail"
        ):
            call = str(data["call_id"])
            assert call not in self.final, f"{call} ended twice"
            self.final[call] = report.type

    def _check_views(self) -> None:
        deadline = self.acd.next_deadline()
        assert deadline is None or deadline > self.now
        for agent, (state, call) in self.agent.items():
            view = self.acd.agent_state(agent)
            assert (view.state.value, view.call_id) == (state, call)
            if view.state in (AgentState.RINGING, AgentState.ON_CALL):
                assert call not in self.final, f"{agent} holds {call}, which ended"
                call_view = self.acd.call_state(str(call))
                assert call_view is not None and agent in call_view.agents
        for call in self.seen - self.final.keys():
            view = self.acd.call_state(call)
            assert view is not None
            holding = {CallState.RINGING: "ringing", CallState.CONNECTED: "on_call"}
            for agent in view.agents:  # the agents a call holds hold that call
                assert self.agent[agent] == (holding[view.state], call), (view, self.agent)
        for name, stats in self.acd.queue_stats(self.now).items():
            out = stats.answered + stats.abandoned + stats.overflowed + stats.waiting
            assert stats.offered == out, stats
            views = [self.acd.agent_state(a) for a, (_, tiers) in STAFF.items() if name in tiers]
            assert stats.staffed == sum(staffing(v.state, v.reason) for v in views), stats

    @property
    def config(self) -> AcdConfig:
        return self.acd.config


def pick(items: list[str], index: int) -> str | None:
    return items[-1 - index % len(items)] if items else None


def act(h: Checked, action: Action) -> None:
    kind = action[0]
    live = [c for c in h.seen if c not in h.final]
    if kind == "join":
        h.join(action[1], action[2], priority=action[3], skill=action[4], caller="555")
    elif kind == "rejoin":
        h.join(action[1], action[2], caller="555", since=h.now - action[3])
    elif kind == "callback":
        h.send(CallbackRequested(call_id=action[1], queue=action[2], number="555"))
    elif kind == "defer" and live:
        h.send(CallbackDeferred(call_id=pick(live, action[1])))  # type: ignore[arg-type]
    elif kind == "resume" and h.deferred:
        call = sorted(h.deferred)[action[1] % len(h.deferred)]
        queue, since = h.deferred.pop(call)
        h.send(CallbackRequested(call_id=call, queue=queue, number="555",  # type: ignore[arg-type]
                                 since=since))
    elif kind == "restore":
        h.send(CallRestored(call_id=action[1], queue=action[3], agent=action[2],
                            answered_at=h.now - 5))
        view = h.acd.call_state(action[1])
        if view is not None and view.state is CallState.CONNECTED and action[1] not in h.final:
            h.seen.add(action[1])
            h.connected.add(action[1])
    elif kind == "leave":
        h.leave(pick(live, action[1]) or "c0", action[2])
    elif kind in ("answer", "fail") and h.offers:
        call, agent = h.offers[-1 - action[1] % len(h.offers)]  # the latest, or an older one
        if kind == "answer":
            h.answer(call, agent)
        else:
            h.fail(call, agent, action[2])
    elif kind == "finish":
        h.finish(pick(sorted(h.connected), action[1]) or "c0")
    elif kind == "stray":
        h.answer(action[1], action[2])
    elif kind == "agent":
        do = {"login": h.login, "logout": h.logout, "pause": h.pause, "ready": h.ready}
        if action[2] in CALL_PAUSES:  # the platform's pause for a call of the agent's own
            h.pause(action[1], action[2])
        else:
            do.get(action[2], h.done)(action[1])
    elif kind == "wait":
        h.advance(action[1])
    elif kind == "replay" and h.sent:
        h.send(h.sent[-1 - action[1] % len(h.sent)])  # a duplicate, late or out of order


def drain(h: Checked) -> None:
    """Everyone hangs up: each live call gets the event that ends it in its state."""
    for _ in range(20):
        live = [c for c in h.seen if c not in h.final]
        if not live:
            return
        for call in live:
            view = h.acd.call_state(call)
            assert view is not None
            if view.state is CallState.CONNECTED:
                h.send(CallFinished(call_id=call))  # type: ignore[arg-type]
            elif view.state not in (CallState.COMPLETED, CallState.ABANDONED):
                h.send(CallLeft(call_id=call, reason="cancelled"))  # type: ignore[arg-type]
    raise AssertionError("calls do not end")


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=configs(),
    present=st.lists(st.sampled_from(AGENTS), min_size=1, unique=True),
    actions=st.lists(ACTIONS, min_size=5, max_size=80),
)
def test_random_events_keep_the_invariants(
    config: AcdConfig, present: list[str], actions: list[Action]
) -> None:
    h = Checked(config)
    h.login(*present)
    for action in actions:
        act(h, action)
    drain(h)
    for call in h.seen:
        view = h.acd.call_state(call)
        assert view is not None
        expected = {
            "call.completed": CallState.COMPLETED,
            "call.abandoned": CallState.ABANDONED,
            "call.overflowed": CallState.OVERFLOWED,
        }[h.final[call]]
        assert view.state is expected
        assert (h.final[call] == "call.completed") == (call in h.connected)
    out = h.advance(1000)  # wrap-ups end; nothing is left to route
    assert not any(isinstance(c, OfferCall | ConnectCall | Announce) for c in out)
