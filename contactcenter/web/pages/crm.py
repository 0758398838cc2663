"""The CRM pages: contacts found by name, phone or e-mail; a contact's card with their
timeline; an account's card. Every phone number on them is a click-to-talk button.

Theory of operation. Each page is a shell whose start-up data is the record
itself, read on the server through ``crm_core`` (``contact_search``,
``contact_card``); ``static/crm.js`` draws it with ``el`` (text as text, so a
``<script>`` in a note stays words on the screen) and turns each number into
the desktop's click-to-talk button (``phoneButton``), whose refusal (do not
call, calling hours) the page shows. A contact's card stays current without
polling: a call of theirs, or any call of the signed-in agent, moving on the
event stream has the page read the card again from
``GET /api/v1/contacts/{id}/card``, once the call has had a moment to land in
the CRM; older timeline entries come from ``GET /api/v1/contacts/{id}/timeline``.

Who may open them: the resource ``crm_pages``, given to the roles that may read
contacts (``contactcenter.web.permissions``); the two JSON routes need
``contacts`` read. The card shows what the screen-pop shows (open cases and
deals, orders, calls with their notes) plus the rest of the timeline.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from aiohttp import web

from contactcenter.web.http import BadInput
from contactcenter.web.keys import DATABASE, PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.outbound_routes import CLICK_TO_TALK
from contactcenter.web.pages.render import fill, page
from contactcenter.web.pages.views import csrf_for, nav
from contactcenter.web.permissions import allowed
from contactcenter.web.recording_routes import annotate
from contactcenter.web.routing import Handler, add_route
from crm_core.contact_card import ContactCards
from crm_core.contact_search import MAX_TEXT, search_contacts
from crm_core.listing import digits

CARDS = web.AppKey("contact_cards", ContactCards)
CONTACTS = "/crm/contacts"
#: contacts per page of search results
PAGE_SIZE = 25
#: timeline entries a card starts with, and the most one request may ask for
ENTRIES = 50
MAX_ENTRIES = 200
#: the furthest a timeline may be paged
MAX_OFFSET = 10_000
#: ids are 32-bit integers in both databases; a larger one names no row
MAX_ID = 2**31 - 1


def _id(request: web.Request) -> int | None:
    row_id = int(request.match_info["id"])
    return row_id if row_id <= MAX_ID else None


def _whole(request: web.Request, name: str, default: int, high: int, *,
           strict: bool) -> int:
    """A whole-number query parameter; a page ignores a bad one, the API names it."""
    text = request.query.get(name)
    if text is None:
        return default
    if digits(text) and int(text) <= high:
        return int(text)
    if strict:
        raise BadInput(400, f"{name}: must be a whole number from 0 to {high}", name)
    return default


def _calling(request: web.Request) -> dict[str, Any]:
    """Whether the numbers on the page may be buttons, and if not, why."""
    principal = request[PRINCIPAL]
    why = ""
    if CLICK_TO_TALK not in request.app:
        why = "click-to-talk is not available on this platform"
    elif not allowed(principal.role, "click_to_talk", "create"):
        why = f"the {principal.role} role does not place calls"
    elif principal.agent is None:
        why = "click-to-talk needs a user linked to an agent"
    return {"can_call": not why, "no_call_reason": why, "agent": principal.agent,
            "user": principal.username, "role": principal.role, "server_time": time.time()}


def _page(request: web.Request, *, title: str, template: str, data: dict[str, Any],
          status: int = 200, **values: object) -> web.Response:
    return page(title=title, body_class="crm", main=fill(template, **values),
                script="crm.js", data=_calling(request) | data, nav=nav(request, CONTACTS),
                status=status, csrf=csrf_for(request))


def _missing(request: web.Request, what: str) -> web.Response:
    return _page(request, title=f"No such {what}", template="crm_missing.html",
                 data={"page": "missing"}, status=404, what=what)


async def contacts_page(request: web.Request) -> web.Response:
    text = request.query.get("q", "")[:MAX_TEXT]
    offset = _whole(request, "offset", 0, MAX_ID, strict=False)
    results = await search_contacts(request.app[DATABASE], text, limit=PAGE_SIZE,
                                    offset=offset)
    return _page(request, title="Contacts", template="crm_contacts.html", q=text,
                 data={"page": "contacts", "results": dataclasses.asdict(results)})


async def contact_page(request: web.Request) -> web.Response:
    contact_id = _id(request)
    card = None if contact_id is None else await request.app[CARDS].contact(
        contact_id, entries=ENTRIES)
    if card is None:
        return _missing(request, "contact")
    await annotate(request, card["timeline"]["items"])  # a player for who may hear a call
    contact = card["contact"]
    name = f"{contact['first_name']} {contact['last_name']}".strip()
    return _page(request, title=name or "Contact", template="crm_contact.html",
                 data={"page": "contact", "card": card})


async def account_page(request: web.Request) -> web.Response:
    account_id = _id(request)
    card = None if account_id is None else await request.app[CARDS].account(account_id)
    if card is None:
        return _missing(request, "account")
    return _page(request, title=card["account"]["name"] or "Account",
                 template="crm_account.html", data={"page": "account", "card": card})


async def contact_card(request: web.Request) -> web.Response:
    contact_id = _id(request)
    entries = _whole(request, "limit", ENTRIES, MAX_ENTRIES, strict=True)
    card = None if contact_id is None else await request.app[CARDS].contact(
        contact_id, entries=max(1, entries))
    if card is None:
        raise BadInput(404, f"no contact with id {request.match_info['id']}")
    await annotate(request, card["timeline"]["items"])
    return web.json_response(card)


async def contact_timeline(request: web.Request) -> web.Response:
    contact_id = _id(request)
    limit = _whole(request, "limit", ENTRIES, MAX_ENTRIES, strict=True)
    offset = _whole(request, "offset", 0, MAX_OFFSET, strict=True)
    found = None if contact_id is None else await request.app[CARDS].timeline(
        contact_id, limit=max(1, limit), offset=offset)
    if found is None:
        raise BadInput(404, f"no contact with id {request.match_info['id']}")
    await annotate(request, found["items"])
    return web.json_response(found)


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
_PAGE = {"200": {"description": "the page", "content": {"text/html": {}}},
         "404": {"description": "no such record (a page)", "content": {"text/html": {}}},
         # a refused page is a page (``pages_answer_as_pages``), but for a path that names
         # no record the way a page does (an id of 11 digits), which gets the API's JSON
         "401": {**ERROR, "description": "not signed in", "content": {
             "text/html": {}, **ERROR["content"]}},
         "403": {**ERROR, "description": "not for the user's role", "content": {
             "text/html": {}, **ERROR["content"]}}}
_ENTRY = {"type": "object", "description": "`kind` (interaction, case or activity), `at` (its "
          "time) and the row's fields: a call's queue, agent, outcome, disposition, wait, "
          "talk, wrap and hold seconds, notes, script answers, recording, parties (who was "
          "on the call and when), `recording_parts` and `recording_play` (only for those "
          "who may hear the call: each recorded part's status and play link, and the "
          "last part's, docs/recordings.md); a case's subject and status; an activity's kind "
          "(`activity`), subject and body"}
_TIMELINE = {"type": "object", "properties": {
    "items": {"type": "array", "items": _ENTRY}, "offset": {"type": "integer"},
    "limit": {"type": "integer"},
    "next_offset": {"type": ["integer", "null"], "description": "null on the last page"}}}
_LIMIT = {"name": "limit", "in": "query", "required": False, "description": "entries, "
          f"{ENTRIES} by default", "schema": {"type": "integer", "minimum": 0,
                                              "maximum": MAX_ENTRIES}}
_OFFSET = {"name": "offset", "in": "query", "required": False,
           "schema": {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET}}


def _page_operation(summary: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {"summary": summary, "tags": ["pages"], "parameters": list(parameters),
            "responses": dict(_PAGE)}


#: (path, handler, resource, operation)
ROUTES: tuple[tuple[str, Handler, str, dict[str, Any]], ...] = (
    (CONTACTS, contacts_page, "crm_pages", _page_operation(
        "Contacts: search by name, phone or e-mail (HTML page)",
        {"name": "q", "in": "query", "required": False, "schema": {"type": "string"}},
        {"name": "offset", "in": "query", "required": False, "schema": {"type": "string"},
         "description": "a whole number; the page takes anything else as 0"})),
    ("/crm/contacts/{id:\\d+}", contact_page, "crm_pages", _page_operation(
        "A contact's card and timeline (HTML page)", _ID)),
    ("/crm/accounts/{id:\\d+}", account_page, "crm_pages", _page_operation(
        "An account's card: its contacts, open cases and deals, orders (HTML page)", _ID)),
    ("/api/v1/contacts/{id:\\d+}/card", contact_card, "contacts", {
        "summary": "A contact's card: the contact, account, phones, e-mails, open cases and "
                   "deals, last orders and the first `limit` entries of the timeline",
        "tags": ["contacts"], "parameters": [_ID, _LIMIT],
        "responses": {"200": json_content({"type": "object", "properties": {
            "contact": {"type": "object"}, "account": {"type": ["object", "null"]},
            "phones": {"type": "array"}, "emails": {"type": "array"},
            "open_cases": {"type": "array"}, "open_deals": {"type": "array"},
            "last_orders": {"type": "array"}, "timeline": _TIMELINE}}),
            "400": ERROR, "404": ERROR}}),
    ("/api/v1/contacts/{id:\\d+}/timeline", contact_timeline, "contacts", {
        "summary": "A contact's timeline: calls, cases and activities merged by time, "
                   "newest first",
        "tags": ["contacts"], "parameters": [_ID, _LIMIT, _OFFSET],
        "responses": {"200": json_content(_TIMELINE), "400": ERROR, "404": ERROR}}),
)


def add_crm_pages(app: web.Application) -> None:
    """The CRM pages and their JSON, when the app serves the CRM."""
    if DATABASE not in app:
        return
    app[CARDS] = ContactCards(app[DATABASE])
    for path, handler, resource, operation in ROUTES:
        add_route(app, "GET", path, handler, resource=resource, operation=operation)
