"""Edges of POST /api/v1/analytics/whatif and ``contactcenter analytics whatif``: what
the body may ask for, and where the work runs, on both databases."""

from __future__ import annotations

import threading

import pytest

from contactcenter.web import whatif_routes
from crm_core.metrics import call_whatif
from tests.crm.api_client import Api
from tests.crm.call_history_support import plant
from tests.crm.test_whatif_api import BODY, DAY, ROUTE, _run, _three_mondays


async def test_overrides_cannot_put_more_agents_on_a_slot_than_the_body_may(api: Api) -> None:
    """``agents`` stops at 5,000 a slot; overrides adding up past it would build a floor
    of as many agents as they ask (48 of ``+99999`` is millions, minutes and gigabytes)."""
    await plant(api.engine, _three_mondays())
    asked = {**BODY, "overrides": ["00:00-24:00:+4999", "10:00-10:30:+4999"]}
    status, body = await api.call("POST", ROUTE, "admin", json=asked)
    assert (status, body["field"]) == (422, "overrides"), body
    assert "5,000" in body["error"]
    asked = {**BODY, "agents": [5000] * 48, "overrides": ["00:00-24:00:+1"]}
    status, body = await api.call("POST", ROUTE, "admin", json=asked)
    assert (status, body["field"]) == (422, "overrides"), body


async def test_the_plan_is_worked_out_off_the_event_loop_and_not_at_all_when_refused(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Erlang A's search for a large queue takes seconds of CPU (0.6 s for 2,000 calls a
    half hour, 6 s for 10,000): it must not stop the server's loop, and a day refused
    for its size must be refused before it."""
    await plant(api.engine, _three_mondays())
    threads: list[threading.Thread] = []
    real = call_whatif.plan

    def watched(*args: object, **kwargs: object) -> object:
        threads.append(threading.current_thread())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(call_whatif, "plan", watched)
    status, body = await api.call("POST", ROUTE, "admin", json=BODY)
    assert status == 200, body
    assert threads and threading.main_thread() not in threads
    threads.clear()
    monkeypatch.setattr(whatif_routes, "MAX_CALLS", 50)  # the Mondays' 46 calls, twice
    status, body = await api.call("POST", ROUTE, "admin", json=BODY)
    assert (status, body["field"]) == (422, "replications"), body
    assert threads == []


@pytest.mark.parametrize("day", ["1795392000", "20261123", "2026-W48-1"])
async def test_a_date_not_written_yyyy_mm_dd_is_refused(api: Api, day: str) -> None:
    """The document says YYYY-MM-DD; pydantic also reads a string of digits as a Unix
    time (1795392000 is 23 November 2026)."""
    await plant(api.engine, _three_mondays())
    status, body = await api.call("POST", ROUTE, "admin", json={**BODY, "date": day})
    assert (status, body["field"]) == (422, "date"), body


@pytest.mark.parametrize("day", ["20261123", "2026-W48-1"])
async def test_the_command_takes_its_date_as_yyyy_mm_dd_only(
        api: Api, day: str, capsys: pytest.CaptureFixture[str]) -> None:
    """date.fromisoformat also reads 20261123 and 2026-W48-1 (Python 3.11): the command
    says YYYY-MM-DD, as the staffing route now holds to."""
    if api.engine.dialect.name != "sqlite":
        pytest.skip("the options are refused before any database is read")
    assert DAY == "2026-11-23"
    with pytest.raises(SystemExit) as exited:
        await _run(["analytics", "whatif", "--date", day, "--queue", "sales"])
    assert exited.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


async def test_a_what_if_leaves_the_process_s_blas_threads_alone(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulation is pure Python: holding OpenBLAS to one thread around it (a limit
    on the whole process, not the worker thread) only slows whatever else the server
    computes meanwhile, and two such limits interleaved restore each other's values."""
    import threadpoolctl  # type: ignore[import-untyped]  # scikit-learn's own dependency

    def threads() -> list[int]:
        return [pool["num_threads"] for pool in threadpoolctl.threadpool_info()]

    await plant(api.engine, _three_mondays())
    seen: list[list[int]] = []
    real = whatif_routes.run_whatif

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(threads())
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(whatif_routes, "run_whatif", watched)
    before = threads()
    status, body = await api.call("POST", ROUTE, "admin", json=BODY)
    assert status == 200, body
    assert seen == [before]


async def test_the_command_refuses_a_negative_seed(api: Api,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """random.Random(-1) draws what Random(1) draws: seed -1 with three replications ran
    seeds -1, 0 and 1, two of them the same day, and halved the spread it reports."""
    if api.engine.dialect.name != "sqlite":
        pytest.skip("the options are refused before any database is read")
    code = await _run(["analytics", "whatif", "--date", DAY, "--queue", "sales",
                       "--seed", "-1"])
    assert code == 2
    assert "--seed" in capsys.readouterr().err


async def test_the_command_holds_its_changes_to_5000_agents_a_slot(
        api: Api, tmp_path: object, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """As the route does: 48 changes of +99999 would build a floor of millions."""
    if api.engine.dialect.name != "sqlite":
        pytest.skip("the command reads the database its settings name: a file on SQLite")
    await plant(api.engine, _three_mondays())
    monkeypatch.setenv("CC_DATABASE_URL", api.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("CC_STATE_DIR", f"{tmp_path}/state")
    code = await _run(["analytics", "whatif", "--date", DAY, "--queue", "sales", "--weeks",
                       "3", "--agents-delta", "00:00-24:00:+99999"])
    assert code == 2
    assert "at most 5,000 a half hour" in capsys.readouterr().err
