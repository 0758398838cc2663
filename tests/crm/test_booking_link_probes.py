"""Probes of a customer's booking link: input at the edges of the range answers 4xx."""

from __future__ import annotations

import re
import warnings

from contactcenter.web.origins import allow_origins
from tests.crm import test_callback_booking as booking
from tests.crm.api_client import Api
from tests.crm.test_callback_booking_links import _book, _mine
from tests.crm.test_callback_gate import KNOWN, Floor

floor, api, iso = booking.floor, booking.api, booking.iso
#: the platform's public address behind a proxy (the allowed_origins setting)
PUBLIC = "https://cc.example.com"


async def test_a_move_to_the_end_of_time_is_refused_not_failed(api: Api, floor: Floor) -> None:
    made = await _book(api, KNOWN, 11)
    for start in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+00:00",
                  "9999-12-31T23:59:59-14:00"):
        status, body = await api.call("PATCH", _mine(made), None, json={"start": start})
        assert status in (409, 422), (start, status, body)


async def test_the_page_move_form_far_ahead_is_refused_not_failed(
        api: Api, floor: Floor) -> None:
    made = await _book(api, KNOWN, 11)
    for slot in ("999999999999", "253402300799", "0"):
        answer = await api.client.post(f"{made['link']}/move", data={"slot": slot},
                                       allow_redirects=False)
        text = await answer.text()
        assert answer.status in (409, 422) and "no longer be moved" not in text, (slot, text)


async def test_a_booking_at_the_end_of_time_is_refused_not_failed(
        api: Api, floor: Floor) -> None:
    status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": KNOWN, "start": "9999-12-31T23:59:59+00:00"})
    assert (status, body["rule"]) == (409, "full"), body


async def test_the_page_move_form_takes_ascii_digits_only(api: Api, floor: Floor) -> None:
    """A slot of other digits (superscripts, another script's) is no time the page offers:
    the customer is asked to choose one, not told their call can no longer move."""
    made = await _book(api, KNOWN, 11)
    for slot in ("²", "١٢٣"):
        answer = await api.client.post(f"{made['link']}/move", data={"slot": slot},
                                       allow_redirects=False)
        text = await answer.text()
        assert (answer.status, "Please choose one of the times" in text) == (422, True), text


async def test_the_pages_forms_are_taken_from_the_platforms_public_origin_behind_a_proxy(
        api: Api, floor: Floor) -> None:
    """Behind a proxy that answers on another name, the booking's page is the proxy's
    public origin, which the settings list (``allowed_origins``), as the sign-in takes it;
    another site is still refused."""
    with warnings.catch_warnings():  # the settings are read before the app starts
        warnings.simplefilter("ignore", DeprecationWarning)
        allow_origins(api.app, [PUBLIC])
    made = await _book(api, KNOWN, 11)
    behind = {"Host": "10.0.0.5:8080"}  # the address the proxy asks the platform on
    elsewhere = await api.client.post(f"{made['link']}/cancel", data={}, allow_redirects=False,
                                      headers={**behind, "Origin": "https://evil.example"})
    assert elsewhere.status == 403
    own = await api.client.post(f"{made['link']}/cancel", data={}, allow_redirects=False,
                                headers={**behind, "Origin": PUBLIC})
    assert own.status == 303, await own.text()


async def test_the_help_pages_booking_form_and_thanks_take_ascii_digits_only(
        api: Api, floor: Floor) -> None:
    """A slot or a thanks' time of other digits (a superscript, too far ahead for a
    calendar) is no time the form offers: refused or left out, never a failed page."""
    for query in ("booked=999999999999", "booked=%C2%B2"):
        answer = await api.client.get(f"/help?{query}")
        assert answer.status == 200, (query, await answer.text())
        assert "Thank you. We will call you back" not in await answer.text()
    page = await (await api.client.get("/help")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    answer = await api.client.post("/help/callback", data={
        "csrf": csrf.group(1), "name": "Ann", "phone": KNOWN, "topic": "invoice",
        "slot": "²"}, allow_redirects=False)
    text = await answer.text()
    assert (answer.status, "Please choose one of the times" in text) == (422, True), text


async def test_the_help_pages_forms_are_taken_from_the_public_origin_behind_a_proxy(
        api: Api, floor: Floor) -> None:
    """The help page's own forms (a callback booked, a question sent) behind a proxy that
    answers on another name: its public origin, listed in ``allowed_origins``, books;
    another site is still refused."""
    with warnings.catch_warnings():  # the settings are read before the app starts
        warnings.simplefilter("ignore", DeprecationWarning)
        allow_origins(api.app, [PUBLIC])
    behind = {"Host": "10.0.0.5:8080"}  # the address the proxy asks the platform on
    page = await (await api.client.get("/help", headers=behind)).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    form = {"csrf": csrf.group(1), "name": "Ann", "phone": KNOWN, "topic": "invoice"}
    elsewhere = await api.client.post("/help/callback", data=form, allow_redirects=False,
                                      headers={**behind, "Origin": "https://evil.example"})
    assert elsewhere.status == 403
    own = await api.client.post("/help/callback", data=form, allow_redirects=False,
                                headers={**behind, "Origin": PUBLIC})
    assert own.status == 303, await own.text()
