"""The slot rule of booked callbacks (``contactcenter.calls.callback.slots``): examples,
and hypothesis invariants: no slot outside the queue's hours, none over its capacity,
none in the past (or sooner than the lead time), none outside the number's calling
hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.acd.model import SlotRules
from contactcenter.calls.callback.records import promised
from contactcenter.calls.callback.slots import capacity, offered, refusal
from contactcenter.calls.window import inside, utc
from contactcenter.dialer.compliance import Callee, CallingWindow
from contactcenter.ivr.hours import Schedule, build_schedule, parse_range

NEW_YORK = "America/New_York"
#: Monday 7 December 2026, 12:00 in New York
MONDAY_NOON = dt.datetime(2026, 12, 7, 12, 0, tzinfo=ZoneInfo(NEW_YORK)).timestamp()
OFFICE = build_schedule(NEW_YORK, {day: [parse_range("09:00-17:00")]
                                   for day in ("mon", "tue", "wed", "thu", "fri")})
RULES = SlotRules(slot_seconds=1800, lead_seconds=900, days_ahead=7, share=0.5,
                  handle_seconds=300)
WINDOW = CallingWindow(start=dt.time(8), end=dt.time(21))


def _local(moment: float, zone: str = NEW_YORK) -> dt.datetime:
    return dt.datetime.fromtimestamp(moment, ZoneInfo(zone))


def test_capacity_is_the_share_of_the_spare_agents_time() -> None:
    # 2 spare agents x 1800 s x 0.5 / 300 s a callback = 6
    assert capacity(2, RULES) == 6
    assert capacity(0, RULES) == 0
    assert capacity(-3, RULES) == 0
    assert capacity(float("nan"), RULES) == 0


def test_slots_start_after_the_lead_time_inside_the_hours() -> None:
    slots = offered(now=MONDAY_NOON, rules=RULES, hours=OFFICE, spare=lambda start: 1,
                    booked={}, limit=100)
    first = _local(slots[0].start)
    assert (first.hour, first.minute) == (12, 30)  # 12:15 at the earliest, on the grid
    last_today = [slot for slot in slots if _local(slot.start).day == 7][-1]
    assert (_local(last_today.end).hour, _local(last_today.end).minute) == (17, 0)
    assert _local(slots[10].start).weekday() == 1  # Tuesday 09:00 follows Monday 16:30
    assert all(slot.capacity == 3 and slot.left == 3 for slot in slots)


def test_a_full_slot_is_not_offered() -> None:
    now = MONDAY_NOON
    first = offered(now=now, rules=RULES, hours=OFFICE, spare=lambda s: 1, booked={})[0]
    again = offered(now=now, rules=RULES, hours=OFFICE, spare=lambda s: 1,
                    booked={first.start: first.capacity})
    assert again[0].start == first.start + RULES.slot_seconds
    some = offered(now=now, rules=RULES, hours=OFFICE, spare=lambda s: 1,
                   booked={first.start: 1})
    assert (some[0].start, some[0].left) == (first.start, first.capacity - 1)


def test_no_spare_agents_no_slots() -> None:
    assert offered(now=MONDAY_NOON, rules=RULES, hours=OFFICE, spare=lambda s: 0,
                   booked={}) == []


def test_the_numbers_calling_hours_narrow_the_slots() -> None:
    """A number in Los Angeles may not be rung before 08:00 there (11:00 in New York)."""
    la = [ZoneInfo("America/Los_Angeles")]
    slots = offered(now=MONDAY_NOON + 6 * 3600, rules=RULES, hours=OFFICE,
                    spare=lambda s: 1, booked={}, zones=la, window=WINDOW)
    first = _local(slots[0].start)
    assert (first.weekday(), first.hour, first.minute) == (1, 11, 0)
    assert offered(now=MONDAY_NOON, rules=RULES, hours=OFFICE, spare=lambda s: 1,
                   booked={}, zones=[], window=WINDOW) == []


def test_refusals_name_the_gates_rule() -> None:
    window = WINDOW
    blocked = Callee(number="+15550001001", do_not_call=True, time_zone=NEW_YORK)
    assert refusal(blocked, None, window)[0] == "do_not_call"  # type: ignore[index]
    nowhere = Callee(number="+15550001001")
    assert refusal(nowhere, None, window)[0] == "unknown_time_zone"  # type: ignore[index]
    known = Callee(number="+15550001001", time_zone=NEW_YORK)
    assert refusal(known, None, window) is None
    night = dt.datetime(2026, 12, 7, 22, 0, tzinfo=ZoneInfo(NEW_YORK)).timestamp()
    rule, reason = refusal(known, (night, night + 1800), window)  # type: ignore[misc]
    assert rule == "calling_hours" and "22:00" in reason
    assert refusal(known, (MONDAY_NOON, MONDAY_NOON + 1800), window) is None


# -- invariants -------------------------------------------------------------------------

_ranges = st.sampled_from(["00:00-24:00", "08:00-18:00", "09:00-12:00", "13:30-17:45",
                           "06:15-06:45", "20:00-23:00"])
_weekly = st.dictionaries(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
                          st.lists(_ranges, min_size=1, max_size=2), max_size=7)
_rules = st.builds(SlotRules, slot_seconds=st.sampled_from([600, 900, 1800, 3600]),
                   lead_seconds=st.integers(0, 7200), days_ahead=st.integers(1, 3),
                   share=st.floats(0.05, 1), handle_seconds=st.floats(60, 1800))
_zones = st.sampled_from(["America/New_York", "Europe/Paris", "Asia/Kolkata",
                          "Australia/Adelaide", "UTC"])


def _schedule(zone: str, weekly: dict[str, list[str]]) -> Schedule:
    """(Ranges of a day may overlap: ``is_open`` asks whether any holds.)"""
    return build_schedule(zone, {day: [parse_range(text) for text in texts]
                                 for day, texts in weekly.items()})


@settings(max_examples=60, deadline=None)
@given(now=st.floats(1.7e9, 1.9e9), rules=_rules, zone=_zones, weekly=_weekly,
       spare=st.integers(0, 6), taken=st.integers(0, 30), callee_zone=_zones,
       known=st.booleans())
def test_slots_keep_the_rule(now: float, rules: SlotRules, zone: str,
                             weekly: dict[str, list[str]], spare: int, taken: int,
                             callee_zone: str, known: bool) -> None:
    hours = _schedule(zone, weekly)
    grid = rules.slot_seconds
    booked = {float((int(now) // grid + k) * grid): taken % 7 for k in range(0, 60, 3)}
    zones = [ZoneInfo(callee_zone)] if known else None
    slots = offered(now=now, rules=rules, hours=hours, spare=lambda start: spare,
                    booked=booked, zones=zones, window=WINDOW if known else None, limit=20)
    for slot in slots:
        assert slot.start >= now + rules.lead_seconds  # never in the past, nor too soon
        assert slot.start <= now + rules.days_ahead * 86_400
        assert slot.end - slot.start == rules.slot_seconds
        assert slot.booked == booked.get(slot.start, 0) < slot.capacity  # room left
        assert slot.capacity == capacity(spare, rules)
        for moment in (slot.start, slot.start + grid / 2, slot.end - 1):
            assert hours.is_open(moment)  # never outside the queue's hours
            if zones is not None:
                assert inside(zones, utc(moment), WINDOW)  # nor the number's hours
    starts = [slot.start for slot in slots]
    assert starts == sorted(set(starts))


@settings(max_examples=30, deadline=None)
@given(now=st.floats(1.7e9, 1.9e9), rules=_rules, spare=st.integers(1, 4))
def test_booking_each_offered_slot_never_exceeds_its_capacity(
        now: float, rules: SlotRules, spare: int) -> None:
    """Booking the first slot offered, again and again, fills slots up to their
    capacity and never beyond."""
    booked: dict[float, int] = {}
    for _ in range(40):
        slots = offered(now=now, rules=rules, hours=None, spare=lambda start: spare,
                        booked=booked, limit=1)
        if not slots:
            break
        booked[slots[0].start] = booked.get(slots[0].start, 0) + 1
    assert all(count <= capacity(spare, rules) for count in booked.values())


def test_a_slot_booked_in_the_ivr_is_no_promise_to_restore_from_the_journal() -> None:
    """The bookings keep it (bookings.jsonl); restoring it from the journal too would call
    the customer at once as well as at their time."""
    asked = {"type": "callback.requested", "call_id": "c1", "number": "+15550001002",
             "queue": "support", "time": 1.0, "variables": {}}
    assert promised([asked]) == ("support", "+15550001002", 1.0)
    booked = {**asked, "variables": {"callback_slot": "next"}}
    assert promised([booked]) is None
