"""The CRM's REST collections on a real server, on SQLite and PostgreSQL: reading,
writing, lists, bad input, the permission of every route, the API document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from contactcenter.web.permissions import PERMISSIONS
from contactcenter.web.routing import ROUTES
from crm_core.db import sessions
from crm_core.models import ROLES, Interaction, Order, OrderLine, SlaPolicy
from tests.crm.api_client import Api


async def test_a_contact_is_created_read_changed_and_deleted_with_its_phones(api: Api) -> None:
    account = await api.create("accounts", {"name": "Babbage & Co"})
    contact = await api.create("contacts", {
        "first_name": "Ada", "last_name": "Lovelace", "account_id": account["id"], "vip": True,
        "phones": [{"number": "(555) 000-1001"}, {"number": "+44 20 7946 0018", "kind": "work"}]})
    assert contact["phones"] == [{"e164": "+15550001001", "kind": "mobile"},
                                 {"e164": "+442079460018", "kind": "work"}]
    assert dt.datetime.fromisoformat(contact["created_at"]).tzinfo is not None
    status, read = await api.call("GET", f"/api/v1/contacts/{contact['id']}", "agent")
    assert (status, read) == (200, contact)
    status, changed = await api.call("PATCH", f"/api/v1/contacts/{contact['id']}", "sales",
                                     json={"email": "ada@example.com", "phones": []})
    assert status == 200
    assert (changed["email"], changed["phones"], changed["vip"]) == ("ada@example.com", [], True)
    status, _ = await api.call("DELETE", f"/api/v1/contacts/{contact['id']}", "sales")
    assert status == 204
    status, body = await api.call("GET", f"/api/v1/contacts/{contact['id']}")
    assert status == 404 and "no contacts with id" in body["error"]


async def test_lists_page_sort_and_filter(api: Api) -> None:
    for number, price in enumerate(["5.00", "12.50", "7.25", "30.00", "1.99", "12.50", "8"]):
        await api.create("products", {"sku": f"SKU-{number}", "name": f"Item {number}",
                                      "category": "gear" if number % 2 else "food",
                                      "price": price, "active": number != 3})
    status, page = await api.call("GET", "/api/v1/products?limit=3&sort=-price,sku", "sales")
    assert status == 200 and page["total"] == 7
    assert [item["price"] for item in page["items"]] == ["30.00", "12.50", "12.50"]
    assert [item["sku"] for item in page["items"][1:]] == ["SKU-1", "SKU-5"]
    seen = [item["sku"] for item in page["items"]]
    while page["next"]:
        status, page = await api.call("GET", page["next"], "sales")
        seen += [item["sku"] for item in page["items"]]
    assert sorted(seen) == [f"SKU-{n}" for n in range(7)]
    status, cheap = await api.call(
        "GET", "/api/v1/products?price__gte=5&price__lte=12.5&active=true&sort=price", "sales")
    assert [item["price"] for item in cheap["items"]] == ["5.00", "7.25", "8.00", "12.50",
                                                         "12.50"]
    status, food = await api.call("GET", "/api/v1/products?category=food&offset=1", "sales")
    assert (food["total"], len(food["items"]), food["next"]) == (4, 3, None)


@pytest.mark.parametrize("query, field", [
    ("sort=colour", "sort"),
    ("colour=red", "colour"),
    ("name__gte=a", "name__gte"),
    ("price=cheap", "price"),
    ("price__gte=NaN", "price__gte"),
    ("limit=501", "limit"),
    ("limit=0", "limit"),
    ("offset=-1", "offset"),
    ("active=maybe", "active"),
    ("price=Infinity", "price"),
    ("sku=a%00b", "sku"),
])
async def test_a_bad_list_query_is_a_400_naming_the_parameter(
        api: Api, query: str, field: str) -> None:
    status, body = await api.call("GET", f"/api/v1/products?{query}")
    assert status == 400
    assert body["field"] == field and body["error"].startswith(f"{field}: ")


async def test_an_id_filter_beyond_the_databases_integers_is_a_400(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/contacts?account_id=99999999999")
    assert (status, body["field"]) == (400, "account_id")


async def test_dates_and_times_filter_alike_on_both_databases(api: Api) -> None:
    for day in (1, 10, 20):
        await api.create("opportunities", {"name": f"Deal {day}", "amount": 100 * day,
                                           "expected_close": f"2027-03-{day:02d}"})
    status, page = await api.call(
        "GET", "/api/v1/opportunities?expected_close__gte=2027-03-05&expected_close__lte="
               "2027-03-20&sort=-expected_close")
    assert [item["name"] for item in page["items"]] == ["Deal 20", "Deal 10"]
    await api.create("opportunities", {"name": "Someday"})
    _, ascending = await api.call("GET", "/api/v1/opportunities?sort=expected_close")
    _, descending = await api.call("GET", "/api/v1/opportunities?sort=-expected_close")
    assert [item["name"] for item in ascending["items"]] == ["Deal 1", "Deal 10", "Deal 20",
                                                            "Someday"]
    assert [item["name"] for item in descending["items"]] == ["Someday", "Deal 20", "Deal 10",
                                                             "Deal 1"]
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    status, none = await api.call("GET", "/api/v1/opportunities",
                                  params={"created_at__gte": future})
    assert (status, none["total"]) == (200, 0)
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    status, every = await api.call("GET", "/api/v1/opportunities",
                                       params={"created_at__gte": past})
    assert every["total"] == 4


@pytest.mark.parametrize("body, status, field", [
    ({"last_name": "Lovelace"}, 422, "first_name"),
    ({"first_name": "", "last_name": "L"}, 422, "first_name"),
    ({"first_name": "A", "last_name": "L", "colour": "red"}, 422, "colour"),
    ({"first_name": "A", "last_name": "L", "id": 5}, 422, "id"),
    ({"first_name": "A", "last_name": "L", "vip": "very"}, 422, "vip"),
    ({"first_name": "A", "last_name": "L", "email": "not-an-address"}, 422, "email"),
    ({"first_name": "A", "last_name": "L", "time_zone": "Mars/Olympus"}, 422, "time_zone"),
    ({"first_name": "A", "last_name": "L", "phones": [{"number": "12"}]}, 422,
     "phones.0.number"),
    ({"first_name": "A", "last_name": "L", "account_id": 424242}, 422, "account_id"),
    ({"first_name": "A", "last_name": "L", "owner_id": 424242}, 422, "owner_id"),
    ({"first_name": "A", "last_name": "L", "account_id": 2**40}, 422, "account_id"),
    ({"first_name": "A\x00", "last_name": "L"}, 422, "first_name"),
])
async def test_bad_input_is_a_4xx_naming_the_field(
        api: Api, body: dict[str, object], status: int, field: str) -> None:
    got, answer = await api.call("POST", "/api/v1/contacts", json=body)
    assert (got, answer["field"]) == (status, field)
    assert answer["error"].startswith(f"{field}: ")
    _, page = await api.call("GET", "/api/v1/contacts")
    assert page["total"] == 0


@pytest.mark.parametrize("data, reason", [
    (b"{not json", "body must be JSON"),
    (b"[1, 2]", "body must be a JSON object"),
])
async def test_a_body_that_is_not_a_json_object_is_a_400(
        api: Api, data: bytes, reason: str) -> None:
    status, body = await api.call("POST", "/api/v1/accounts", data=data,
                                  headers={"Content-Type": "application/json"})
    assert (status, body["error"]) == (400, reason)


async def test_updates_change_only_what_they_name_and_refuse_nulls_for_required_fields(
        api: Api) -> None:
    lead = await api.create("leads", {"first_name": "Grace", "last_name": "Hopper",
                                      "phone": "555 000 1002", "score": 40}, "sales")
    assert lead["phone"] == "+15550001002"
    status, body = await api.call("PATCH", f"/api/v1/leads/{lead['id']}", "sales",
                                  json={"last_name": None})
    assert (status, body["field"]) == (422, "last_name")
    status, body = await api.call("PATCH", f"/api/v1/leads/{lead['id']}", "sales",
                                  json={"status": "qualified", "company": None})
    assert status == 200
    assert (body["status"], body["score"], body["last_name"]) == ("qualified", 40, "Hopper")
    status, body = await api.call("PATCH", "/api/v1/leads/987654", "sales", json={"score": 1})
    assert status == 404
    status, body = await api.call("PATCH", f"/api/v1/leads/{lead['id']}", "sales",
                                  json={"status": "sleepy"})
    assert (status, body["field"]) == (422, "status")


async def test_moving_an_opportunity_records_each_stage_and_who_moved_it(api: Api) -> None:
    deal = await api.create("opportunities", {"name": "Fleet renewal", "amount": "1200.50"},
                            "sales")
    assert [move["stage"] for move in deal["history"]] == ["opportunity_generated"]
    path = f"/api/v1/opportunities/{deal['id']}"
    status, moved = await api.call("PATCH", path, "sales", json={"stage": "contacted"})
    assert status == 200
    assert [(m["stage"], m["changed_by"]) for m in moved["history"]] == [
        ("opportunity_generated", "sam"), ("contacted", "sam")]
    status, same = await api.call("PATCH", path, "sales", json={"stage": "contacted",
                                                                "probability": 40})
    assert len(same["history"]) == 2 and same["probability"] == 40
    status, body = await api.call("PATCH", path, "sales", json={"stage": "won"})
    assert (status, body["field"]) == (422, "stage")
    status, lost = await api.call("PATCH", path, "sales", json={"stage": "lost"})
    assert lost["closed_at"] is not None and len(lost["history"]) == 3
    status, reread = await api.call("GET", path, "supervisor")
    assert reread["history"] == lost["history"]


async def test_a_case_takes_its_due_times_from_the_sla_of_its_priority(api: Api) -> None:
    async with sessions(api.engine)() as session, session.begin():
        session.add_all([SlaPolicy(priority="urgent", first_response_minutes=15,
                                   resolution_minutes=240),
                         SlaPolicy(priority="low", first_response_minutes=480,
                                   resolution_minutes=4320)])
    case = await api.create("cases", {"subject": "Line down", "priority": "urgent"}, "agent")
    opened = dt.datetime.fromisoformat(case["opened_at"])
    assert dt.datetime.fromisoformat(case["first_response_due"]) - opened == dt.timedelta(
        minutes=15)
    assert dt.datetime.fromisoformat(case["resolution_due"]) - opened == dt.timedelta(hours=4)
    plain = await api.create("cases", {"subject": "Question"}, "agent")
    assert (plain["priority"], plain["status"], plain["resolution_due"]) == ("normal", "new",
                                                                             None)
    status, resolved = await api.call("PATCH", f"/api/v1/cases/{case['id']}", "agent",
                                      json={"status": "resolved", "priority": "low"})
    assert status == 200 and resolved["resolved_at"] is not None
    assert resolved["resolution_due"] == case["resolution_due"]
    # a closed case is reopened before anything else; the API follows the same table
    for move, expected in (("closed", 200), ("pending", 409), ("open", 200)):
        status, body = await api.call("PATCH", f"/api/v1/cases/{case['id']}", "agent",
                                      json={"status": move})
        assert status == expected, body
    assert body["closed_at"] is None and body["resolved_at"] is None
    status, body = await api.call("PATCH", f"/api/v1/cases/{case['id']}", "agent",
                                  json={"status": "closed"})
    status, body = await api.call("PATCH", f"/api/v1/cases/{case['id']}", "agent",
                                  json={"status": "resolved"})
    assert (status, body["field"]) == (409, "status")
    assert body["error"] == "status: closed -> resolved is not allowed; from closed: open"
    for field, value in (("priority", "asap"), ("status", "done"), ("type", "rant")):
        status, body = await api.call("POST", "/api/v1/cases", "agent",
                                      json={"subject": "x", field: value})
        assert (status, body["field"]) == (422, field)


async def test_unique_fields_and_rows_still_referred_to_are_409s(api: Api) -> None:
    await api.create("products", {"sku": "TENT-1", "name": "Tent", "category": "outdoor"})
    status, body = await api.call("POST", "/api/v1/products", json={
        "sku": "TENT-1", "name": "Other tent", "category": "outdoor"})
    assert (status, body["field"]) == (409, "sku")
    account = await api.create("accounts", {"name": "Hopper Compilers"})
    await api.create("contacts", {"first_name": "G", "last_name": "H",
                                  "account_id": account["id"]})
    status, body = await api.call("DELETE", f"/api/v1/accounts/{account['id']}")
    assert status == 409 and "contacts.account_id" in body["error"]


async def test_interactions_are_read_only_newest_first_and_filter_by_contact(api: Api) -> None:
    ada = await api.create("contacts", {"first_name": "Ada", "last_name": "L"})
    alan = await api.create("contacts", {"first_name": "Alan", "last_name": "T"})
    start = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
    async with sessions(api.engine)() as session, session.begin():
        session.add_all(Interaction(call_id=f"c{n}", contact_id=who["id"], queue="support",
                                    started_at=start + dt.timedelta(days=n))
                        for n, who in enumerate([ada, alan, ada, ada]))
    status, page = await api.call("GET", f"/api/v1/interactions?contact_id={ada['id']}",
                                  "agent")
    assert status == 200
    assert [item["call_id"] for item in page["items"]] == ["c3", "c2", "c0"]
    assert page["items"][0]["started_at"] == "2026-11-04T09:00:00+00:00"
    status, _ = await api.call("POST", "/api/v1/interactions", json={"channel": "voice"})
    assert status == 405


async def test_orders_are_read_with_their_lines(api: Api) -> None:
    ada = await api.create("contacts", {"first_name": "Ada", "last_name": "L"})
    pen = await api.create("products", {"sku": "PEN", "name": "Pen", "category": "office",
                                        "price": "2.50"})
    async with sessions(api.engine)() as session, session.begin():
        session.add(Order(contact_id=ada["id"], total=Decimal("7.50"),
                          ordered_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
                          lines=[OrderLine(product_id=pen["id"], quantity=3,
                                           unit_price=Decimal("2.50"))]))
        session.add(Order(total=Decimal(1), ordered_at=dt.datetime(2026, 5, 2, tzinfo=dt.UTC)))
    status, orders = await api.call("GET", f"/api/v1/orders?contact_id={ada['id']}", "sales")
    assert status == 200
    assert [(o["total"], o["lines"]) for o in orders["items"]] == [
        ("7.50", [{"product_id": pen["id"], "quantity": 3, "unit_price": "2.50"}])]
    status, _ = await api.call("PATCH", f"/api/v1/orders/{orders['items'][0]['id']}",
                               json={"total": "0"})
    assert status == 405


async def test_ids_that_are_not_rows_are_404s(api: Api) -> None:
    for path in ("/api/v1/accounts/0", "/api/v1/accounts/99999999999999999999",
                 "/api/v1/accounts/abc"):
        status, body = await api.call("GET", path)
        assert status == 404 and body["error"]


# -- permissions --------------------------------------------------------------------------

PUBLIC = {("POST", "/api/v1/auth/token"), ("POST", "/api/v1/auth/session"),
          ("DELETE", "/api/v1/auth/session"), ("GET", "/api/v1/health"),
          ("GET", "/api/v1/openapi.json")}


def _concrete(path: str) -> str:
    return (path.replace("{id}", "987654").replace("{call_id}", "no-such-call")
            .replace("{area}", "sales"))


async def test_every_route_needs_a_sign_in_except_the_public_ones(api: Api) -> None:
    routes = api.app[ROUTES]
    assert PUBLIC <= set(routes)
    for method, path in routes:
        status, _ = await api.call(method, _concrete(path), role=None, json={})
        if (method, path) in PUBLIC:
            assert status != 401, (method, path)
        else:
            assert status == 401, (method, path)


async def test_every_route_with_every_role_is_allowed_or_a_403(api: Api) -> None:
    assert set(PERMISSIONS) == set(ROLES)
    for (method, path), spec in api.app[ROUTES].items():
        if spec.public:
            continue
        for role in ROLES:
            status, body = await api.call(method, _concrete(path), role, json={})
            allowed = spec.action in PERMISSIONS[role].get(spec.resource or "", ())
            assert (status != 403) == allowed, (role, method, path, status, body)
            assert status not in (401, 500), (role, method, path, status, body)


@pytest.mark.parametrize("role, method, path, allowed", [
    ("agent", "GET", "/api/v1/contacts", True),
    ("agent", "POST", "/api/v1/cases", True),
    ("agent", "POST", "/api/v1/activities", True),
    ("agent", "POST", "/api/v1/contacts", True),  # the unknown caller on the line
    ("agent", "PATCH", "/api/v1/contacts/{id}", False),
    ("agent", "GET", "/api/v1/leads", False),
    ("agent", "GET", "/api/v1/calls", False),
    ("sales", "POST", "/api/v1/opportunities", True),
    ("sales", "PATCH", "/api/v1/accounts/{id}", True),
    ("sales", "GET", "/api/v1/campaigns", False),
    ("sales", "GET", "/api/v1/users", False),
    ("marketing", "POST", "/api/v1/campaigns", True),
    ("marketing", "GET", "/api/v1/leads", True),
    ("marketing", "POST", "/api/v1/leads", False),
    ("marketing", "GET", "/api/v1/contacts", False),
    ("supervisor", "GET", "/api/v1/orders", True),
    ("supervisor", "GET", "/api/v1/calls", True),
    ("supervisor", "POST", "/api/v1/leads", False),
    ("supervisor", "GET", "/api/v1/audit", False),
    ("admin", "GET", "/api/v1/audit", True),
    ("admin", "DELETE", "/api/v1/products/{id}", True),
])
async def test_the_roles_get_what_their_jobs_need(
        api: Api, role: str, method: str, path: str, allowed: bool) -> None:
    status, body = await api.call(method, _concrete(path), role, json={})
    assert (status != 403) == allowed, body


# -- the API document ---------------------------------------------------------------------

async def test_the_document_describes_exactly_the_routes_of_the_router(api: Api) -> None:
    status, document = await api.call("GET", "/api/v1/openapi.json", role=None)
    assert status == 200
    documented = {(method.upper(), path) for path, item in document["paths"].items()
                  for method in item}
    routed = {(route.method, route.resource.canonical) for route in api.app.router.routes()
              if route.resource is not None and route.method != "HEAD"}
    assert documented == routed
    assert ("PATCH", "/api/v1/users/{id}") in routed


async def test_the_document_is_made_from_the_resource_descriptions(api: Api) -> None:
    _, document = await api.call("GET", "/api/v1/openapi.json", role=None)
    schemas = document["components"]["schemas"]
    assert set(schemas["ContactIn"]["required"]) == {"first_name", "last_name"}
    assert schemas["CaseIn"]["properties"]["priority"]["enum"] == ["low", "normal", "high",
                                                                   "urgent"]
    assert "password" in schemas["UserIn"]["properties"]
    assert "password_hash" not in schemas["User"]["properties"]
    listing = document["paths"]["/api/v1/products"]["get"]
    names = {param["name"] for param in listing["parameters"]}
    assert {"limit", "offset", "sort", "price", "price__gte", "category"} <= names
    assert "category__gte" not in names
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    assert {ref.rsplit("/", 1)[-1] for ref in refs} <= set(schemas)
