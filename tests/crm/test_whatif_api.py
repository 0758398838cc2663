"""POST /api/v1/analytics/whatif and ``contactcenter analytics whatif``: a queue's forecast
day run on the simulator, from planted history, on both databases."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
from pathlib import Path

import pytest

from contactcenter.cli import main
from contactcenter.telephony.sim.whatif_report import COLUMNS
from crm_core.models import Interaction
from tests.crm.api_client import Api
from tests.crm.call_history_support import call, plant

ROUTE = "/api/v1/analytics/whatif"
#: a Monday; its history is the three Mondays before it
DAY = "2026-11-23"
BODY = {"date": DAY, "queue": "sales", "weeks": 3, "replications": 2}


def _three_mondays() -> list[Interaction]:
    """Each Monday of the three weeks before 23 November, 10:00-11:00: 40 calls answered
    after 10 s with 170 s of talk and 10 s of wrap-up (20 a half hour), and 4 callers
    gone after 30 s (at 10:01, 10:14, 10:27 and 10:40)."""
    rows = []
    for week in range(3):
        ten = dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC) + dt.timedelta(weeks=week)
        rows += [call(ten + dt.timedelta(seconds=90 * n), wait=10.0, talk=170.0, wrap=10.0,
                      agent="agent101") for n in range(40)]
        rows += [call(ten + dt.timedelta(minutes=13 * n + 1), outcome="abandoned_in_queue",
                      wait=30.0) for n in range(4)]
    return rows


async def test_a_manager_runs_the_planned_day(api: Api) -> None:
    await plant(api.engine, _three_mondays())
    status, body = await api.call("POST", ROUTE, "manager", json=BODY)
    assert status == 200, body
    assert body["aht"] == pytest.approx(180.0) and body["base"] == "erlang_a"
    slots = body["slots"]
    assert len(slots) == 48 and slots[20]["start"] == "2026-11-23T10:00:00+00:00"
    ten = slots[20]
    assert ten["calls"] == pytest.approx(23.0)  # the same 20 + 3 each Monday
    assert ten["agents"] == ten["erlang_a_agents"] > 0
    assert ten["simulated"]["offered"]["mean"] > 0
    assert ten["erlang_a"]["service_level"] >= 0.8
    assert slots[10]["simulated"]["offered"]["mean"] == 0 and slots[10]["erlang_a"] is None
    assert body["day"]["simulated"]["offered"]["mean"] == pytest.approx(
        body["simulated_calls"] / 2)


async def test_an_override_leaves_a_half_hour_without_agents(api: Api) -> None:
    await plant(api.engine, _three_mondays())
    asked = {**BODY, "overrides": ["10:00-10:30:=0"], "base": "erlang_c"}
    status, body = await api.call("POST", ROUTE, "supervisor", json=asked)
    assert status == 200, body
    ten, half_past = body["slots"][20], body["slots"][21]
    assert (ten["agents"], ten["erlang_c_agents"] > 0) == (0, True)
    assert half_past["agents"] == half_past["erlang_c_agents"]
    assert ten["erlang_a"]["service_level"] == 0.0
    assert ten["simulated"]["service_level"]["mean"] < 0.3  # only once 10:30's agents come


async def test_the_manager_s_own_numbers_as_csv(api: Api) -> None:
    await plant(api.engine, _three_mondays())
    asked = {**BODY, "agents": [3] * 48, "format": "csv"}
    async with api.client.post(ROUTE, json=asked, headers={
            "Authorization": f"Bearer {api.token('admin')}"}) as response:
        assert response.status == 200 and response.content_type == "text/csv"
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 49
    assert rows[20]["agents"] == "3" and rows[48]["start"] == DAY


@pytest.mark.parametrize("change, field", [
    ({"date": None}, "date"),
    ({"date": "23/11/2026"}, "date"),
    ({"date": "2099-01-01"}, "date"),
    ({"queue": ""}, "queue"),
    ({"queue": "billing"}, "queue"),  # never called
    ({"date": "2026-01-05"}, "date"),  # no calls in the weeks before
    ({"overrides": ["noon:-2"]}, "overrides.0"),
    ({"overrides": ["12:15-14:00:-2"]}, "overrides"),
    ({"overrides": ["14:00-12:00:-2"]}, "overrides"),
    ({"agents": [1, 2]}, "agents"),
    ({"replications": 21}, "replications"),
    ({"target": 1}, "target"),
    ({"sl_seconds": "20"}, "sl_seconds"),
    ({"shifts": []}, "shifts"),
])
async def test_bad_input_names_the_field(api: Api, change: dict[str, object],
                                         field: str) -> None:
    await plant(api.engine, _three_mondays())
    asked = {key: value for key, value in {**BODY, **change}.items() if value is not None}
    status, body = await api.call("POST", ROUTE, "admin", json=asked)
    assert (status, body["field"]) == (422, field), body


async def test_a_history_without_abandons_runs_erlang_c_s_plan(api: Api) -> None:
    await plant(api.engine, [row for row in _three_mondays() if row.outcome == "answered"])
    status, body = await api.call("POST", ROUTE, "admin", json=BODY)
    assert status == 200, body
    assert (body["base"], body["patience"], body["slots"][20]["erlang_a"]) == (
        "erlang_c", None, None)
    assert body["slots"][20]["simulated"]["abandoned"]["mean"] == 0  # nobody hangs up
    status, body = await api.call("POST", ROUTE, "admin", json={**BODY, "base": "erlang_a"})
    assert (status, body["field"]) == (422, "base"), body


async def test_agents_are_refused_and_a_token_is_required(api: Api) -> None:
    assert (await api.call("POST", ROUTE, "agent", json=BODY))[0] == 403
    assert (await api.call("POST", ROUTE, None, json=BODY))[0] == 401


async def _run(argv: list[str]) -> int:
    """The command line, on a thread of its own: it runs its own event loop."""
    return await asyncio.to_thread(main, argv)


async def test_the_command_prints_the_day(api: Api, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if api.engine.dialect.name != "sqlite":
        pytest.skip("the command reads the database its settings name: a file on SQLite")
    await plant(api.engine, _three_mondays())
    monkeypatch.setenv("CC_DATABASE_URL", api.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CC_STATE_DIR", str(tmp_path / "state"))
    command = ["analytics", "whatif", "--date", DAY, "--queue", "sales", "--weeks", "3",
               "--replications", "2", "--agents-delta", "10:00-10:30:-1"]
    assert await _run(command + ["--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 49 and float(rows[20]["calls"]) == pytest.approx(23.0)
    assert await _run(command) == 0
    table = capsys.readouterr().out
    heading, _columns, ten = table.splitlines()[1:4]
    assert heading.startswith("agents: erlang_a's plan, 10:00-10:30:-1; 2 replications")
    assert ten.startswith("10:00-10:30") and table.splitlines()[-1].startswith("day")
    assert await _run(["analytics", "whatif", "--date", DAY, "--queue", "billing"]) == 1
    assert "queue: no calls to queue 'billing'" in capsys.readouterr().err
    assert await _run(command + ["--agents-delta", "noon"]) == 2
