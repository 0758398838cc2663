"""The call journal survives a crash; the bus fans out and cuts off the slow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal


def _call(journal: CallJournal, call_id: str, *, ended: bool) -> None:
    journal.append(
        {
            "type": "call.arrived",
            "call_id": call_id,
            "time": 1.0,
            "caller": "+15550001001",
            "dialed": "5000",
        }
    )
    journal.append({"type": "ivr.step", "call_id": call_id, "time": 1.1, "node": "main"})
    journal.append(
        {
            "type": "ivr.exit",
            "call_id": call_id,
            "time": 2.0,
            "kind": "queue",
            "target": "support",
            "reason": "",
            "variables": {"skill": "support"},
        }
    )
    journal.append({"type": "call.queued", "call_id": call_id, "time": 2.0, "queue": "support"})
    if ended:
        journal.append(
            {
                "type": "call.ended",
                "call_id": call_id,
                "time": 9.0,
                "outcome": "abandoned_in_queue",
                "cause": "left",
            }
        )


def test_records_are_rebuilt_after_a_crash_without_close(tmp_path: Path) -> None:
    path = tmp_path / "calls.jsonl"
    first = CallJournal(path)
    first.open()
    _call(first, "a", ended=True)
    _call(first, "b", ended=False)
    # no close(): the process "crashed"; a torn line is at the end of the file
    with path.open("a") as file:
        file.write('{"type": "ivr.step", "call_')
    second = CallJournal(path)
    second.open()
    assert second.records["a"].outcome == "abandoned_in_queue"
    assert second.records["a"].ivr_path == ["main"]
    assert second.records["a"].exit == {"kind": "queue", "target": "support", "reason": ""}
    assert [record.call_id for record in second.live()] == ["b"]
    assert second.live()[0].state == "queued"
    # the first event after the restart is not glued to the torn line
    second.append({"type": "call.ended", "call_id": "b", "time": 10.0, "outcome": "x"})
    second.close()
    third = CallJournal(path)
    third.open()
    assert third.records["b"].outcome == "x" and third.live() == []
    third.close()


def test_every_event_is_one_json_line(tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    _call(journal, "a", ended=True)
    journal.close()
    lines = (tmp_path / "calls.jsonl").read_text().splitlines()
    assert [json.loads(line)["type"] for line in lines] == [
        "call.arrived",
        "ivr.step",
        "ivr.exit",
        "call.queued",
        "call.ended",
    ]


async def test_bus_fans_out_and_cuts_off_a_subscriber_that_falls_behind() -> None:
    bus = EventBus(checked=False)  # carries anything: the bus alone
    fast = bus.subscribe()
    slow = bus.subscribe(maxsize=2)
    for number in range(3):
        bus.publish({"type": "x", "n": number})
    assert [(await fast.get(0.1))["n"] for _ in range(3)] == [0, 1, 2]
    received = [event async for event in slow]
    assert slow.overflowed and len(received) < 3
    bus.publish({"type": "x", "n": 3})
    assert (await fast.get(0.1))["n"] == 3


def test_memory_stays_bounded_and_ended_calls_keep_their_events(tmp_path: Path) -> None:
    import contactcenter.events.journal as journal_module

    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    keep = journal_module._KEEP_ENDED
    for number in range(keep + 5):
        _call(journal, f"c{number}", ended=True)
    _call(journal, "live", ended=False)
    assert len(journal.records) == keep + 1
    assert "c0" not in journal.records and "c5" in journal.records
    assert [e["type"] for e in journal.records["c5"].all_events()][-1] == "call.ended"
    assert journal.records["c5"].events == []  # archived as text
    journal.close()


async def test_a_batch_is_everything_waiting_and_the_end_comes_after_it() -> None:
    bus = EventBus()
    subscription = bus.subscribe(maxsize=3)
    for n in range(2):
        bus.publish({"type": "agent.state", "n": n})
    assert [e["n"] for e in await subscription.batch() or []] == [0, 1]
    bus.publish({"type": "agent.state", "n": 2})
    bus.close()
    assert [e["n"] for e in await subscription.batch() or []] == [2]  # then the end
    assert await subscription.batch() is None


async def test_a_reader_cut_off_for_falling_behind_gets_the_end() -> None:
    bus = EventBus()
    subscription = bus.subscribe(maxsize=2)
    for n in range(5):
        bus.publish({"type": "agent.state", "n": n})
    assert subscription.overflowed
    batch = await subscription.batch()
    assert batch is not None and len(batch) == 1  # what fitted before the cut
    assert await subscription.batch() is None


def test_an_event_is_encoded_once_for_every_socket() -> None:
    bus = EventBus()
    event = {"type": "agent.state", "agent": "agent101", "note": "<b>"}
    first = bus.encoded(event)
    assert json.loads(first) == event
    assert bus.encoded(event) is first
    assert bus.encoded(dict(event)) == first  # an equal event of its own: encoded anew


def test_only_the_last_figures_of_each_queue_in_a_batch_are_sent() -> None:
    from contactcenter.web.app import superseded_stats_dropped

    events = [{"type": "queue.stats", "queue": "sales", "waiting": 1},
              {"type": "agent.state", "agent": "a"},
              {"type": "queue.stats", "queue": "support", "waiting": 5},
              {"type": "queue.stats", "queue": "sales", "waiting": 2}]
    kept = superseded_stats_dropped(events)
    assert kept == [events[1], events[2], events[3]]


def test_an_event_outside_the_catalogue_is_not_sent(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    subscription = bus.subscribe()
    bus.publish({"type": "call.made_up", "time": 1.0, "call_id": "c1"})
    bus.publish({"type": "agent.state", "time": 1.0, "agent": "a", "state": "available",
                 "reason": "", "since": 1.0, "call_id": None})
    assert subscription.get_nowait()["type"] == "agent.state"  # type: ignore[index]
    assert subscription.get_nowait() is None
    assert "unknown type 'call.made_up'" in caplog.text
