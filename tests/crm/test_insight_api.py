"""The metrics, knowledge-base search and segment preview routes, on both databases."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm_core.db import sessions
from crm_core.knowledge import create_article
from crm_core.models import Case, Contact, Order, OrderLine
from tests.crm.api_client import Api

NOV = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)


async def test_the_metrics_of_an_area_over_a_period(api: Api) -> None:
    async with sessions(api.engine)() as session, session.begin():
        ada = Contact(first_name="Ada", last_name="Lovelace")
        session.add(ada)
        await session.flush()
        # her first order, in November: a new customer and new revenue
        session.add(Order(contact_id=ada.id, total=Decimal("120.00"), ordered_at=NOV))
        # a case opened and resolved the same day, and one still open
        session.add(Case(subject="Where is my parcel", opened_at=NOV,
                         resolved_at=NOV + dt.timedelta(hours=2), status="resolved"))
        session.add(Case(subject="Broken", opened_at=NOV, status="open"))
    status, body = await api.call("GET", "/api/v1/metrics/sales?from=2026-11-01&to=2026-12-01",
                                  "sales")
    assert status == 200, body
    assert body["metrics"]["new_customers"] == 1
    assert body["metrics"]["new_revenue"] == "120.00"
    status, body = await api.call(
        "GET", "/api/v1/metrics/service?from=2026-11-01&to=2026-12-01", "supervisor")
    assert status == 200 and body["metrics"]["cases_closed_same_day"] == 1
    status, body = await api.call("GET", "/api/v1/metrics/service?from=2026-10-01&to=2026-11-01")
    assert status == 200 and body["metrics"]["cases_closed_same_day"] == 0


@pytest.mark.parametrize("query, field", [
    ("", "from"),
    ("?from=2026-11-01", "to"),
    ("?from=yesterday&to=2026-12-01", "from"),
    ("?from=2026-12-01&to=2026-11-01", "from"),
    ("?from=2020-01-01&to=2026-01-01", "to"),
])
async def test_a_bad_period_is_a_400_naming_the_field(api: Api, query: str, field: str) -> None:
    status, body = await api.call("GET", f"/api/v1/metrics/sales{query}")
    assert (status, body["field"]) == (400, field), body


async def test_an_unknown_area_is_a_404_and_agents_see_no_metrics(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/metrics/finance?from=2026-11-01&to=2026-12-01")
    assert status == 404 and "sales, marketing, service" in body["error"]
    status, _ = await api.call("GET", "/api/v1/metrics/sales?from=2026-11-01&to=2026-12-01",
                               "agent")
    assert status == 403


async def test_every_role_searches_the_knowledge_base(api: Api) -> None:
    await create_article(sessions(api.engine), title="Reset your password",
                         body="Open the sign-in page and choose Forgot password.", now=NOV)
    await create_article(sessions(api.engine), title="Delivery times",
                         body="Parcels arrive in two days.", now=NOV)
    for role in ("agent", "sales", "marketing"):
        status, body = await api.call("GET", "/api/v1/articles/search?q=passwords", role)
        assert status == 200 and [hit["title"] for hit in body["items"]] == [
            "Reset your password"]
    # search syntax typed by a user is searched as words, never a 500
    status, body = await api.call("GET", '/api/v1/articles/search?q=parcels" NEAR(*', "agent")
    assert status == 200 and [hit["title"] for hit in body["items"]] == ["Delivery times"]
    status, body = await api.call("GET", "/api/v1/articles/search?q=x&limit=0", "agent")
    assert (status, body["field"]) == (400, "limit")


async def test_a_segment_is_previewed_before_it_is_saved(api: Api) -> None:
    async with sessions(api.engine)() as session, session.begin():
        session.add_all([Contact(first_name="Ada", last_name="L", gender="f"),
                         Contact(first_name="Alan", last_name="T", gender="m"),
                         Contact(first_name="Grace", last_name="H", gender="f")])
    status, body = await api.call("POST", "/api/v1/segments/preview", "marketing",
                                  json={"definition": {"gender": "f"}})
    assert status == 200, body
    assert body["total"] == 2 and [m["first_name"] for m in body["first"]] == ["Ada", "Grace"]
    status, body = await api.call("POST", "/api/v1/segments/preview", "marketing",
                                  json={"definition": {"age": [40, 30]}})
    assert status == 422 and "age" in body["error"]
    status, _ = await api.call("POST", "/api/v1/segments/preview", "agent",
                               json={"definition": {}})
    assert status == 403


async def test_articles_written_through_the_api_are_found_at_once(api: Api) -> None:
    article = await api.create("articles", {"title": "Change your delivery address",
                                            "body": "Open your orders and pick one."},
                               "supervisor")
    status, body = await api.call("GET", "/api/v1/articles/search?q=addresses", "agent")
    assert status == 200 and [hit["id"] for hit in body["items"]] == [article["id"]]
    assert article["updated_at"] is None
    status, changed = await api.call("PATCH", f"/api/v1/articles/{article['id']}",
                                     "supervisor", json={"title": "Change where we deliver"})
    assert status == 200 and changed["updated_at"] is not None
    # the index follows the change: the old title's words are gone, the new ones found
    status, body = await api.call("GET", "/api/v1/articles/search?q=addresses", "agent")
    assert body["items"] == []
    status, body = await api.call("GET", "/api/v1/articles/search?q=where+deliver", "agent")
    assert [hit["title"] for hit in body["items"]] == ["Change where we deliver"]
    status, _ = await api.call("POST", "/api/v1/articles", "agent",
                               json={"title": "x", "body": "y"})
    assert status == 403


async def test_a_saved_segment_must_be_one_the_list_generator_can_run(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/segments", "marketing", json={
        "name": "Young outdoor", "definition": {"age": [40, 30]}})
    assert status == 422 and body["field"] == "definition" and "age" in body["error"]
    saved = await api.create("segments", {"name": "Young outdoor", "definition": {
        "age": [18, 30], "tags": {"any": ["outdoor"]}}}, "marketing")
    assert saved["definition"]["age"] == [18, 30]


async def test_an_offer_made_through_the_api_reaches_the_screen_pop(api: Api) -> None:
    phone = await api.create("products", {"sku": "PH-1", "name": "Phone", "category": "mobile"})
    case = await api.create("products", {"sku": "CS-1", "name": "Case", "category": "mobile"})
    ada = await api.create("contacts", {"first_name": "Ada", "last_name": "L",
                                        "phones": [{"number": "+15550001001"}]})
    async with sessions(api.engine)() as session, session.begin():
        session.add(Order(contact_id=ada["id"], total=Decimal(100), ordered_at=NOV,
                          lines=[OrderLine(product_id=phone["id"], unit_price=Decimal(100))]))
    offer = await api.create("offers", {
        "name": "Protect your phone", "kind": "cross_sell", "product_id": case["id"],
        "requires_product_id": phone["id"], "pitch": "A case, 20 % off",
        "discount_percent": "20"}, "marketing")
    status, view = await api.call("GET", "/api/v1/customers/lookup?phone=15550001001", "agent")
    assert status == 200 and view["next_best_offer"]["id"] == offer["id"]
    status, body = await api.call("POST", "/api/v1/offers", "marketing", json={
        "name": "x", "kind": "down_sell", "product_id": case["id"], "pitch": "p"})
    assert status == 422 and body["field"] == "kind"
