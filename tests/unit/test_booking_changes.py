"""What may become of a booked callback once made (``contactcenter.calls.callback.changes``)
and the customer's private link to it (``contactcenter.web.booking_links``): a booking
changes only while booked and before its slot; a moving booking does not take room from
itself; a queue gone from the config orphans its open bookings; a link opens only its
own booking, untouched and before its time. And through the engine: whatever
customers book, move and cancel, no slot holds more than its capacity and no number
two open bookings."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.acd import parse_acd
from contactcenter.calls.callback.changes import (
    PAST,
    change_refused,
    others,
    reconciled,
    target,
)
from contactcenter.calls.callback.slots import Slot
from contactcenter.engine.booking_store import BookingStore
from contactcenter.engine.bookings import BookingRefused, Bookings
from contactcenter.signing import Signer
from contactcenter.web.booking_links import BookingLinks, LinkCheck

STATES = ("booked", "due", "dialed", "refused", "withdrawn", "cancelled", "orphaned")
LINKS = BookingLinks(b"k" * 32)


def test_a_booking_changes_only_while_booked_and_before_its_slot() -> None:
    assert change_refused("booked", 100.0, 99.0) is None
    past = change_refused("booked", 100.0, 100.0)
    assert past is not None and (past.rule, past.reason) == ("past", PAST)
    dialed = change_refused("dialed", 100.0, 0.0)
    assert dialed is not None and dialed.reason == "the call was made already"
    cancelled = change_refused("cancelled", 100.0, 0.0)
    assert cancelled is not None and cancelled.rule == "cancelled"


@given(st.sampled_from(STATES), st.floats(-1e9, 1e9), st.floats(-1e9, 1e9))
def test_only_a_booked_booking_before_its_start_may_change(state: str, start: float,
                                                          now: float) -> None:
    allowed = change_refused(state, start, now) is None
    assert allowed == (state == "booked" and now < start)


@given(st.lists(st.sampled_from([0.0, 1800.0, 3600.0]), max_size=12),
       st.sampled_from([0.0, 1800.0, 3600.0]))
def test_a_moving_booking_frees_only_its_own_place(starts: list[float], own: float) -> None:
    counted = others([*starts, own], own)
    for start in (0.0, 1800.0, 3600.0):
        assert counted[start] == starts.count(start)


def test_a_move_lands_only_on_a_slot_offered() -> None:
    slots = [Slot(start=0.0, end=1800.0, capacity=2, booked=0),
             Slot(start=3600.0, end=5400.0, capacity=2, booked=1)]
    assert target(slots, 3600.0) == slots[1]
    assert target(slots, 1800.0) is None


@given(st.sampled_from(STATES), st.booleans(), st.floats(0, 100), st.floats(0, 100))
def test_an_open_booking_of_a_queue_gone_is_orphaned_and_comes_back_before_its_slot(
        state: str, configured: bool, start: float, now: float) -> None:
    queues = {"support"} if configured else {"sales"}
    became = reconciled(state, "support", start, queues, now)
    if state in ("booked", "due") and not configured:
        assert became == "orphaned"  # never dialed: no queue has agents for it
    elif state == "orphaned" and configured and start > now:
        assert became == "booked"
    else:
        assert became is None  # the rest stays as it was: nothing dialed twice


def test_a_link_opens_its_own_booking_until_its_time() -> None:
    token = LINKS.token("booking-1", 1000.0)
    assert LINKS.check(token, "booking-1", 999.0) is LinkCheck.VALID
    assert LINKS.check(token, "booking-1", 1000.0) is LinkCheck.EXPIRED
    assert LINKS.check(token, "booking-2", 0.0) is LinkCheck.OTHER_BOOKING
    assert BookingLinks(b"j" * 32).check(token, "booking-1", 0.0) is LinkCheck.FORGED
    assert LINKS.page("booking-1", 1000.0) == f"/help/bookings/booking-1/{token}"


def test_a_link_signed_for_another_purpose_does_not_open_a_booking() -> None:
    other = Signer(b"k" * 32, "recording play links").sign({"b": "booking-1", "e": 1e12})
    assert LINKS.check(other, "booking-1", 0.0) is LinkCheck.FORGED


@given(st.text(max_size=200))
def test_no_changed_or_made_up_link_passes(tampered: str) -> None:
    token = LINKS.token("booking-1", 1e12)
    if tampered != token:
        assert LINKS.check(tampered, "booking-1", 0.0) is LinkCheck.FORGED


@given(st.integers(0, 80), st.characters(codec="ascii"))
def test_a_link_changed_in_one_character_is_refused(at: int, char: str) -> None:
    token = LINKS.token("booking-1", 1e12)
    changed = token[:at] + char + token[at + 1:]
    if changed != token:
        assert LINKS.check(changed, "booking-1", 0.0) is not LinkCheck.VALID


#: one agent, ten-minute slots, one callback of a minute: 0.5 x 1 x 600 / 60 = 5 a slot
ONE_SLOT_RULES = {"slot_seconds": 600, "lead_seconds": 0, "handle_seconds": 60}
CONFIG = parse_acd({"queues": {"support": {"callback_slots": ONE_SLOT_RULES}}},
                   {"agents": {"agent101": {"queues": {"support": 1}}}})
NOW = 1_800_000_000.0  # on the grid of ten-minute slots
STARTS = [NOW + 600 * step for step in range(1, 4)]
Step = tuple[str, int, int]  # (book, move or cancel; which number; which slot)


async def _run(steps: list[Step], folder: Path) -> Bookings:
    bookings = Bookings(CONFIG, line=_NoLine(), gate=None,
                        store=BookingStore(folder / "bookings.jsonl"),
                        clock=lambda: NOW, publish=lambda event: None)
    held: dict[int, str] = {}
    for action, who, where in steps:
        number = f"+1555000{who:04d}"
        with contextlib.suppress(BookingRefused, ValueError, KeyError):
            if action == "book":
                held[who] = (await bookings.book("support", number, STARTS[where],
                                                 source="api")).id
            elif action == "move" and who in held:
                await bookings.move(held[who], STARTS[where])
            elif action == "cancel" and who in held:
                bookings.cancel(held[who], by="customer")
    return bookings


class _NoLine:
    def request_callback(self, call_id: str, **_: object) -> None:
        raise AssertionError("nothing is due before its slot")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["book", "move", "cancel"]), st.integers(0, 8),
                          st.integers(0, 2)), max_size=40))
def test_moves_and_cancels_never_overfill_a_slot_nor_double_book_a_number(
        steps: list[Step]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        bookings = asyncio.run(_run(steps, Path(folder)))
        kept = bookings.listing()
    taken = Counter(b.start for b in kept if b.state != "cancelled")
    assert all(count <= 5 for count in taken.values()), taken
    open_numbers = Counter(b.number for b in kept if b.open)
    assert all(count == 1 for count in open_numbers.values())
    assert {b.start for b in kept} <= set(STARTS)
