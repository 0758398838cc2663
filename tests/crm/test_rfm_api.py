"""The RFM routes over the real app: who may recompute, what comes back, the 4xx."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm_core.db import sessions
from crm_core.models import Contact, Order
from tests.crm.api_client import Api


async def _customers(api: Api) -> dict[str, int]:
    """One recent frequent buyer, one long-gone one-timer, one who never bought."""
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    async with sessions(api.engine)() as session, session.begin():
        people = {name: Contact(first_name=name, last_name="Example")
                  for name in ("recent", "gone", "never")}
        session.add_all(people.values())
        await session.flush()
        session.add_all(Order(contact_id=people["recent"].id, total=Decimal(100),
                              ordered_at=today - dt.timedelta(days=day)) for day in (1, 2, 3))
        session.add(Order(contact_id=people["gone"].id, total=Decimal(5),
                          ordered_at=today - dt.timedelta(days=900)))
    return {name: contact.id for name, contact in people.items()}


async def test_an_admin_recomputes_and_everyone_reads_the_result(api: Api) -> None:
    ids = await _customers(api)
    status, run = await api.call("POST", "/api/v1/rfm/recompute", "admin")
    assert status == 200, run
    assert run["as_of"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert run["customers"] == 2 and sum(run["segments"].values()) == 2
    status, last = await api.call("GET", "/api/v1/rfm", "supervisor")
    assert status == 200 and last["customers"] == 2 and last["as_of"] == run["as_of"]
    assert {rule["name"] for rule in last["rules"]} == set(run["segments"])
    status, recent = await api.call("GET", f"/api/v1/contacts/{ids['recent']}/rfm", "agent")
    assert status == 200
    assert recent["rfm"]["frequency"] == 3 and recent["rfm"]["monetary"] == "300.00"
    assert (recent["rfm"]["r"], recent["rfm"]["f"], recent["rfm"]["m"]) == (5, 3, 3)
    status, never = await api.call("GET", f"/api/v1/contacts/{ids['never']}/rfm", "agent")
    assert status == 200 and never["rfm"]["segment"] == "none"


async def test_a_past_day_and_an_empty_body(api: Api) -> None:
    await _customers(api)
    past = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=800)).isoformat()
    status, run = await api.call("POST", "/api/v1/rfm/recompute", json={"as_of": past})
    assert (status, run["as_of"], run["customers"]) == (200, past, 1)
    status, run = await api.call("POST", "/api/v1/rfm/recompute", data=b"")
    assert status == 200 and run["customers"] == 2
    status, run = await api.call("POST", "/api/v1/rfm/recompute", json={"as_of": None})
    assert status == 200 and run["as_of"] == dt.datetime.now(dt.UTC).date().isoformat()


@pytest.mark.parametrize("role", ["agent", "supervisor", "sales"])
async def test_only_admins_managers_and_marketing_recompute(api: Api, role: str) -> None:
    status, _ = await api.call("POST", "/api/v1/rfm/recompute", role)
    assert status == 403
    for allowed in ("marketing", "manager"):
        status, run = await api.call("POST", "/api/v1/rfm/recompute", allowed)
        assert status == 200 and run["customers"] == 0


@pytest.mark.parametrize(("role", "status"), [
    ("agent", 403), ("sales", 403), ("supervisor", 200), ("manager", 200),
    ("marketing", 200)])
async def test_the_segment_sizes_are_for_whoever_reads_analytics(
        api: Api, role: str, status: int) -> None:
    found, _ = await api.call("GET", "/api/v1/rfm", role)
    assert found == status


@pytest.mark.parametrize(("body", "field"), [
    ({"as_of": "2026-13-01"}, "as_of"), ({"as_of": "yesterday"}, "as_of"),
    ({"as_of": 20261120}, "as_of"), ({"as_of": "2026-1-1"}, "as_of"),
    ({"as_of": "9999-12-31"}, "as_of"), ({"asof": "2026-01-01"}, "asof")])
async def test_bad_input_is_a_4xx_naming_the_field(api: Api, body: object, field: str) -> None:
    status, answer = await api.call("POST", "/api/v1/rfm/recompute", json=body)
    assert status == 422 and answer["field"] == field, answer
    assert answer["error"].startswith(f"{field}:")


async def test_bodies_that_are_not_objects_and_contacts_that_do_not_exist(api: Api) -> None:
    status, answer = await api.call("POST", "/api/v1/rfm/recompute", json=["2026-01-01"])
    assert status == 400 and "object" in answer["error"]
    status, _ = await api.call("POST", "/api/v1/rfm/recompute", data=b"{not json")
    assert status == 400
    for contact in (999_999, 2**40):
        status, answer = await api.call("GET", f"/api/v1/contacts/{contact}/rfm")
        assert status == 404, answer
    status, answer = await api.call("GET", "/api/v1/rfm")
    assert (status, answer["customers"], answer["as_of"]) == (200, 0, None)
