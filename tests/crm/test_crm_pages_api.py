"""The CRM pages on a real server, without a browser, on SQLite and PostgreSQL: who may
open them, what a page hands its script (escaped), the 403 and 404 pages, the card and
timeline JSON, and signing in back to a CRM page."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest

from crm_core.db import sessions
from crm_core.models import Interaction
from tests.crm.api_client import Api

MARKUP = "<script>alert(1)</script>"


async def _page(api: Api, path: str, role: str) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {api.token(role)}"}
    async with api.client.get(path, headers=headers) as response:
        return response.status, await response.text()


def _data(html: str) -> Any:
    found = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html)
    assert found is not None
    return json.loads(found.group(1))


async def _contact(api: Api) -> dict[str, Any]:
    account = await api.create("accounts", {"name": f"Acme {MARKUP}"})
    return dict(await api.create("contacts", {
        "first_name": "Ada", "last_name": MARKUP, "account_id": account["id"],
        "phones": [{"number": "+15550001001"}], "do_not_call": True}))


@pytest.mark.parametrize("role, status", [("agent", 200), ("sales", 200),
                                          ("supervisor", 200), ("admin", 200),
                                          ("marketing", 403)])
async def test_those_who_read_contacts_open_the_pages(api: Api, role: str,
                                                      status: int) -> None:
    contact = await _contact(api)
    for path in ("/crm/contacts", f"/crm/contacts/{contact['id']}",
                 f"/crm/accounts/{contact['account_id']}"):
        got, html = await _page(api, path, role)
        assert got == status, (path, html[:300])
        if status == 403:
            assert "Not for your role" in html and path in html
        else:
            assert '<script type="module" src="/assets/crm.js">' in html


async def test_a_page_hands_its_script_the_record_with_markup_escaped(api: Api) -> None:
    contact = await _contact(api)
    status, html = await _page(api, f"/crm/contacts?q={MARKUP}", "agent")
    assert status == 200
    assert MARKUP not in html  # neither in the search field nor in the page's data
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    data = _data(html)
    assert data["page"] == "contacts" and data["results"]["text"] == MARKUP
    assert [row["last_name"] for row in data["results"]["items"]] == [MARKUP]
    # the agent's user is linked to an agent, but this app places no calls
    assert (data["can_call"], data["no_call_reason"]) == (
        False, "click-to-talk is not available on this platform")
    status, html = await _page(api, f"/crm/contacts/{contact['id']}", "sales")
    assert MARKUP not in html
    card = _data(html)["card"]
    assert card["contact"]["do_not_call"] is True
    assert card["account"]["name"] == f"Acme {MARKUP}"
    assert card["phones"] == [{"e164": "+15550001001", "kind": "mobile"}]


async def test_a_record_that_is_not_there_is_a_404_page(api: Api) -> None:
    for path in ("/crm/contacts/987654", "/crm/accounts/987654", "/crm/contacts/99999999999"):
        status, html = await _page(api, path, "agent")
        assert status == 404 and 'id="missing"' in html, path


async def test_the_card_and_the_timeline_as_json(api: Api) -> None:
    contact = await _contact(api)
    async with sessions(api.engine)() as session, session.begin():
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        session.add_all(Interaction(call_id=f"call-{n}", contact_id=contact["id"],
                                    started_at=start + dt.timedelta(minutes=n),
                                    disposition="resolved", notes=f"note {n}")
                        for n in range(5))
    status, card = await api.call("GET", f"/api/v1/contacts/{contact['id']}/card?limit=2",
                                  "agent")
    assert status == 200
    assert [item["call_id"] for item in card["timeline"]["items"]] == ["call-4", "call-3"]
    assert card["timeline"]["next_offset"] == 2
    status, page = await api.call(
        "GET", f"/api/v1/contacts/{contact['id']}/timeline?offset=2&limit=2", "supervisor")
    assert status == 200
    assert [item["notes"] for item in page["items"]] == ["note 2", "note 1"]
    assert (page["offset"], page["next_offset"]) == (2, 4)
    status, body = await api.call(
        "GET", f"/api/v1/contacts/{contact['id']}/timeline?limit=lots", "agent")
    assert (status, body["field"]) == (400, "limit")
    status, body = await api.call("GET", "/api/v1/contacts/987654/card", "agent")
    assert status == 404
    status, _ = await api.call("GET", f"/api/v1/contacts/{contact['id']}/card", "marketing")
    assert status == 403


@pytest.mark.parametrize("target, kept", [
    ("/crm/contacts", True), ("/crm/contacts/12", True), ("/crm/accounts/3", True),
    ("/crm/contacts/12/x", False), ("//evil.example/crm/contacts", False),
])
async def test_signing_in_leads_back_to_a_crm_page(api: Api, target: str, kept: bool) -> None:
    async with api.client.get("/login", params={"next": target}) as response:
        data = _data(await response.text())
    assert data["next"] == (target if kept else "")
    assert data["home"]["sales"] == "/crm/contacts"
