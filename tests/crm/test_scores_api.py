"""The lifetime value and churn routes over the real app: who may recompute and read,
what comes back, the 4xx naming the field."""

from __future__ import annotations

import pytest

from contactcenter.analytics.churn_planted import planted_history
from crm_core.db import sessions
from crm_core.models import Contact
from tests.crm.api_client import Api
from tests.crm.test_scores import load_history

CUSTOMERS = 1500


async def _planted(api: Api) -> str:
    """Planted customers and one contact who never ordered; the history's last day."""
    history = planted_history(CUSTOMERS, seed=5)
    await load_history(api.engine, history)
    async with sessions(api.engine)() as session, session.begin():
        session.add(Contact(id=CUSTOMERS + 1, first_name="never", last_name="Example"))
    return str(history.end)


async def test_a_manager_recomputes_and_the_others_read(api: Api) -> None:
    as_of = await _planted(api)
    status, run = await api.call("POST", "/api/v1/scores/recompute", "manager",
                                 json={"as_of": as_of, "horizon_days": 180})
    assert status == 200, run
    assert (run["as_of"], run["customers"], run["horizon_days"]) == (as_of, CUSTOMERS, 180)
    assert run["auc"] > 0.7 and set(run["timings"]) >= {"aggregate", "fit_clv", "write"}
    assert set(run["parameters"]) >= {"bgnbd", "gamma_gamma", "survival"}
    status, last = await api.call("GET", "/api/v1/scores", "supervisor")
    assert status == 200 and last["run"]["run_id"] == run["run_id"]
    assert last["run"]["auc"] == pytest.approx(run["auc"])
    assert last["run"]["timings"] == run["timings"]
    status, mine = await api.call("GET", "/api/v1/contacts/1/scores", "agent")
    assert status == 200 and mine["scores"]["as_of"] == as_of
    assert 0 <= mine["scores"]["p_alive"] <= 1 and float(mine["scores"]["clv"]) >= 0
    status, never = await api.call("GET", f"/api/v1/contacts/{CUSTOMERS + 1}/scores", "agent")
    assert (status, never["scores"]) == (200, None)


async def test_before_any_run_and_contacts_that_do_not_exist(api: Api) -> None:
    status, last = await api.call("GET", "/api/v1/scores", "manager")
    assert (status, last["run"]) == (200, None)
    for contact in (999_999, 2**40):
        status, answer = await api.call("GET", f"/api/v1/contacts/{contact}/scores")
        assert status == 404, answer


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/v1/scores/recompute"),
                                              ("GET", "/api/v1/scores")])
async def test_agents_are_refused_and_strangers_asked_to_sign_in(api: Api, method: str,
                                                                 path: str) -> None:
    assert (await api.call(method, path, "agent"))[0] == 403
    assert (await api.call(method, path, None))[0] == 401
    assert (await api.call("GET", "/api/v1/contacts/1/scores", None))[0] == 401


@pytest.mark.parametrize("role", ["supervisor", "sales"])
async def test_only_analysts_recompute(api: Api, role: str) -> None:
    assert (await api.call("POST", "/api/v1/scores/recompute", role))[0] == 403


@pytest.mark.parametrize(("body", "field"), [
    ({"as_of": "2026-13-01"}, "as_of"), ({"as_of": 20261120}, "as_of"),
    ({"as_of": "9999-12-31"}, "as_of"), ({"horizon_days": 0}, "horizon_days"),
    ({"horizon_days": "365"}, "horizon_days"), ({"horizon_days": True}, "horizon_days"),
    ({"horizon_days": 99999}, "horizon_days"), ({"window_days": 3}, "window_days"),
    ({"window_days": 30.5}, "window_days"), ({"horizon": 30}, "horizon")])
async def test_bad_input_is_a_4xx_naming_the_field(api: Api, body: object, field: str) -> None:
    status, answer = await api.call("POST", "/api/v1/scores/recompute", json=body)
    assert status == 422 and answer["field"] == field, answer
    assert answer["error"].startswith(f"{field}:")


async def test_too_little_history_says_what_is_missing(api: Api) -> None:
    status, answer = await api.call("POST", "/api/v1/scores/recompute", "marketing")
    assert status == 422 and answer["field"] == "as_of", answer
    assert "BG/NBD needs repeat purchases from at least 40 customers; found 0" in \
        answer["error"]
    status, answer = await api.call("POST", "/api/v1/scores/recompute", json=[1])
    assert status == 400
