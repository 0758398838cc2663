"""What a fuzzer sends the CRM's API, on SQLite and PostgreSQL: each gets a 4xx with its
reason (naming the field) or the answer it asked for, never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from tests.crm.api_client import Api

HUGE = "99999999999999999999"  # beyond 64 bits
#: (collection, a boolean field it filters on)
BOOLEAN_FILTERS = [("contacts", "vip"), ("contacts", "do_not_call"), ("users", "active"),
                   ("products", "active"), ("offers", "active"), ("articles", "published")]


@pytest.mark.parametrize("collection, field", BOOLEAN_FILTERS)
@pytest.mark.parametrize("suffix", ["gte", "lte"])
async def test_a_range_filter_on_a_boolean_is_a_400_naming_it(api: Api, collection: str,
                                                             field: str, suffix: str) -> None:
    name = f"{field}__{suffix}"
    status, body = await api.call("GET", f"/api/v1/{collection}?{name}=true", "admin")
    assert (status, body["field"]) == (400, name)
    assert "only numbers and dates" in body["error"]


async def test_an_agent_gets_the_same_400(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/contacts?vip__gte=true", "agent")
    assert (status, body["field"]) == (400, "vip__gte")


@pytest.mark.parametrize("path", [
    f"/api/v1/contacts/{HUGE}", f"/api/v1/contacts/{HUGE}/card",
    f"/api/v1/contacts/{HUGE}/timeline", f"/api/v1/articles/{HUGE}", f"/crm/contacts/{HUGE}",
    f"/help/articles/{HUGE}", "/help/articles/2147483648", "/help/articles/²",
])
async def test_an_id_beyond_64_bits_names_nothing(api: Api, path: str) -> None:
    status, _ = await api.call("GET", path, "admin")
    assert status == 404


async def test_the_help_centre_answers_a_missing_article_with_a_page(api: Api) -> None:
    async with api.client.get(f"/help/articles/{HUGE}") as response:
        assert (response.status, response.content_type) == (404, "text/html")
        assert "no such article" in await response.text()


@pytest.mark.parametrize("query, field", [
    (f"account_id={HUGE}", "account_id"), (f"owner_id__gte=-{HUGE}", "owner_id__gte"),
    (f"limit={HUGE}", "limit"), (f"offset={HUGE}", "offset"), ("limit=²", "limit"),
    ("vip=1", "vip"), ("created_at=0.5", "created_at"), ("birth_date=0", "birth_date"),
    ("account_id=5_000", "account_id"),
])
async def test_a_filter_must_be_written_as_the_document_says(api: Api, query: str,
                                                            field: str) -> None:
    status, body = await api.call("GET", f"/api/v1/contacts?{query}")
    assert (status, body["field"]) == (400, field)


@pytest.mark.parametrize("query, field", [
    (f"price__gte={HUGE}{HUGE}", "price__gte"), ("price=1e999999", "price"),
    ("price__lte=NaN", "price__lte"), ("price__lte=-93300870186482", "price__lte"),
    ("price=1.001", "price"),
])
async def test_a_decimal_filter_beyond_what_the_database_compares_is_a_400(
        api: Api, query: str, field: str) -> None:
    status, body = await api.call("GET", f"/api/v1/products?{query}")
    assert (status, body["field"]) == (400, field)


async def test_a_decimal_filter_within_the_columns_digits_is_taken(api: Api) -> None:
    await api.create("products", {"sku": "P1", "name": "Pen", "category": "office",
                                  "price": "2.50"})
    status, page = await api.call("GET", "/api/v1/products?price__lte=999999999999.99"
                                         "&price__gte=-2.5")
    assert (status, page["total"]) == (200, 1)


async def test_a_time_filter_before_year_one_in_utc_holds_for_every_row(api: Api) -> None:
    await api.create("accounts", {"name": "Babbage & Co"})
    early, late = "0001-01-01T00:00:00%2B01:00", "9999-12-31T23:00:00-05:00"
    for query, total in [(f"created_at__gte={early}", 1), (f"created_at__lte={early}", 0),
                         (f"created_at={early}", 0), (f"created_at__lte={late}", 1),
                         (f"created_at__gte={late}", 0)]:
        status, page = await api.call("GET", f"/api/v1/accounts?{query}")
        assert (status, page["total"]) == (200, total), query


@pytest.mark.parametrize("body, field", [
    ({"active": 0}, "active"), ({"active": 1}, "active"), ({"active": "true"}, "active"),
    ({"active": None}, "active"), ({"full_name": 5}, "full_name"),
])
async def test_a_user_change_takes_each_field_in_its_own_type(api: Api, body: dict[str, Any],
                                                             field: str) -> None:
    status, users = await api.call("GET", "/api/v1/users?username=sam")
    user = users["items"][0]
    status, refused = await api.call("PATCH", f"/api/v1/users/{user['id']}", json=body)
    assert (status, refused["field"]) == (422, field)
    _, after = await api.call("GET", f"/api/v1/users/{user['id']}")
    assert after["active"] is True


@pytest.mark.parametrize("change, field", [
    ({"vip": 1}, "vip"), ({"do_not_call": "false"}, "do_not_call"),
    ({"owner_id": True}, "owner_id"), ({"account_id": "1"}, "account_id"),
    ({"birth_date": 0}, "birth_date"), ({"first_name": 7}, "first_name"),
])
async def test_a_new_contact_takes_each_field_in_its_own_type(api: Api, change: dict[str, Any],
                                                             field: str) -> None:
    status, body = await api.call("POST", "/api/v1/contacts",
                                  json={"first_name": "Ada", "last_name": "L", **change})
    assert (status, body["field"]) == (422, field)


async def test_values_in_the_documents_types_are_still_taken(api: Api) -> None:
    product = await api.create("products", {"sku": "P1", "name": "Pen", "category": "office",
                                            "price": "2.50", "active": False})
    assert (product["price"], product["active"]) == ("2.50", False)
    contact = await api.create("contacts", {"first_name": "Ada", "last_name": "L",
                                            "vip": True, "birth_date": "1815-12-10"})
    assert (contact["vip"], contact["birth_date"]) == (True, "1815-12-10")


async def test_a_time_that_is_no_time_in_utc_is_a_422(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/activities", json={
        "kind": "call", "subject": "Call back", "due_at": "0001-01-01T00:00:00+01:00"})
    assert (status, body["field"]) == (422, "due_at")


@pytest.mark.parametrize("body", [
    b'{"name": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    b'{"name": ' + b'{"a":' * 5_000 + b"1" + b"}" * 5_001,
    b'{"name": "\\udc00 Co"}',
])
async def test_json_the_api_cannot_take_is_a_400_on_every_collection(api: Api,
                                                                    body: bytes) -> None:
    status, answer = await api.call("POST", "/api/v1/accounts", data=body,
                                    headers={"Content-Type": "application/json"})
    assert status == 400 and answer["error"]


async def test_metrics_too_early_to_compare_are_a_400(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/metrics/sales?from=0001-01-01&to=0001-02-01")
    assert (status, body["field"]) == (400, "from")
