"""ACD overflow: max wait and a full queue, to another queue, voicemail, or a callback."""

from __future__ import annotations

from typing import Any

from contactcenter.acd import (
    AcdConfig,
    AgentConfig,
    Announce,
    CallState,
    Overflow,
    OverflowCall,
    PlayComfort,
    QueueConfig,
)
from contactcenter.acd.harness import AcdHarness, of_type, offers


def harness(queues: dict[str, dict[str, Any]], agents: dict[str, str]) -> AcdHarness:
    """``agents``: agent -> the one queue they work."""
    return AcdHarness(
        AcdConfig(
            queues={name: QueueConfig(name, **fields) for name, fields in queues.items()},
            agents={a: AgentConfig(a, queues={q: 1}) for a, q in agents.items()},
        )
    )


def overflows(out: list[Any]) -> list[tuple[str, str, str | None]]:
    return [(c.call_id, c.kind, c.target) for c in of_type(out, OverflowCall)]


def test_max_wait_moves_the_call_to_another_queue_keeping_its_time_and_priority() -> None:
    sales = {"max_wait": 30.0, "overflow": Overflow("queue", "help")}
    h = harness({"sales": sales, "help": {}}, {"helper": "help"})
    h.join("c1", "sales", priority=3)
    h.advance(10)
    h.join("h1", "help", priority=3)  # came to help after c1 came to the ACD
    assert overflows(h.advance(19.9)) == []
    assert overflows(h.advance(0.1)) == [("c1", "queue", "help")]
    view = h.acd.call_state("c1")
    assert view is not None and (view.queue, view.position) == ("help", 1)
    assert h.acd.call_state("h1").position == 2  # type: ignore[union-attr]
    assert offers(h.login("helper")) == [("c1", "helper")]
    stats = h.acd.queue_stats(h.now)
    assert (stats["sales"].offered, stats["sales"].overflowed, stats["sales"].waiting) == (1, 1, 0)
    assert (stats["help"].offered, stats["help"].waiting) == (2, 2)


def test_the_target_queue_measures_max_wait_from_when_the_call_came() -> None:
    first = {"max_wait": 30.0, "overflow": Overflow("queue", "second")}
    second = {"max_wait": 30.0, "overflow": Overflow("voicemail", "main")}
    h = harness({"first": first, "second": second}, {})
    h.join("c1", "first")
    assert overflows(h.advance(30)) == [("c1", "queue", "second")]
    assert overflows(h.advance(29)) == []
    assert overflows(h.advance(1)) == [("c1", "voicemail", "main")]


def test_a_full_queue_sends_the_next_caller_to_voicemail() -> None:
    queue = {"max_waiting": 2, "overflow": Overflow("voicemail", "main")}
    h = harness({"q": queue}, {})
    h.join("c1", "q")
    h.join("c2", "q")
    out = h.join("c3", "q")
    assert overflows(out) == [("c3", "voicemail", "main")]
    assert h.reports("call.overflowed", out)[0]["reason"] == "queue_full"
    assert h.reports("call.queued", out) == []
    view = h.acd.call_state("c3")
    assert view is not None and view.state is CallState.OVERFLOWED
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.offered, stats.overflowed, stats.waiting) == (3, 1, 2)
    h.leave("c1")
    assert overflows(h.join("c4", "q")) == []  # room again


def test_a_full_queue_overflows_to_another_queue_and_on_if_that_is_full_too() -> None:
    first = {"max_waiting": 1, "overflow": Overflow("queue", "second")}
    second = {"max_waiting": 1, "overflow": Overflow("voicemail", "main")}
    h = harness({"first": first, "second": second}, {})
    h.join("c1", "first")
    assert overflows(h.join("c2", "first")) == [("c2", "queue", "second")]
    out = h.join("c3", "first")
    assert overflows(out) == [("c3", "queue", "second"), ("c3", "voicemail", "main")]


def test_max_wait_to_voicemail_ends_the_call() -> None:
    queue = {"max_wait": 60.0, "overflow": Overflow("voicemail", "main"), "announce_every": 20.0}
    h = harness({"q": queue}, {"a": "q"})
    h.join("c1", "q")
    out = h.advance(60)
    assert overflows(out) == [("c1", "voicemail", "main")]
    assert h.acd.call_state("c1").state is CallState.OVERFLOWED  # type: ignore[union-attr]
    assert h.advance(600) == [] and offers(h.login("a")) == []


def test_a_callback_keeps_the_callers_place() -> None:
    queue = {"max_wait": 60.0, "overflow": Overflow("callback"), "announce_every": 30.0}
    queue["comfort_every"] = 25.0
    h = harness({"q": queue}, {"a": "q"})
    h.join("c1", "q", caller="+15550001001")
    h.advance(30)
    h.join("c2", "q")
    out = h.advance(30)
    assert overflows(out) == [("c1", "callback", "+15550001001")]
    assert h.acd.call_state("c1").position == 1  # type: ignore[union-attr]
    assert h.leave("c1") == []  # the caller hangs up, as agreed: the callback stays
    out = h.advance(29)  # c2 waits on (its own max wait is at 90)
    heard = {c.call_id for c in of_type(out, Announce) + of_type(out, PlayComfort)}
    assert heard == {"c2"}  # the virtual caller hears nothing
    assert offers(h.login("a")) == [("c1", "a")]  # its turn came: offered like any call
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.callbacks, stats.overflowed, stats.waiting) == (1, 0, 2)


def test_a_full_queue_takes_a_callback_at_the_back_of_the_line() -> None:
    queue = {"max_waiting": 1, "overflow": Overflow("callback", "+15550009999")}
    h = harness({"q": queue}, {"a": "q"})
    h.join("c1", "q")
    out = h.join("c2", "q")
    assert overflows(out) == [("c2", "callback", "+15550009999")]
    assert h.acd.call_state("c2").position == 2  # type: ignore[union-attr]
    assert overflows(h.join("c3", "q")) == [("c3", "callback", "+15550009999")]  # still full
    h.leave("c2", reason="cancelled")  # the callback is withdrawn
    assert h.acd.call_state("c2").state is CallState.ABANDONED  # type: ignore[union-attr]
    assert offers(h.login("a")) == [("c1", "a")]


def test_max_wait_while_ringing_overflows_only_if_the_offer_fails() -> None:
    queue = {"max_wait": 20.0, "overflow": Overflow("voicemail", "main"), "ring_timeout": 15.0}
    h = harness({"q": queue}, {"a1": "q", "a2": "q"})
    h.join("c1", "q")
    h.join("c2", "q")
    h.advance(10)
    h.login("a1")  # c1 rings a1 from 10 to 25
    assert overflows(h.advance(10)) == [("c2", "voicemail", "main")]  # c2 waited 20 s
    out = h.advance(5)
    assert overflows(out) == [("c1", "voicemail", "main")]  # rang out past its max wait
    h.login("a2")
    h.join("c3", "q")
    h.advance(14)
    h.answer("c3", "a2")  # connected before its max wait: it stays
    assert overflows(h.advance(30)) == []
