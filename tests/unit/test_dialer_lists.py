"""A campaign's list from a CSV file: every good row loads, each number once, and every
bad row is reported with its line and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.dialer.lists import ListRecord, read_campaign_list


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "list.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_numbers_are_normalised_merged_and_bad_rows_named(tmp_path: Path) -> None:
    got = read_campaign_list(write(tmp_path, (
        "phone,name,priority\n"
        "(212) 555-0100,Ada,1\n"        # line 2
        "not a number,Bob,0\n"          # line 3: refused
        "+1 212 555 0100,,5\n"          # line 4: Ada again, a higher priority
        ",Carol,0\n"                    # line 5: no number
        "+12125550101,Dan,high\n"       # line 6: a priority that is not one
        "+44 20 7946 0958,Eve,\n")))    # line 7
    assert got.records == [
        ListRecord(number="+12125550100", line=2, name="Ada", priority=5),
        ListRecord(number="+442079460958", line=7, name="Eve", priority=0)]
    assert got.merged == 1
    assert got.bad == [(3, "phone: 'not a number' is not a phone number"),
                       (5, "no phone number"),
                       (6, "priority: 'high' is not a whole number")]


def test_a_file_without_a_phone_column_is_no_list(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="phone"):
        read_campaign_list(write(tmp_path, "name,email\nAda,ada@example.com\n"))


def test_a_broken_record_is_reported_and_the_rows_around_it_load(tmp_path: Path) -> None:
    got = read_campaign_list(write(tmp_path, (
        "phone,name\n+12125550100,Ada\n+12125550101,Bob,extra\n+12125550102,Carol\n")))
    assert [r.name for r in got.records] == ["Ada", "Carol"]
    assert [line for line, _ in got.bad] == [3]


GOOD = st.integers(0, 9999).map(lambda n: f"+1212555{n:04d}")
BAD = st.sampled_from(["", "nope", "12", "+"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(GOOD, BAD), min_size=1, max_size=40))
def test_no_good_row_is_lost_and_every_bad_one_is_named(tmp_path: Path,
                                                        phones: list[str]) -> None:
    got = read_campaign_list(write(tmp_path, "phone\n" + "".join(f"{p}\n" for p in phones)))
    good = [(line, p) for line, p in enumerate(phones, start=2) if p.startswith("+1212")]
    firsts = {p: line for line, p in reversed(good)}
    assert {(r.line, r.number) for r in got.records} == {(ln, p) for p, ln in firsts.items()}
    assert got.merged == len(good) - len(firsts)
    blank = {line for line, p in enumerate(phones, start=2) if not p}
    reported = {line for line, _ in got.bad}
    wrong = {line for line, p in enumerate(phones, start=2) if p and not p.startswith("+1212")}
    assert wrong <= reported <= wrong | blank
