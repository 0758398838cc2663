"""Outbound calls obey the do-not-call list and the callee's local calling hours."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactcenter.dialer.compliance import Callee, CallingWindow, check_call

WINDOW = CallingWindow()
NOON_UTC = dt.datetime(2026, 12, 2, 17, 0, tzinfo=dt.UTC)  # 12:00 in New York


def test_a_number_on_the_do_not_call_list_is_never_called() -> None:
    refusal = check_call(Callee(number="+15550001001", do_not_call=True,
                                time_zone="America/New_York"), NOON_UTC, WINDOW)
    assert refusal is not None and refusal.rule == "do_not_call"
    assert "do-not-call" in refusal.reason


def test_the_callees_own_time_counts_not_ours() -> None:
    # 17:00 UTC is noon in New York but 02:00 the next day in Tokyo
    assert check_call(Callee(number="+1", time_zone="America/New_York"), NOON_UTC, WINDOW) is None
    refusal = check_call(Callee(number="+81", time_zone="Asia/Tokyo"), NOON_UTC, WINDOW)
    assert refusal is not None and refusal.rule == "calling_hours"
    assert "02:00 in Asia/Tokyo" in refusal.reason and "08:00-21:00" in refusal.reason


def test_the_window_includes_its_start_and_excludes_its_end() -> None:
    callee = Callee(number="+1", time_zone="America/New_York")
    at = lambda hour, minute: dt.datetime(2026, 12, 2, hour, minute,
                                          tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert check_call(callee, at(8, 0), WINDOW) is None
    assert check_call(callee, at(7, 59), WINDOW) is not None
    assert check_call(callee, at(20, 59), WINDOW) is None
    assert check_call(callee, at(21, 0), WINDOW) is not None


def test_a_number_spanning_zones_must_be_in_hours_in_each() -> None:
    # 13:30 UTC: 08:30 in New York but 05:30 in Los Angeles
    early = dt.datetime(2026, 12, 2, 13, 30, tzinfo=dt.UTC)
    callee = Callee(number="+1555", number_zones=("America/New_York", "America/Los_Angeles"))
    refusal = check_call(callee, early, WINDOW)
    assert refusal is not None and "America/Los_Angeles" in refusal.reason


def test_an_unknown_local_time_is_not_a_licence_to_call() -> None:
    refusal = check_call(Callee(number="+999", number_zones=("Etc/Unknown",)), NOON_UTC, WINDOW)
    assert refusal is not None and refusal.rule == "calling_hours"


def test_a_naive_time_is_a_bug_of_the_caller() -> None:
    with pytest.raises(ValueError):
        check_call(Callee(number="+1", time_zone="UTC"), dt.datetime(2026, 1, 1), WINDOW)


@given(minutes=st.integers(0, 7 * 24 * 60), zone=st.sampled_from(
    ["America/New_York", "Europe/Paris", "Asia/Kolkata", "Australia/Lord_Howe"]))
def test_an_allowed_call_is_always_inside_the_window_locally(minutes: int, zone: str) -> None:
    now = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    allowed = check_call(Callee(number="+1", time_zone=zone), now, WINDOW) is None
    local = now.astimezone(ZoneInfo(zone)).time()
    assert allowed == (dt.time(8) <= local < dt.time(21))
