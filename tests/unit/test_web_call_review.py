"""Web calls under attack: what an anonymous visitor can and cannot make the platform do.

- The e-mail a visitor types is not proven: it names the contact on the record and the
  screen-pop, but the IVR and the queue (a ``lookup kind: caller`` that finds a VIP, a
  callback to ``{caller}``) must not take it for the caller's phone line, or a stranger
  who types a customer's address jumps the queue as that VIP, hears their account, or
  has the contact center call that customer's phone.
- A grant's endpoint may not transfer (REFER) the call's other party anywhere.
- Grants from many addresses together are capped: each is an endpoint in Asterisk's
  memory; and one IPv6 client (a /64) counts as one address.
"""

from __future__ import annotations

import asyncio

import pytest

from contactcenter.telephony.events import CallArrived
from contactcenter.web.http import BadInput
from contactcenter.web.webcall_routes import _text, page_of
from contactcenter.webcall.dialplan import endpoint_fields
from contactcenter.webcall.grants import PREFIX, Grant
from contactcenter.webcall.service import GrantError, WebCalls, limit_key
from contactcenter.webcall.settings import WebCallSettings

SETTINGS = WebCallSettings.model_validate({"targets": {"support": {"queue": "support"}}})
ADA = Grant(id=f"{PREFIX}a1", password="p" * 24, target="support", issued=0.0,
            expires=60.0, address="127.0.0.1", email="ada@example.com",
            contact={"id": 7, "name": "Ada Lovelace", "phone": "+15550001001"})


def _arrival() -> CallArrived:
    return CallArrived(call_id="c1", caller="web", caller_name="Web visitor",
                       dialed="web-support", args=("web", ADA.id))


async def test_the_flow_never_takes_the_typed_email_for_the_callers_line() -> None:
    calls = WebCalls(SETTINGS, flows={}, media_address="127.0.0.1", ari=lambda: None,
                     clock=lambda: 1.0)
    calls.book.issue(ADA)
    web = calls.arrived(_arrival(), resumed=False)
    assert web is not None and web.flow is not None
    # what the IVR and the queue see: an unproven web caller, no phone to look up or call
    assert web.arrival.caller == "web"
    # what the record and the agent's screen-pop say: the contact the visitor named
    assert (web.caller, web.caller_name) == ("+15550001001", "Ada Lovelace")
    assert web.facts["contact"]["id"] == 7
    await asyncio.gather(*calls._tasks)  # the credential withdrawn
    assert ADA.id not in calls.book.grants


def test_a_grants_endpoint_may_not_transfer() -> None:
    fields = {item["attribute"]: item["value"] for item in endpoint_fields(ADA, "127.0.0.1")}
    assert fields["allow_transfer"] == "no"


class _Ari:
    """Takes the pushes (the cap is decided before any reaches Asterisk)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send(self, request: object) -> None:
        self.sent.append(str(getattr(request, "path", "")))


async def test_grants_from_many_addresses_are_capped_all_together() -> None:
    settings = WebCallSettings.model_validate({
        "targets": {"support": {"queue": "support"}}, "max_live_grants": 3})
    ari = _Ari()
    calls = WebCalls(settings, flows={}, media_address="127.0.0.1",
                     ari=lambda: ari)  # type: ignore[arg-type,return-value]
    for n in range(3):
        await calls.grant(target="support", address=f"192.0.2.{n}")
    with pytest.raises(GrantError) as refused:
        await calls.grant(target="support", address="192.0.2.99")
    assert refused.value.status == 503
    assert len(ari.sent) == 6  # three grants' auth and endpoint, none for the fourth
    calls.book.forget(next(iter(calls.book.grants)))
    await calls.grant(target="support", address="192.0.2.99")  # room again


def test_the_live_grants_cap_is_a_setting_with_bounds() -> None:
    with pytest.raises(ValueError, match="max_live_grants"):
        WebCallSettings.model_validate({"targets": {"support": {"queue": "support"}},
                                        "max_live_grants": 0})


@pytest.mark.parametrize(("address", "key"), [
    ("192.0.2.7", "192.0.2.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
    ("?", "?"),
])
def test_one_ipv6_client_counts_as_one_address(address: str, key: str) -> None:
    assert limit_key(address) == key


@pytest.mark.parametrize(("given", "kept"), [
    ("https://shop.example.com/pricing", "https://shop.example.com/pricing"),
    # a reset link's token, an OAuth answer's fragment, a URL's password: never kept
    ("https://shop.example.com/reset?token=s3cret#access_token=abc",
     "https://shop.example.com/reset"),
    ("https://ann:pw@shop.example.com/a", "https://shop.example.com/a"),
    ("http://127.0.0.1:8080/help?q=refund", "http://127.0.0.1:8080/help"),
    ("our pricing page", "our pricing page"),
])
def test_the_page_is_kept_without_its_query_fragment_or_password(given: str,
                                                                 kept: str) -> None:
    assert page_of(given) == kept


@pytest.mark.parametrize("name", ["page", "email"])
def test_control_characters_are_refused_naming_the_field(name: str) -> None:
    body = {"page": "https://shop.example.com/\nFAKE log line", "email": "a\x00@b.example"}
    with pytest.raises(BadInput) as refused:
        _text(body, name)
    assert (refused.value.status, refused.value.field) == (422, name)
