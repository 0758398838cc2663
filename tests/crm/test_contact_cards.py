"""What the CRM pages read, on SQLite and PostgreSQL: contacts found by name, phone or
e-mail a page at a time; a contact's card; their timeline of calls, cases and
activities merged by time; an account's card."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.contact_card import ContactCards
from crm_core.contact_search import search_contacts
from crm_core.db import sessions
from crm_core.models import (
    Account,
    Activity,
    Case,
    Contact,
    ContactEmail,
    ContactPhone,
    Interaction,
    Opportunity,
    Order,
)

T0 = dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC)


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


async def _people(engine: AsyncEngine) -> dict[str, int]:
    """Ada and Augusta at one account, Grace on her own, and a name with wildcards."""
    async with sessions(engine)() as session, session.begin():
        engines = Account(name="Analytical Engines", segment="enterprise",
                          time_zone="Europe/London")
        people = {
            "ada": Contact(first_name="Ada", last_name="Lovelace", email="ada@example.com",
                           account=engines, vip=True, time_zone="Europe/London",
                           phones=[ContactPhone(e164="+15550001001"),
                                   ContactPhone(e164="+442079460018", kind="work")],
                           emails=[ContactEmail(email="countess@engines.example")]),
            "augusta": Contact(first_name="Augusta", last_name="Lovelace", account=engines,
                               do_not_call=True, phones=[ContactPhone(e164="+15550001002")]),
            "grace": Contact(first_name="Grace", last_name="Hopper",
                             email="grace@navy.example",
                             phones=[ContactPhone(e164="+15550002002")]),
            "odd": Contact(first_name="Percy", last_name="Zz_100%"),
        }
        session.add_all(people.values())
        await session.flush()
        return {name: contact.id for name, contact in people.items()}


def _names(results: list[dict[str, object]]) -> list[str]:
    return [f"{row['first_name']} {row['last_name']}" for row in results]


@pytest.mark.parametrize("typed, found", [
    ("ada", ["Ada Lovelace"]),
    ("LOVE", ["Ada Lovelace", "Augusta Lovelace"]),
    ("  ada   love ", ["Ada Lovelace"]),
    ("ada hopper", []),
    ("+1 (555) 000-1001", ["Ada Lovelace"]),
    ("5550001001", ["Ada Lovelace"]),
    ("000-100", ["Ada Lovelace", "Augusta Lovelace"]),
    ("020 7946 0018", []),  # a UK number written the UK way is not a US one
    ("2079460018", ["Ada Lovelace"]),
    ("grace@navy", ["Grace Hopper"]),
    ("@ENGINES.example", ["Ada Lovelace"]),
    ("zz_1", ["Percy Zz_100%"]),
    ("z__1", []),  # _ and % are characters, not wildcards
    ("%", []),
    ("", ["Grace Hopper", "Augusta Lovelace", "Ada Lovelace", "Percy Zz_100%"]),
])
async def test_contacts_are_found_by_name_phone_or_email(
        engine: AsyncEngine, typed: str, found: list[str]) -> None:
    await _people(engine)
    results = await search_contacts(sessions(engine), typed)
    assert results.total == len(found)
    assert sorted(_names(results.items)) == sorted(found)


async def test_results_come_a_page_at_a_time_with_account_and_phones(
        engine: AsyncEngine) -> None:
    await _people(engine)
    first = await search_contacts(sessions(engine), "", limit=2)
    assert (first.total, _names(first.items)) == (4, ["Grace Hopper", "Ada Lovelace"])
    second = await search_contacts(sessions(engine), "", limit=2, offset=2)
    assert _names(second.items) == ["Augusta Lovelace", "Percy Zz_100%"]
    ada = first.items[1]
    assert ada["account_name"] == "Analytical Engines" and ada["vip"] is True
    assert ada["phones"] == [{"e164": "+15550001001", "kind": "mobile"},
                             {"e164": "+442079460018", "kind": "work"}]
    assert second.items[0]["do_not_call"] is True
    beyond = await search_contacts(sessions(engine), "", limit=2, offset=10)
    assert (beyond.total, beyond.items) == (4, [])


async def _history(engine: AsyncEngine, contact_id: int) -> None:
    """Calls, cases and activities of one contact, some at the same moment."""
    async with sessions(engine)() as session, session.begin():
        session.add_all([
            Interaction(call_id="c1", contact_id=contact_id, started_at=at(0),
                        direction="inbound", queue="support", agent="agent101",
                        outcome="answered", disposition="resolved", wait_seconds=12.5,
                        talk_seconds=185.0, wrap_seconds=20.0,
                        notes="Reset the <b>router</b>", answers={"problem_area": "wifi"},
                        recording="support-c1.wav", ivr_path=["main", "support"]),
            Interaction(call_id="c2", contact_id=contact_id, started_at=at(30),
                        direction="outbound", agent="agent102", outcome="no_answer"),
            Case(subject="Router keeps dropping", contact_id=contact_id, opened_at=at(30),
                 status="open"),
            Activity(kind="note", subject="Prefers mornings", contact_id=contact_id,
                     created_at=at(10)),
            Activity(kind="task", subject="Send the manual", contact_id=contact_id,
                     created_at=at(5), done_at=at(45)),
            Interaction(call_id="other", started_at=at(50)),  # nobody's
        ])


def _labels(entries: list[dict[str, object]]) -> list[str]:
    return [str(entry.get("call_id") or entry.get("subject")) for entry in entries]


async def test_the_timeline_merges_calls_cases_and_activities_newest_first(
        engine: AsyncEngine) -> None:
    people = await _people(engine)
    await _history(engine, people["ada"])
    cards = ContactCards(sessions(engine))
    whole = await cards.timeline(people["ada"])
    assert whole is not None
    # at the same moment, the call comes before the case
    assert _labels(whole["items"]) == ["Send the manual", "c2", "Router keeps dropping",
                                       "Prefers mornings", "c1"]
    assert whole["next_offset"] is None
    call = whole["items"][-1]
    assert call["kind"] == "interaction"
    assert (call["disposition"], call["notes"], call["answers"]) == (
        "resolved", "Reset the <b>router</b>", {"problem_area": "wifi"})
    assert (call["wait_seconds"], call["talk_seconds"], call["wrap_seconds"]) == (
        12.5, 185.0, 20.0)
    assert (call["recording"], call["ivr_path"]) == ("support-c1.wav", ["main", "support"])
    assert dt.datetime.fromisoformat(call["at"]) == at(0)
    task = whole["items"][0]
    assert (task["kind"], task["activity"]) == ("activity", "task")
    assert dt.datetime.fromisoformat(task["at"]) == at(45)  # when it was done
    pages = []
    offset: int | None = 0
    while offset is not None:
        page = await cards.timeline(people["ada"], limit=2, offset=offset)
        assert page is not None
        pages.append(_labels(page["items"]))
        offset = page["next_offset"]
    assert pages == [["Send the manual", "c2"], ["Router keeps dropping", "Prefers mornings"],
                     ["c1"]]
    assert await cards.timeline(people["grace"]) == {"items": [], "offset": 0, "limit": 50,
                                                     "next_offset": None}
    assert await cards.timeline(999_999) is None


async def test_a_contacts_card_has_everything_the_page_shows(engine: AsyncEngine) -> None:
    people = await _people(engine)
    await _history(engine, people["ada"])
    async with sessions(engine)() as session, session.begin():
        session.add_all([
            Case(subject="Closed long ago", contact_id=people["ada"], opened_at=at(-900),
                 status="closed"),
            Opportunity(name="Difference engine", contact_id=people["ada"],
                        stage="meeting", amount=Decimal("9000.00")),
            Opportunity(name="Won already", contact_id=people["ada"],
                        stage="customer_billed"),
            *(Order(contact_id=people["ada"], total=Decimal(n), ordered_at=at(-n))
              for n in range(1, 8)),
        ])
    card = await ContactCards(sessions(engine)).contact(people["ada"], entries=3)
    assert card is not None
    contact = card["contact"]
    assert (contact["first_name"], contact["vip"], contact["do_not_call"],
            contact["time_zone"]) == ("Ada", True, False, "Europe/London")
    assert card["account"]["name"] == "Analytical Engines"
    assert [phone["e164"] for phone in card["phones"]] == ["+15550001001", "+442079460018"]
    assert card["emails"] == [{"email": "ada@example.com", "kind": "main"},
                              {"email": "countess@engines.example", "kind": "work"}]
    assert [case["subject"] for case in card["open_cases"]] == ["Router keeps dropping"]
    assert [deal["name"] for deal in card["open_deals"]] == ["Difference engine"]
    assert [order["total"] for order in card["last_orders"]] == ["1.00", "2.00", "3.00",
                                                                 "4.00", "5.00"]
    assert _labels(card["timeline"]["items"]) == ["Send the manual", "c2",
                                                  "Router keeps dropping"]
    assert card["timeline"]["next_offset"] == 3
    assert await ContactCards(sessions(engine)).contact(999_999) is None
    grace = await ContactCards(sessions(engine)).contact(people["grace"])
    assert grace is not None and grace["account"] is None
    assert grace["emails"] == [{"email": "grace@navy.example", "kind": "main"}]


async def test_an_accounts_card_lists_its_contacts_and_open_work(engine: AsyncEngine) -> None:
    people = await _people(engine)
    async with sessions(engine)() as session, session.begin():
        account_id = (await session.get(Contact, people["ada"])).account_id  # type: ignore[union-attr]
        session.add_all([
            Case(subject="Invoice twice", account_id=account_id, contact_id=people["augusta"],
                 opened_at=at(0), status="pending"),
            Case(subject="Done", account_id=account_id, opened_at=at(0), status="resolved"),
            Opportunity(name="Renewal", account_id=account_id, stage="contacted",
                        kind="renewal"),
            Order(account_id=account_id, total=Decimal("42.00"), ordered_at=at(0)),
        ])
    assert account_id is not None
    card = await ContactCards(sessions(engine)).account(account_id)
    assert card is not None
    assert card["account"]["name"] == "Analytical Engines"
    assert _names(card["contacts"]) == ["Ada Lovelace", "Augusta Lovelace"]
    assert card["contacts"][1]["do_not_call"] is True
    assert card["contacts"][0]["phones"][0]["e164"] == "+15550001001"
    assert [case["subject"] for case in card["open_cases"]] == ["Invoice twice"]
    assert [deal["name"] for deal in card["open_deals"]] == ["Renewal"]
    assert [order["total"] for order in card["last_orders"]] == ["42.00"]
    assert card["more_contacts"] is False
    assert await ContactCards(sessions(engine)).account(999_999) is None
