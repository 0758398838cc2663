"""GET /api/v1/analytics/calls and /staffing: the figures, their CSV, who may read them and
the 4xx that name the field, on both databases."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from contactcenter.acd.erlang import agents_needed
from crm_core.models import Interaction
from tests.crm.api_client import Api
from tests.crm.call_history_support import call, monday_morning, plant

CALLS = "/api/v1/analytics/calls?from=2026-11-02&to=2026-11-16"
#: a Monday; its history is the three Mondays before it
STAFFING = "/api/v1/analytics/staffing?queue=sales&day=2026-11-23&weeks=3"


async def test_a_supervisor_reads_a_queue_s_half_hour(api: Api) -> None:
    await plant(api.engine, monday_morning())
    status, body = await api.call("GET", f"{CALLS}&sl_seconds=20", "supervisor")
    assert status == 200, body
    first = body["rows"][0]
    assert (first["key"], first["start"]) == ("sales", "2026-11-02T10:00:00+00:00")
    assert (first["offered"], first["answered"], first["abandoned"]) == (10, 8, 2)
    assert first["service_level"] == pytest.approx(6 / 9)
    assert (body["by"], body["interval"], body["sl_seconds"]) == ("queue", "30min", 20.0)


async def test_by_agent_and_by_the_hour(api: Api) -> None:
    await plant(api.engine, monday_morning())
    status, body = await api.call("GET", f"{CALLS}&by=agent&interval=hour")
    assert status == 200, body
    ten = {row["key"]: row for row in body["rows"] if row["start"].startswith("2026-11-02T10")}
    assert (ten["agent101"]["answered"], ten["agent102"]["answered"]) == (5, 4)


async def test_the_history_as_csv(api: Api) -> None:
    await plant(api.engine, monday_morning() + [call(dt.datetime(2026, 11, 3, tzinfo=dt.UTC),
                                                     queue="=HYPERLINK(1)")])
    async with api.client.get(f"{CALLS}&format=csv", headers={
            "Authorization": f"Bearer {api.token('admin')}"}) as response:
        assert response.status == 200
        assert response.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    first = rows[0]
    assert (first["key"], first["offered"], first["answered_within"]) == ("sales", "10", "6")
    assert float(first["aht"]) == pytest.approx(155.0)
    [support] = [row for row in rows if row["key"] == "support"]
    assert support["asa"] == ""  # nobody answered: no average to speak of
    assert "'=HYPERLINK(1)" in {row["key"] for row in rows}  # a queue name is no formula


@pytest.mark.parametrize("role", ["manager", "supervisor", "admin"])
async def test_managers_supervisors_and_admins_read_the_history(api: Api, role: str) -> None:
    await plant(api.engine, monday_morning())
    status, body = await api.call("GET", CALLS, role)
    assert status == 200, body
    assert body["rows"][0]["offered"] == 10


@pytest.mark.parametrize("role", ["agent", "sales", "marketing"])
async def test_agents_and_other_roles_are_refused(api: Api, role: str) -> None:
    assert (await api.call("GET", CALLS, role))[0] == 403
    assert (await api.call("GET", STAFFING, role))[0] == 403
    assert (await api.call("GET", CALLS, None))[0] == 401


@pytest.mark.parametrize("query, status, field", [
    ("?to=2026-11-16", 400, "from"),
    ("?from=2026-11-02", 400, "to"),
    ("?from=monday&to=2026-11-16", 400, "from"),
    ("?from=2026-11-16&to=2026-11-02", 422, "to"),
    ("?from=2020-01-01&to=2026-01-01&interval=day", 422, "to"),
    ("?from=2026-01-01&to=2026-12-01&interval=15min", 422, "interval"),
    (f"{CALLS[CALLS.index('?'):]}&by=team", 400, "by"),
    (f"{CALLS[CALLS.index('?'):]}&interval=2h", 400, "interval"),
    (f"{CALLS[CALLS.index('?'):]}&sl_seconds=-1", 400, "sl_seconds"),
    (f"{CALLS[CALLS.index('?'):]}&sl_seconds=nan", 400, "sl_seconds"),
    (f"{CALLS[CALLS.index('?'):]}&short_abandon_seconds=soon", 400, "short_abandon_seconds"),
    (f"{CALLS[CALLS.index('?'):]}&fcr_days=1000", 400, "fcr_days"),
    (f"{CALLS[CALLS.index('?'):]}&format=xml", 400, "format"),
    (f"{CALLS[CALLS.index('?'):]}&queue={'q' * 65}", 400, "queue"),
])
async def test_bad_history_input_names_the_field(api: Api, query: str, status: int,
                                                 field: str) -> None:
    answer, body = await api.call("GET", f"/api/v1/analytics/calls{query}")
    assert (answer, body["field"]) == (status, field), body


def _three_mondays() -> list[Interaction]:
    """Each Monday 10:00-10:30 of the three weeks before 23 November: 20 calls answered
    after 10 s with 170 s of talk and 10 s of wrap-up, and 2 callers gone after 30 s."""
    rows = []
    for week in range(3):
        ten = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC) + dt.timedelta(weeks=week)
        rows += [call(ten + dt.timedelta(minutes=minute), wait=10.0, talk=170.0, wrap=10.0,
                      agent="agent101") for minute in range(20)]
        rows += [call(ten + dt.timedelta(minutes=25 + n), outcome="abandoned_in_queue",
                      wait=30.0) for n in range(2)]
    return rows


async def test_staffing_a_day_from_the_weeks_before_it(api: Api) -> None:
    await plant(api.engine, _three_mondays())
    status, body = await api.call("GET", f"{STAFFING}&target=0.8&within=20", "supervisor")
    assert status == 200, body
    assert body["history"]["aht"] == pytest.approx(180.0)
    assert body["history"]["patience"] == pytest.approx(3 * (20 * 10 + 2 * 30) / 6)
    slots = body["slots"]
    assert len(slots) == 48 and slots[20]["start"] == "2026-11-23T10:00:00+00:00"
    assert slots[20]["calls"] == pytest.approx(22.0)  # the same 22 each Monday
    assert slots[20]["traffic"] == pytest.approx(2.2)
    assert slots[20]["erlang_c_agents"] == agents_needed(2.2, 180.0, 20.0, 0.8)
    assert slots[20]["erlang_a_agents"] <= slots[20]["erlang_c_agents"]
    assert (slots[19]["calls"], slots[19]["erlang_c_agents"]) == (0.0, 0)
    check = body["forecast_check"]
    assert check["model"]["mae"] == pytest.approx(0.0)  # the pattern repeats exactly


async def test_staffing_as_csv(api: Api) -> None:
    await plant(api.engine, _three_mondays())
    async with api.client.get(f"{STAFFING}&format=csv&patience=60", headers={
            "Authorization": f"Bearer {api.token('supervisor')}"}) as response:
        assert response.status == 200 and response.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert len(rows) == 48 and rows[20]["erlang_c_agents"] == str(
        agents_needed(2.2, 180.0, 20.0, 0.8))
    assert rows[0]["erlang_c_service_level"] == ""  # no calls: no service level to speak of


@pytest.mark.parametrize("query, status, field", [
    ("?queue=sales", 400, "day"),
    ("?queue=sales&day=23-11-2026", 400, "day"),
    ("?queue=sales&day=2099-01-01", 422, "day"),
    (f"{STAFFING[STAFFING.index('?'):]}&target=1", 400, "target"),
    (f"{STAFFING[STAFFING.index('?'):]}&within=-5", 400, "within"),
    (f"{STAFFING[STAFFING.index('?'):]}&patience=0", 400, "patience"),
    ("?queue=sales&day=2026-11-23&weeks=1", 400, "weeks"),
    ("?queue=sales&day=2026-11-23&weeks=two", 400, "weeks"),
    ("?queue=nobody&day=2026-11-23", 422, "queue"),
])
async def test_bad_staffing_input_names_the_field(api: Api, query: str, status: int,
                                                  field: str) -> None:
    await plant(api.engine, _three_mondays())
    answer, body = await api.call("GET", f"/api/v1/analytics/staffing{query}")
    assert (answer, body["field"]) == (status, field), body


async def test_a_history_without_waiting_still_staffs(api: Api) -> None:
    # nobody waited, yet one caller gave up: a patience of 0 s, floored at 1 s for Erlang A
    monday = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)
    await plant(api.engine, [call(monday, talk=100.0, wrap=0.0, agent="agent101"),
                             call(monday, outcome="abandoned_in_queue", wait=0.0)])
    status, body = await api.call("GET", "/api/v1/analytics/staffing?day=2026-11-23&weeks=2")
    assert status == 200, body
    assert (body["history"]["patience"], body["target"]["patience"]) == (0.0, 1.0)
    assert body["slots"][18]["erlang_a_agents"] >= 1


async def test_a_history_of_too_many_rows_is_refused_naming_the_interval(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Intervals times agents, not intervals alone, bound an answer's size."""
    from contactcenter.web import analytics_routes
    await plant(api.engine, monday_morning())
    monkeypatch.setattr(analytics_routes, "MAX_ROWS", 3)
    status, body = await api.call("GET", f"{CALLS}&by=agent&interval=15min")
    assert status == 422, body
    assert body["field"] == "interval" and "more than 3" in body["error"]
    status, body = await api.call("GET", f"{CALLS}&by=agent&interval=week")
    assert status == 200 and len(body["rows"]) <= 3
