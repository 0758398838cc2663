"""Bookings across a restart of the app: one not yet due waits for its slot again; one
whose slot came and that no agent took yet is handed to the ACD again at start; one
whose slot passed while the app was down is handed over at once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contactcenter.acd import parse_acd
from contactcenter.engine.booking_store import BookingStore
from contactcenter.engine.bookings import Bookings

CONFIG = parse_acd(
    {"queues": {"support": {"callback_slots": {"slot_seconds": 600, "lead_seconds": 0,
                                             "handle_seconds": 60}}}},
    {"agents": {"agent101": {"queues": {"support": 1}}}})
#: the same agents, with no support queue any more
GONE = parse_acd({"queues": {"sales": {}}}, {"agents": {"agent101": {"queues": {"sales": 1}}}})
NOW = 1_800_000_000.0  # on the grid of ten-minute slots


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


class Line:
    """The ACD's side: what was handed to it."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, float | None, str]] = []

    def request_callback(self, call_id: str, *, since: float | None = None,
                         source: Any = "", **_: Any) -> None:
        self.asked.append((call_id, since, source))


def _bookings(path: Path, clock: Clock, line: Line) -> Bookings:
    return Bookings(CONFIG, line=line, gate=None, store=BookingStore(path), clock=clock,
                    publish=lambda event: None)


async def test_bookings_are_handed_over_once_at_their_time_and_again_after_a_restart(
        tmp_path: Path) -> None:
    path, clock, line = tmp_path / "bookings.jsonl", Clock(), Line()
    first = _bookings(path, clock, line)
    soon = await first.book("support", "+15550001002", NOW + 600, source="api")
    later = await first.book("support", "+15550001003", NOW + 1800, source="api")
    assert first.next_deadline() == NOW + 600
    clock.now = NOW + 600
    first.tick()
    first.tick()  # once only
    assert line.asked == [(soon.id, NOW + 600, "callback_booked")]
    # the app stops before an agent took it, and starts again after the second's slot
    clock.now = NOW + 2400
    line_after = Line()
    second = _bookings(path, clock, line_after)
    assert {b.id: b.state for b in second.listing()} == {soon.id: "due", later.id: "booked"}
    second.tick()  # what run() does first
    assert line_after.asked == [(soon.id, NOW + 600, "callback_booked"),
                                (later.id, NOW + 1800, "callback_booked")]
    with pytest.raises(ValueError, match="due"):
        second.cancel(later.id)  # its time came: it is the ACD's now
    with pytest.raises(ValueError, match="due"):
        await second.move(later.id, NOW + 3000)  # nor moved by its customer


async def test_a_booking_whose_queue_left_the_config_is_orphaned_not_dialed_nor_lost(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path, clock, line = tmp_path / "bookings.jsonl", Clock(), Line()
    first = _bookings(path, clock, line)
    made = await first.book("support", "+15550001002", NOW + 600, source="api")
    first._store.close()
    # the app starts again with a config that has no support queue any more
    gone = GONE
    published: list[dict[str, Any]] = []
    clock.now = NOW + 1200  # after the slot's start: it would be due
    with caplog.at_level("WARNING"):
        second = Bookings(gone, line=line, gate=None, store=BookingStore(path), clock=clock,
                          publish=published.append)
    orphan = second.get(made.id)
    assert orphan is not None and orphan.state == "orphaned"
    assert orphan.reason == "queue support is no longer configured"
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warned) == 1 and "queue support is no longer configured" in warned[0]
    assert [(e["type"], e["state"], e["by"]) for e in published] == [
        ("callback.changed", "orphaned", "config")]
    second.tick()
    assert line.asked == [] and second.next_deadline() is None  # never dialed
    second._store.close()
    # kept in the file: a third start reads it back, orphaned still, and warns no more
    caplog.clear()
    third = _bookings_with(gone, path, clock, line)
    assert third.get(made.id).state == "orphaned"  # type: ignore[union-attr]
    assert [r for r in caplog.records if r.levelname == "WARNING"] == []
    assert made.id in path.read_text()


async def test_an_orphaned_booking_is_booked_again_when_its_queue_is_back_in_time(
        tmp_path: Path) -> None:
    path, clock, line = tmp_path / "bookings.jsonl", Clock(), Line()
    made = await _bookings(path, clock, line).book("support", "+15550001002", NOW + 1800,
                                                   source="api")
    gone = GONE
    _bookings_with(gone, path, clock, line)._store.close()
    back = _bookings(path, clock, line)  # the queue is configured again before the slot
    assert back.get(made.id).state == "booked"  # type: ignore[union-attr]
    assert back.next_deadline() == NOW + 1800


def _bookings_with(config: Any, path: Path, clock: Clock, line: Line) -> Bookings:
    return Bookings(config, line=line, gate=None, store=BookingStore(path), clock=clock,
                    publish=lambda event: None)


async def test_a_line_whose_times_no_calendar_holds_is_left_out(tmp_path: Path) -> None:
    """A booking's times out of the calendar's years (a file edited by hand) are no
    booking: one long past would be released at start and stop the releases on reading
    its date, one centuries ahead would fail the supervisors' list."""
    path, clock, line = tmp_path / "bookings.jsonl", Clock(), Line()
    made = await _bookings(path, clock, line).book("support", "+15550001002", NOW + 600,
                                                   source="api")
    good = json.loads(path.read_text().splitlines()[0])
    with path.open("a") as lines:
        for name, start in (("past", -1e15), ("ahead", 1e15)):
            lines.write(json.dumps({**good, "id": f"booking-{name}", "start": start,
                                    "end": start + 600}) + "\n")
    clock.now = NOW + 600
    again = _bookings(path, clock, line)
    assert [b.id for b in again.listing()] == [made.id]
    again.tick()
    assert [call_id for call_id, _since, _source in line.asked] == [made.id]
