"""The ACD after a restart of the app: waiting callers keep their place, connected
calls keep their agent, and every answered call reports its wrap-up time."""

from __future__ import annotations

from contactcenter.acd import AcdConfig, AgentConfig, AgentState, CallRestored, QueueConfig
from contactcenter.acd.harness import AcdHarness, offers
from contactcenter.acd.model import AgentId, CallId, Overflow


def harness(agents: tuple[str, ...] = ("a1",), *, now: float = 1000.0,
            **queue: object) -> AcdHarness:
    config = AcdConfig(
        queues={"q": QueueConfig("q", **queue)},  # type: ignore[arg-type]
        agents={a: AgentConfig(a, queues={"q": 1}) for a in agents},
    )
    return AcdHarness(config, now=now)


def restore(h: AcdHarness, call: str, agent: str, answered_at: float) -> None:
    h.send(CallRestored(call_id=CallId(call), queue="q", agent=AgentId(agent),
                        answered_at=answered_at))


def test_a_caller_picked_up_again_keeps_their_place_ahead_of_a_newer_caller() -> None:
    h = harness()
    h.join("new", "q")  # came after the restart
    h.join("old", "q", since=900.0)  # was waiting 100 s before it
    out = h.login("a1")
    assert offers(out) == [("old", "a1")]
    answered = h.reports("call.answered", h.answer("old", "a1"))
    assert answered[0]["wait"] == 100.0  # the wait before the restart counts


def test_max_wait_counts_from_the_first_join() -> None:
    h = harness(max_wait=60.0, overflow=Overflow("voicemail", "main"))
    h.join("c1", "q", since=950.0)  # 50 s waited before the restart
    assert h.reports("call.overflowed", h.advance(9.9)) == []
    assert h.reports("call.overflowed", h.advance(0.2))[0]["reason"] == "max_wait"


def test_a_since_in_the_future_counts_as_now() -> None:
    h = harness()
    h.join("c1", "q", since=5000.0)
    assert h.acd.call_state("c1").entered == 1000.0  # type: ignore[union-attr]


def test_a_restored_call_keeps_its_agent_busy_until_it_ends_then_wrap_up() -> None:
    h = harness(("a1", "a2"), wrap_up=10.0)
    h.login("a1", "a2")
    restore(h, "talking", "a1", answered_at=980.0)
    assert h.acd.agent_state("a1").state is AgentState.ON_CALL
    assert offers(h.join("c2", "q")) == [("c2", "a2")]  # not a1, who is talking
    h.answer("c2", "a2")
    h.advance(5)
    out = h.finish("talking")
    assert h.reports("call.completed", out)[0]["talk"] == 25.0
    assert h.acd.agent_state("a1").state is AgentState.WRAP_UP
    wrapped = h.reports("call.wrapped", h.advance(10))
    assert wrapped == [{"call_id": "talking", "queue": "q", "agent": "a1", "wrap": 10.0}]
    assert h.acd.agent_state("a1").state is AgentState.AVAILABLE


def test_a_restored_call_returns_a_paused_agent_to_the_pause() -> None:
    h = harness(wrap_up=0.0)
    h.login("a1")
    h.pause("a1", "lunch")
    restore(h, "talking", "a1", answered_at=990.0)
    h.finish("talking")
    view = h.acd.agent_state("a1")
    assert (view.state, view.reason) == (AgentState.PAUSED, "lunch")


def test_a_restored_call_is_ignored_twice_or_for_a_busy_agent() -> None:
    h = harness(("a1",))
    h.login("a1")
    h.join("c1", "q")  # a1 rings for c1
    ignored = h.acd.ignored
    restore(h, "other", "a1", answered_at=990.0)
    restore(h, "c1", "a1", answered_at=990.0)
    assert h.acd.ignored == ignored + 2
    assert h.acd.agent_state("a1").state is AgentState.RINGING


def test_wrap_up_ended_early_reports_the_time_it_took() -> None:
    h = harness(wrap_up=60.0)
    h.login("a1")
    h.join("c1", "q")
    h.answer("c1", "a1")
    h.advance(30)
    h.finish("c1")
    h.advance(7)
    assert h.reports("call.wrapped", h.done("a1"))[0]["wrap"] == 7.0


def test_without_wrap_up_the_call_reports_none() -> None:
    h = harness(wrap_up=0.0)
    h.login("a1")
    h.join("c1", "q")
    h.answer("c1", "a1")
    assert h.reports("call.wrapped", h.finish("c1"))[0]["wrap"] == 0.0


def test_a_caller_back_past_their_max_wait_overflows_now_and_rings_a_full_ring() -> None:
    config = AcdConfig(
        queues={"q": QueueConfig("q", max_wait=60.0, overflow=Overflow("queue", "other")),
                "other": QueueConfig("other", ring_timeout=15.0)},
        agents={"a1": AgentConfig("a1", queues={"other": 1})})
    h = AcdHarness(config, now=1000.0)
    h.login("a1")
    out = h.join("c1", "q", since=850.0)  # waited 150 s before the restart: past 60
    assert h.reports("call.overflowed", out)[0]["reason"] == "max_wait"
    assert offers(out) == [("c1", "a1")]
    assert h.acd.agent_state("a1").state is AgentState.RINGING  # not timed out at once
    assert h.reports("agent.state", out)[-1]["since"] == 1000.0  # rung now, not in the past
    h.advance(14.9)
    assert h.acd.agent_state("a1").state is AgentState.RINGING
