"""The audit log: every change through the API leaves an entry, in the same
transaction, with the fields before and after and never a password hash."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from crm_core.audit import AuditLog, diff, masked
from crm_core.db import sessions
from crm_core.models import User
from tests.crm.api_client import Api


async def _history(api: Api, entity: str, entity_id: int) -> list[dict[str, Any]]:
    status, page = await api.call("GET", f"/api/v1/audit?entity={entity}&entity_id={entity_id}")
    assert status == 200
    return list(page["items"])


async def test_create_update_and_delete_each_leave_an_entry(api: Api) -> None:
    before = dt.datetime.now(dt.UTC)
    account = await api.create("accounts", {"name": "Lovelace Ltd", "segment": "gold"}, "sales")
    path = f"/api/v1/accounts/{account['id']}"
    await api.call("PATCH", path, "sales", json={"segment": "silver", "name": "Lovelace Ltd"})
    await api.call("DELETE", path, "sales")
    newest_first = await _history(api, "accounts", account["id"])
    assert [(e["action"], e["username"]) for e in newest_first] == [
        ("delete", "sam"), ("update", "sam"), ("create", "sam")]
    deleted, updated, created = newest_first
    assert created["changes"]["name"] == {"before": None, "after": "Lovelace Ltd"}
    assert created["changes"]["id"] == {"before": None, "after": account["id"]}
    assert updated["changes"] == {"segment": {"before": "gold", "after": "silver"}}
    assert deleted["changes"]["segment"] == {"before": "silver", "after": None}
    assert all(dt.datetime.fromisoformat(e["at"]) >= before - dt.timedelta(seconds=1)
               for e in newest_first)


async def test_an_update_that_changes_nothing_leaves_no_entry(api: Api) -> None:
    product = await api.create("products", {"sku": "P1", "name": "Pen", "category": "office",
                                            "price": "2.50"})
    status, _ = await api.call("PATCH", f"/api/v1/products/{product['id']}",
                               json={"price": 2.5, "name": "Pen"})
    assert status == 200
    assert [e["action"] for e in await _history(api, "products", product["id"])] == ["create"]


async def test_a_refused_write_leaves_no_entry(api: Api) -> None:
    status, _ = await api.call("POST", "/api/v1/contacts", json={
        "first_name": "A", "last_name": "B", "account_id": 999})
    assert status == 422
    _, page = await api.call("GET", "/api/v1/audit")
    assert page["total"] == 0


async def test_a_change_and_its_entry_are_kept_or_lost_together(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(self: AuditLog, **_: Any) -> None:
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr(AuditLog, "record", broken)
    status, body = await api.call("POST", "/api/v1/accounts", json={"name": "Ghost Inc"})
    assert (status, body["error"]) == (500, "internal error")
    monkeypatch.undo()
    _, page = await api.call("GET", "/api/v1/accounts?name=Ghost%20Inc")
    assert page["total"] == 0


async def test_related_rows_changed_with_a_contact_are_in_its_entry(api: Api) -> None:
    contact = await api.create("contacts", {"first_name": "Ada", "last_name": "L",
                                            "phones": [{"number": "+15550001001"}]})
    await api.call("PATCH", f"/api/v1/contacts/{contact['id']}",
                   json={"phones": [{"number": "+15550001009", "kind": "home"}]})
    update = (await _history(api, "contacts", contact["id"]))[0]
    assert update["changes"] == {"phones": {
        "before": [{"e164": "+15550001001", "kind": "mobile"}],
        "after": [{"e164": "+15550001009", "kind": "home"}]}}


async def test_password_changes_are_logged_without_the_hash(api: Api) -> None:
    created = await api.create("users", {"username": "nina", "role": "agent",
                                         "password": "first-secret"})
    await api.call("PATCH", f"/api/v1/users/{created['id']}", json={"password": "second-secret"})
    entries = await _history(api, "users", created["id"])
    assert [e["action"] for e in entries] == ["update", "create"]
    assert entries[0]["changes"] == {"password_hash": {"before": "***", "after": "***"}}
    async with sessions(api.engine)() as session:
        stored = (await session.scalars(select(User).where(User.username == "nina"))).one()
    text = json.dumps(entries)
    assert stored.password_hash not in text and "scrypt$" not in text
    assert "second-secret" not in text and "first-secret" not in text


async def test_only_admins_read_the_log_and_it_filters(api: Api) -> None:
    first = await api.create("leads", {"first_name": "A", "last_name": "One"}, "sales")
    await api.create("leads", {"first_name": "B", "last_name": "Two"}, "sales")
    for role in ("agent", "supervisor", "sales", "marketing"):
        assert (await api.call("GET", "/api/v1/audit", role))[0] == 403
    assert [e["entity_id"] for e in await _history(api, "leads", first["id"])] == [first["id"]]
    _, by_sam = await api.call("GET", "/api/v1/audit?username=sam&action=create&sort=at")
    assert by_sam["total"] == 2
    status, _ = await api.call("POST", "/api/v1/audit", json={"entity": "x"})
    assert status == 405


def test_the_diff_names_changed_fields_only_and_masks_secrets() -> None:
    before = {"name": "A", "price": Decimal("2.50"), "password_hash": "scrypt$old",
              "at": dt.datetime(2026, 1, 1, 12, 0)}
    after = {"name": "A", "price": Decimal(3), "password_hash": "scrypt$new",
             "at": dt.datetime(2026, 1, 1, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))}
    changes = masked(diff(before, after))
    assert changes == {"price": {"before": "2.50", "after": "3"},
                       "password_hash": {"before": "***", "after": "***"}}
