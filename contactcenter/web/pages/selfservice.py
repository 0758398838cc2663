"""Web self-service (``/help``): customers search the knowledge base, read an article,
open a case and ask to be called back, without signing in.

The page works without JavaScript: plain forms, answered with a redirect
(post/redirect/get, so a reload does not send a form twice). An anonymous
visitor has no session to bind a CSRF token to, so the page gives them a random
``cc_help`` cookie (HttpOnly, SameSite=Strict) and each form carries an HMAC of
it: another site can neither read the token nor make the browser send the
cookie (the signed double-submit cookie of the OWASP CSRF cheat sheet). The two
forms are rate limited per client address, and every text is bounded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import logging
import secrets
import time
import uuid
from collections import deque
from urllib.parse import urlencode, urlsplit

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from contactcenter.calls import LOOKUP_TIMEOUT, Refused
from contactcenter.dialer.compliance import costly
from contactcenter.web.acd_routes import DISTRIBUTOR
from contactcenter.web.http import BadInput, form_object
from contactcenter.web.keys import AUTH, CUSTOMERS, DATABASE
from contactcenter.web.origins import allowed_origin
from contactcenter.web.pages.help_booking import REFUSED, book, booked_notice, slot_choices
from contactcenter.web.pages.help_talk import talk_button, with_talk
from contactcenter.web.pages.render import Markup, fill, join, page, tag
from crm_core import cases, knowledge
from crm_core.knowledge import MARK_END, MARK_START
from crm_core.listing import digits
from crm_core.phones import try_e164
from crm_core.query_values import MAX_INT

log = logging.getLogger(__name__)

COOKIE = "cc_help"
#: how the help page's forms are sent (a browser's default, without file uploads)
FORM = "application/x-www-form-urlencoded"
CALLBACK_QUEUE = "support"
CASE_TYPES = {"question": "A question", "problem": "Something does not work",
              "billing": "Billing or payment", "complaint": "A complaint",
              "request": "A request"}
LIMITS = {"name": 120, "email": 200, "phone": 40, "subject": 200, "description": 4000,
          "topic": 200, "q": 200}


class RateLimit:
    """At most ``count`` requests per ``window`` seconds from one address (a sliding window)."""

    def __init__(self, count: int = 5, window: float = 600, max_clients: int = 10_000) -> None:
        self.count, self.window, self.max_clients = count, window, max_clients
        self._seen: dict[str, deque[float]] = {}

    def allow(self, client: str, now: float) -> bool:
        if len(self._seen) >= self.max_clients:  # bounded memory: forget the idle ones
            self._seen = {key: times for key, times in self._seen.items()
                          if times and times[-1] > now - self.window}
        times = self._seen.setdefault(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.count:
            return False
        times.append(now)
        return True


LIMITER: web.AppKey[RateLimit] = web.AppKey("help_rate_limit", RateLimit)


def _token(request: web.Request, visitor: str) -> str:
    return request.app[AUTH].csrf_token(f"help:{visitor}")


def _visitor(request: web.Request) -> tuple[str, bool]:
    """The visitor's id from their cookie, or a new one (True: set the cookie)."""
    visitor = request.cookies.get(COOKIE, "")
    if 16 <= len(visitor) <= 64 and visitor.replace("-", "").replace("_", "").isalnum():
        return visitor, False
    return secrets.token_urlsafe(18), True


def _marked(snippet: str) -> Markup:
    """The search snippet with its ``**word**`` marks as ``<mark>``, the rest escaped."""
    parts = snippet.split(MARK_START) if MARK_START == MARK_END else [snippet]
    return join(tag("mark", part) if index % 2 else part for index, part in enumerate(parts))


async def _results(request: web.Request, query: str) -> Markup:
    if not query.strip():
        return Markup("")
    if DATABASE not in request.app:
        return tag("p", "The knowledge base is not available right now.", class_="error")
    hits = await knowledge.search(request.app[DATABASE], query[:LIMITS["q"]], 10)
    if not hits:
        return tag("p", f"No article matches “{query}”. Open a case below and we will "
                        "answer you.", id="no-results")
    items = join(tag("li", tag("a", hit.title, href=f"/help/articles/{hit.id}")
                     + tag("p", _marked(hit.snippet))) for hit in hits)
    return tag("ol", items, id="results", class_="results")


def _notice(request: web.Request) -> Markup:
    booked = booked_notice(request, CALLBACK_QUEUE)
    if booked is not None:
        return booked
    opened = request.query.get("opened", "")
    if digits(opened):
        return tag("p", f"Thank you. Your case number is {opened}: we will answer you by "
                        "e-mail.", id="notice", class_="notice", role="status")
    if request.query.get("callback") == "1":
        return tag("p", "Thank you. An agent will call you back as soon as one is free.",
                   id="notice", class_="notice", role="status")
    if request.query.get("callback") == "later":
        return tag("p", "Thank you. It is late where your phone is: an agent will call you "
                        "back once it is morning there.", id="notice", class_="notice",
                   role="status")
    return Markup("")


def _respond(request: web.Request, response: web.Response, visitor: str, new: bool) -> None:
    if new:
        response.set_cookie(COOKIE, visitor, path="/help", httponly=True, samesite="Strict",
                            secure=request.secure, max_age=24 * 3600)


async def help_page(request: web.Request) -> web.Response:
    visitor, new = _visitor(request)
    query = request.query.get("q", "")
    types = join(tag("option", label, value=value) for value, label in CASE_TYPES.items())
    main = fill("help.html", q=query[:LIMITS["q"]], results=await _results(request, query),
                notice=_notice(request), csrf=_token(request, visitor), types=types,
                slots=slot_choices(request, CALLBACK_QUEUE), talk=talk_button(request))
    response = page(title="Help centre", body_class="help", main=main)
    _respond(request, response, visitor, new)
    return with_talk(request, response)


async def article_page(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    # an id is a 32-bit integer in both databases: anything else names no article
    if not digits(raw) or int(raw) > MAX_INT or DATABASE not in request.app:
        return _no_article()
    try:
        article = await knowledge.get_article(request.app[DATABASE], int(raw))
    except LookupError:
        return _no_article()
    if not article.published:
        return _no_article()
    paragraphs = join(tag("p", part.strip()) for part in article.body.split("\n\n")
                      if part.strip())
    main = fill("article.html", title=article.title, body=paragraphs)
    return page(title=article.title, body_class="help", main=main)


#: what a visitor is told when the calling rules refuse the callback they asked for
_REFUSALS = {
    "do_not_call": "This number is on our do-not-call list, so we cannot call it back. "
                   "Please call us, or write to us below.",
    "unknown_time_zone": "We cannot tell the local time where this number rings, so we "
                         "cannot call it back. Please call us, or write to us below.",
    "calling_hours": "We may not call this number at any hour we are open. Please call us, "
                     "or write to us below.",
    "lookup_failed": "Callbacks cannot be booked right now. Please call us.",
}


def _refuse(status: int, message: str) -> web.Response:
    main = fill("help_error.html", message=message)
    return page(title="Help centre", body_class="help", main=main, status=status)


def _no_article() -> web.Response:
    return _refuse(404, "There is no such article. Search the help centre for another one.")


async def _checked_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | FileField] | web.Response:
    """The form, or the page refusing it: another site, no valid token, too many sends."""
    origin = request.headers.get("Origin")
    # the request's own host, or the public origin of a proxy in front (as the sign-in)
    if origin is not None and urlsplit(origin).netloc != request.host \
            and not allowed_origin(request):
        return _refuse(403, "This form must be sent from our own help page.")
    if request.content_type != FORM:  # the page's forms; nothing to spool to disk
        return _refuse(415, "This form must be sent from our own help page.")
    try:
        form = await form_object(request)
    except BadInput:
        return _refuse(400, "This form could not be read. Please send it from our own help "
                            "page.")
    visitor = request.cookies.get(COOKIE, "")
    sent = form.get("csrf")
    if not visitor or not isinstance(sent, str) or not hmac.compare_digest(
            sent.encode(), _token(request, visitor).encode()):
        return _refuse(403, "This form has expired. Please open the help page again and "
                            "send it from there.")
    if not request.app[LIMITER].allow(request.remote or "?", time.monotonic()):
        return _refuse(429, "Too many requests from your address. Please try again later.")
    return form


def _text(form: MultiDictProxy[str | bytes | bytearray | FileField], name: str, required: bool = True) -> str:
    value = form.get(name, "")
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise ValueError(f"Please fill in “{name}”.")
    if len(text) > LIMITS[name]:
        raise ValueError(f"“{name}” is longer than {LIMITS[name]} characters.")
    return text


async def open_case(request: web.Request) -> web.Response:
    form = await _checked_form(request)
    if isinstance(form, web.Response):
        return form
    if DATABASE not in request.app:
        return _refuse(503, "Cases cannot be opened right now. Please call us.")
    try:
        name, email = _text(form, "name"), _text(form, "email")
        phone, subject = _text(form, "phone", required=False), _text(form, "subject")
        description = _text(form, "description")
    except ValueError as exc:
        return _refuse(422, str(exc))
    kind = form.get("type")
    contact_id = account_id = None
    if phone and try_e164(phone) and CUSTOMERS in request.app:
        known = await request.app[CUSTOMERS].by_phone(phone, interactions=0, orders=0)
        if known is not None and known.contact is not None:
            contact_id = known.contact["id"]
            account_id = known.account["id"] if known.account else None
    details = f"{description}\n\nFrom the help page: {name} <{email}>" + (
        f", phone {phone}" if phone else "")
    case = await cases.open_case(
        request.app[DATABASE], subject=subject, now=dt.datetime.now(dt.UTC),
        contact_id=contact_id, account_id=account_id, channel="web", description=details,
        type_=kind if isinstance(kind, str) and kind in CASE_TYPES else "question")
    log.info("help page: case %d opened", case.id)
    raise web.HTTPSeeOther("/help?" + urlencode({"opened": case.id}))


async def request_callback(request: web.Request) -> web.Response:
    form = await _checked_form(request)
    if isinstance(form, web.Response):
        return form
    distributor = request.app.get(DISTRIBUTOR)
    if distributor is None or CALLBACK_QUEUE not in distributor.acd.config.queues:
        return _refuse(503, "Callbacks cannot be booked right now. Please call us.")
    try:
        name, raw = _text(form, "name"), _text(form, "phone")
        topic = _text(form, "topic", required=False)
    except ValueError as exc:
        return _refuse(422, str(exc))
    number = try_e164(raw)
    if number is None:
        return _refuse(422, f"“{raw}” is not a phone number we can call.")
    if costly(number):  # as soon as possible or booked: a premium line is never called
        return _refuse(409, REFUSED["costly_number"])
    slot = form.get("slot")
    if isinstance(slot, str) and slot not in ("", "now"):  # a time chosen: booked for it
        return _refuse(*await book(request, CALLBACK_QUEUE, slot, number=number, name=name,
                                   topic=topic))
    call_id = f"web-{uuid.uuid4()}"
    decision = distributor.request_callback(
        call_id, queue=CALLBACK_QUEUE, number=number, priority=0, skill=None,
        variables={"name": name, "topic": topic, "source": "web"}, source="callback_help")
    log.info("help page: callback %s requested", call_id)
    if decision is not None:  # the rules' answer, for the person who asked
        answer = await asyncio.wait_for(decision, LOOKUP_TIMEOUT + 5)
        if isinstance(answer, Refused):
            return _refuse(409, _REFUSALS.get(answer.rule, _REFUSALS["lookup_failed"]))
        if answer.earliest is not None:
            raise web.HTTPSeeOther("/help?callback=later")
    raise web.HTTPSeeOther("/help?callback=1")
