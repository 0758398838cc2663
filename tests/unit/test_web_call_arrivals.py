"""How the engine's inbound calls meet the web calls' grants (``WebCalls.arrived``): a
call not marked ``web`` is none of theirs; a marked one is let in once, on its grant,
to its target's flow, with the visitor's contact as its caller; one met again after a
restart goes on to its target's flow whatever its grant."""

from __future__ import annotations

import pytest

from contactcenter.telephony.events import CallArrived
from contactcenter.webcall.grants import PREFIX, Grant
from contactcenter.webcall.service import WebCalls
from contactcenter.webcall.settings import WebCallSettings

SETTINGS = WebCallSettings.model_validate({"targets": {"support": {"queue": "support"}}})
GRANT = Grant(id=f"{PREFIX}d4", password="p" * 24, target="support", issued=0.0,
              expires=60.0, address="127.0.0.1", page="https://shop.example/help",
              email="ada@example.com",
              contact={"id": 7, "name": "Ada Lovelace", "phone": "+15550001001"})


def _calls(now: float = 10.0) -> WebCalls:
    calls = WebCalls(SETTINGS, flows={}, media_address="127.0.0.1", ari=lambda: None,
                     clock=lambda: now)
    calls.book.issue(GRANT)
    return calls


def _arrival(*args: str, dialed: str = "web-support") -> CallArrived:
    return CallArrived(call_id="c1", caller="web", caller_name="Web visitor", dialed=dialed,
                       args=args)


def test_a_call_not_marked_web_is_none_of_theirs() -> None:
    assert _calls().arrived(_arrival(dialed="5000"), resumed=False) is None
    assert _calls().arrived(_arrival("agent", "x"), resumed=False) is None


async def test_a_marked_call_goes_to_its_targets_queue_as_the_visitor() -> None:
    calls = _calls()
    web = calls.arrived(_arrival("web", GRANT.id), resumed=False)
    assert web is not None and web.flow is not None
    assert web.flow.name == "web-support" and web.flow.start == "queue"
    assert (web.caller, web.caller_name) == ("+15550001001", "Ada Lovelace")
    assert web.facts["page"] == "https://shop.example/help"
    again = calls.arrived(_arrival("web", GRANT.id), resumed=False)
    assert again is not None and again.flow is None  # refused: hung up


@pytest.mark.parametrize("args", [("web", f"{PREFIX}nobody"), ("web",), ("web", "agent101")])
def test_a_marked_call_without_its_grant_is_refused(args: tuple[str, ...]) -> None:
    web = _calls().arrived(_arrival(*args), resumed=False)
    assert web is not None and web.flow is None


def test_after_its_deadline_a_grant_lets_no_call_in() -> None:
    web = _calls(now=60.0).arrived(_arrival("web", GRANT.id), resumed=False)
    assert web is not None and web.flow is None


def test_a_call_met_again_after_a_restart_goes_on_to_its_targets_flow() -> None:
    calls = WebCalls(SETTINGS, flows={}, media_address="127.0.0.1", ari=lambda: None)
    for arrival in (_arrival(), _arrival("web", f"{PREFIX}gone")):
        web = calls.arrived(arrival, resumed=True)
        assert web is not None and web.flow is not None and web.flow.name == "web-support"
    assert calls.arrived(_arrival(dialed="5000"), resumed=True) is None
