"""Transfers in the ACD: a transferred call's new visit, the agent it names, the handover
of an attended transfer; and the invariants of ``test_acd_properties`` with them mixed in."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.acd import (
    AcdCommand,
    AcdConfig,
    AcdEvent,
    AgentConfig,
    AgentState,
    Announce,
    CallJoined,
    CallRestored,
    CallState,
    ConnectCall,
    OfferCall,
    Overflow,
    QueueConfig,
)
from contactcenter.acd.harness import AcdHarness, of_type, offers
from contactcenter.acd.model import AgentId, CallId
from tests.unit.test_acd_properties import (
    ACTIONS,
    AGENTS,
    CALLS,
    QUEUES,
    Action,
    Checked,
    act,
    configs,
    drain,
    pick,
)


def harness(**queue: object) -> AcdHarness:
    """Queue ``q`` (a1, a2, a3) and queue ``sales`` (s1, and a3 second)."""
    config = AcdConfig(
        queues={
            "q": QueueConfig("q", ring_timeout=10.0, **queue),  # type: ignore[arg-type]
            "sales": QueueConfig("sales", ring_timeout=20.0, wrap_up=0.0),
        },
        agents={
            "a1": AgentConfig("a1", queues={"q": 1}),
            "a2": AgentConfig("a2", queues={"q": 1}),
            "a3": AgentConfig("a3", queues={"q": 1, "sales": 2}),
            "s1": AgentConfig("s1", queues={"sales": 1}),
        },
    )
    return AcdHarness(config, now=100.0)


def transfer(h: AcdHarness, call: str, queue: str, agent: str | None = None,
             **fields: object) -> list[AcdCommand]:
    named = AgentId(agent) if agent is not None else None
    return h.join(call, queue, transfer=True, agent=named, **fields)


def handover(h: AcdHarness, call: str, agent: str, queue: str = "q") -> list[AcdCommand]:
    return h.send(CallRestored(call_id=CallId(call), queue=queue, agent=AgentId(agent),
                               answered_at=h.now, handover=True))


def state(h: AcdHarness, agent: str) -> tuple[AgentState, str | None]:
    view = h.acd.agent_state(agent)
    return view.state, view.call_id


def served(h: AcdHarness, call: str, agent: str = "a1", queue: str = "q") -> None:
    """The call came in, ``agent`` answered it and it is over: ready to be transferred."""
    h.join(call, queue)
    h.answer(call, agent)
    h.finish(call)


# -- the agent a transfer names -----------------------------------------------------


def test_the_named_agent_rings_at_once_and_nobody_else() -> None:
    h = harness(strategy="ring_all")
    h.login("a1", "a2", "a3")
    out = transfer(h, "c1", "q", "a3")
    assert offers(out) == [("c1", "a3")]  # not the whole ring_all group
    assert of_type(out, OfferCall)[0].ring_timeout == 10.0  # the queue's
    assert h.reports("call.offered", out) == [{"call_id": "c1", "queue": "q", "agent": "a3"}]
    assert state(h, "a3") == (AgentState.RINGING, "c1")
    assert state(h, "a1") == state(h, "a2") == (AgentState.AVAILABLE, None)


def test_a_named_agent_passes_over_the_agent_the_strategy_prefers() -> None:
    h = harness()
    h.login("a1", "a2", "a3")
    assert offers(h.join("c0", "q")) == [("c0", "a1")]  # the longest idle
    assert offers(transfer(h, "c1", "q", "a3")) == [("c1", "a3")]


def test_a_named_agent_without_the_queues_skill_still_rings() -> None:
    h = harness(required_skill="french")
    h.login("a1", "a2", "a3")  # nobody speaks French
    assert offers(transfer(h, "c1", "q", "a2")) == [("c1", "a2")]


def test_a_busy_named_agent_leaves_the_call_to_the_next_agent() -> None:
    h = harness()
    h.login("a1", "a2", "a3")
    h.pause("a3")
    assert offers(transfer(h, "c1", "q", "a3")) == [("c1", "a1")]


def test_a_named_agent_outside_the_queue_leaves_the_call_to_its_agents() -> None:
    h = harness()
    h.login("a1", "s1")
    assert offers(transfer(h, "c1", "q", "s1")) == [("c1", "a1")]
    assert state(h, "s1") == (AgentState.AVAILABLE, None)


def test_with_nobody_free_the_call_waits_in_line_by_priority_and_time() -> None:
    h = harness(wrap_up=0.0)
    h.login("a1")
    h.join("busy", "q")  # a1 rings
    h.join("old", "q")
    h.advance(5)
    transfer(h, "vip", "q", "a2", priority=1)  # a2 is logged out
    transfer(h, "back", "q", since=90.0)  # keeps the place it had
    places = [h.acd.call_state(c).position for c in ("vip", "back", "old")]  # type: ignore[union-attr]
    assert places == [1, 2, 3]
    h.answer("busy", "a1")
    assert offers(h.finish("busy")) == [("vip", "a1")]  # whoever is free: a1
    assert offers(h.login("a2")) == [("back", "a2")]


def test_a_named_agent_who_lets_it_ring_out_is_paused_and_the_next_agent_rings() -> None:
    h = harness()
    h.login("a1", "a2", "a3")
    transfer(h, "c1", "q", "a3")
    out = h.advance(10)
    assert offers(out) == [("c1", "a1")]
    assert h.acd.agent_state("a3").state is AgentState.PAUSED
    assert h.acd.agent_state("a3").reason == "ring_timeout"


def test_a_named_agent_who_fails_it_gets_it_again_only_if_nobody_else_may() -> None:
    h = harness(after_ring_timeout="available")
    h.login("a1", "a3")
    transfer(h, "c1", "q", "a3")
    assert offers(h.fail("c1", "a3", "rejected")) == [("c1", "a1")]
    h.fail("c1", "a1", "busy")
    assert state(h, "a3") == (AgentState.RINGING, "c1")  # the fallback, as for any call


def test_a_call_for_a_named_agent_is_not_turned_away_by_a_full_queue() -> None:
    h = harness(required_skill="french", max_waiting=1, overflow=Overflow("voicemail", "main"))
    h.login("a1")  # who speaks no French: callers wait
    h.join("waiting", "q")
    assert h.reports("call.overflowed", h.join("turned_away", "q"))[0]["reason"] == "queue_full"
    out = transfer(h, "c1", "q", "a1")
    assert offers(out) == [("c1", "a1")]
    assert h.reports("call.overflowed", out) == []


# -- a transfer's new visit ---------------------------------------------------------


def test_a_finished_call_transferred_to_another_queue_is_offered_once_in_each() -> None:
    h = harness()
    h.login("a1", "s1")
    served(h, "c1", "a1")
    out = transfer(h, "c1", "sales")
    assert offers(out) == [("c1", "s1")]
    assert of_type(out, OfferCall)[0].ring_timeout == 20.0
    h.answer("c1", "s1")
    h.finish("c1")
    stats = h.acd.queue_stats(h.now)
    assert (stats["q"].offered, stats["q"].answered) == (1, 1)
    assert (stats["sales"].offered, stats["sales"].answered) == (1, 1)
    assert h.acd.call_state("c1").state is CallState.COMPLETED  # type: ignore[union-attr]


def test_a_transferred_call_may_come_back_to_its_own_queue() -> None:
    h = harness(wrap_up=0.0)
    h.login("a1", "a2")
    served(h, "c1", "a1")
    assert offers(transfer(h, "c1", "q", "a2")) == [("c1", "a2")]
    h.answer("c1", "a2")
    assert h.acd.queue_stats(h.now)["q"].offered == 2  # a visit each
    assert h.acd.call_state("c1").queue == "q"  # type: ignore[union-attr]


def test_a_late_duplicate_of_an_ended_call_is_still_ignored() -> None:
    h = harness()
    h.login("a1", "a2")
    served(h, "c1", "a1")
    ignored = h.acd.ignored
    assert h.join("c1", "q") == []  # no transfer: the old join, late
    assert h.acd.ignored == ignored + 1
    assert h.acd.call_state("c1").state is CallState.COMPLETED  # type: ignore[union-attr]


def test_a_transfer_of_a_live_call_is_ignored() -> None:
    h = harness()
    h.login("a1", "a2")
    h.join("c1", "q")
    h.answer("c1", "a1")
    ignored = h.acd.ignored
    assert transfer(h, "c1", "q", "a2") == []  # the engine ends the visit first
    h.finish("c1")
    transfer(h, "c1", "q", "a2")
    assert transfer(h, "c1", "q", "a2") == []  # the same transfer twice
    assert h.acd.ignored == ignored + 2
    assert h.acd.queue_stats(h.now)["q"].offered == 2


def test_a_transfer_to_no_queue_is_rejected_and_the_call_stays_ended() -> None:
    h = harness()
    h.login("a1")
    served(h, "c1", "a1")
    out = transfer(h, "c1", "nowhere")
    assert h.reports("call.rejected", out)[0]["reason"] == "no_queue"
    assert h.acd.call_state("c1").state is CallState.COMPLETED  # type: ignore[union-attr]


# -- the handover of an attended transfer -----------------------------------------------


def test_a_handover_puts_the_consulted_agent_on_call_then_wrap_up_then_ready() -> None:
    h = harness(wrap_up=5.0)
    h.login("a1", "a2")
    h.join("c1", "q")  # a1 rings
    h.answer("c1", "a1")
    h.pause("a2", "consult")  # a1 consults a2
    h.advance(30)
    h.finish("c1")  # a1 hands the caller over and leaves
    handover(h, "c1", "a2")
    assert state(h, "a2") == (AgentState.ON_CALL, "c1")
    assert h.acd.call_state("c1").state is CallState.CONNECTED  # type: ignore[union-attr]
    h.advance(60)
    assert h.reports("call.completed", h.finish("c1"))[0]["talk"] == 60.0
    assert state(h, "a2") == (AgentState.WRAP_UP, "c1")
    h.advance(5)
    assert state(h, "a2") == (AgentState.AVAILABLE, None)  # not back to "consult"
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.offered, stats.answered, stats.waiting) == (1, 1, 0)


def test_a_handover_to_an_available_agent_keeps_others_from_offering_them_a_call() -> None:
    h = harness(wrap_up=0.0, wrap_up_end="paused")
    h.login("a1", "a2")
    served(h, "c1", "a1")
    handover(h, "c1", "a2")
    assert offers(h.join("c2", "q")) == []  # a1 paused after the call, a2 talking
    h.finish("c1")
    view = h.acd.agent_state("a2")
    assert (view.state, view.reason) == (AgentState.PAUSED, "after_call")  # the queue's rule


def test_a_handover_is_ignored_for_a_busy_or_absent_agent_or_a_live_call() -> None:
    h = harness()
    h.login("a1", "a2")
    h.join("c1", "q")
    h.answer("c1", "a1")
    h.join("c2", "q")  # a2 rings
    ignored = h.acd.ignored
    assert handover(h, "c1", "a2") == []  # c1 is still live: the engine ends it first
    h.finish("c1")
    assert handover(h, "c1", "a1") == []  # in wrap-up
    assert handover(h, "c1", "a2") == []  # ringing for c2
    assert handover(h, "c1", "a3") == []  # logged out
    assert h.acd.ignored == ignored + 4
    assert h.acd.call_state("c1").state is CallState.COMPLETED  # type: ignore[union-attr]


def test_a_restore_without_handover_still_ignores_an_ended_call() -> None:
    h = harness()
    h.login("a1", "a2")
    served(h, "c1", "a1")
    ignored = h.acd.ignored
    h.send(CallRestored(call_id=CallId("c1"), queue="q", agent=AgentId("a2"),
                        answered_at=h.now))
    assert h.acd.ignored == ignored + 1
    assert state(h, "a2") == (AgentState.AVAILABLE, None)


# -- the invariants, with transfers ---------------------------------------------------


class TransferChecked(Checked):
    """``Checked``, told that a transfer's accepted new visit starts the call afresh; and
    a call that rings the agent it names rings nobody else."""

    def send(self, event: AcdEvent) -> list[AcdCommand]:
        self.sent.append(event)
        call = None
        if isinstance(event, CallRestored) or (isinstance(event, CallJoined) and event.transfer):
            call = str(event.call_id)
        ignored = self.acd.ignored
        out = AcdHarness.send(self, event)  # checked below, once the new visit is known
        if call is not None and self.acd.ignored == ignored:  # taken: a visit of its own
            self.final.pop(call, None)
            self.connected.discard(call)
            if isinstance(event, CallRestored):
                self.seen.add(call)
                self.connected.add(call)
        rung = [agent for c, agent in offers(out) if c == call]
        if isinstance(event, CallJoined) and event.agent in rung:
            assert rung == [event.agent], f"{rung} ring for a call that named {event.agent}"
        return self._check(out)


#: a call by name, or (a number) one of the calls that ended, the latest first
WHICH = st.one_of(st.sampled_from(CALLS), st.integers(0, 20))
TRANSFERS = st.one_of(
    ACTIONS,
    st.tuples(
        st.just("transfer"), WHICH, st.sampled_from(QUEUES), st.sampled_from([None, *AGENTS]),
    ),
    st.tuples(st.just("consult"), st.sampled_from(AGENTS)),
    st.tuples(st.just("handover"), WHICH, st.sampled_from(AGENTS), st.sampled_from(QUEUES)),
)  # fmt: skip


def which(h: TransferChecked, call: str | int) -> str:
    if isinstance(call, str):
        return call
    return pick(list(h.final), call) or "c0"


def act_transfer(h: TransferChecked, action: Action) -> None:
    kind = action[0]
    if kind == "transfer":
        agent = AgentId(action[3]) if action[3] is not None else None
        h.join(which(h, action[1]), action[2], caller="555", transfer=True, agent=agent)
    elif kind == "consult":
        h.pause(action[1], "consult")
    elif kind == "handover":
        call = CallId(which(h, action[1]))
        h.send(CallRestored(call_id=call, queue=action[3], agent=AgentId(action[2]),
                            answered_at=h.now - 1, handover=True))
    else:
        act(h, action)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    config=configs(),
    present=st.lists(st.sampled_from(AGENTS), min_size=1, unique=True),
    actions=st.lists(TRANSFERS, min_size=5, max_size=80),
)
def test_random_events_with_transfers_keep_the_invariants(
    config: AcdConfig, present: list[str], actions: list[Action]
) -> None:
    h = TransferChecked(config)
    h.login(*present)
    for action in actions:
        act_transfer(h, action)
    drain(h)
    final = {"call.completed": CallState.COMPLETED, "call.abandoned": CallState.ABANDONED,
             "call.overflowed": CallState.OVERFLOWED}
    for call in h.seen:
        view = h.acd.call_state(call)
        assert view is not None and view.state is final[h.final[call]]
        assert (h.final[call] == "call.completed") == (call in h.connected)
    out = h.advance(1000)  # wrap-ups end; nothing is left to route
    assert not any(isinstance(c, OfferCall | ConnectCall | Announce) for c in out)
