"""Twilio's lists of calls and conferences, as recorded in ``twilio_lists/`` (each file
names its documentation page), read at a restart into what the engine's ``resync`` takes:
only the platform's calls (its numbers, the legs its books know), in the shape the
Asterisk driver gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contactcenter.telephony import events as de
from contactcenter.telephony.twilio.resync import (
    LegInfo,
    ListedConference,
    ListError,
    Resynced,
    calls_of,
    conferences_of,
    next_page,
    participants_of,
    resynced,
)

LISTS = Path(__file__).parent / "twilio_lists"
NUMBERS = ("+15550005000",)
CALLER = "CA5a0f1b2c3d4e5f60718293a4b5c6d7e8"
OTHER_NUMBER = "CA6b1f2c3d4e5f60718293a4b5c6d7e8f9"
AGENT = "CA7c2f3d4e5f60718293a4b5c6d7e8f90a"
STRANGER = "CA8d3f4e5f60718293a4b5c6d7e8f90a1b"
DIAL = "CAaf5f60718293a4b5c6d7e8f90a1b2c3d"
CUSTOMER = "CAb06f718293a4b5c6d7e8f90a1b2c3d4e"
CONFERENCE = "CFbbe46ff1274e283f7e3ac1df0072ab39"
BOOKED = (
    LegInfo(leg_id="leg-agent-1", sid=AGENT, purpose="agent", call_id=CALLER,
            endpoint="agent101"),
    LegInfo(leg_id="dial-7-leg", sid=DIAL, purpose="dialer", call_id="dial-7"),
    LegInfo(leg_id="cb-3-customer", sid=CUSTOMER, purpose="customer", call_id="cb-3"),
    LegInfo(leg_id="leg-gone", sid="CA" + "0" * 32, purpose="agent", call_id="old"),
)


def _page(name: str) -> dict[str, Any]:
    recorded = json.loads((LISTS / f"{name}.json").read_text())
    assert recorded["source"].startswith("https://www.twilio.com/docs/")
    return dict(recorded["body"])


def _view() -> Resynced:
    calls = [*calls_of(_page("calls_in_progress_page0")),
             *calls_of(_page("calls_in_progress_page1")), *calls_of(_page("calls_ringing"))]
    conferences = [ListedConference(sid=sid, name=name, participants=tuple(
        participants_of(_page("participants")) if sid == CONFERENCE else ()))
        for sid, name in conferences_of(_page("conferences_in_progress"))]
    return resynced(calls, conferences, BOOKED, NUMBERS)


def test_pages_lead_to_the_next_until_the_last() -> None:
    first, last = _page("calls_in_progress_page0"), _page("calls_in_progress_page1")
    assert next_page(first) == first["next_page_uri"] and "Page=1" in str(next_page(first))
    assert next_page(last) is None
    assert [call.sid for call in calls_of(first)] == [CALLER, OTHER_NUMBER, AGENT]


def test_an_inbound_caller_to_a_platform_number_is_live_with_its_caller_id() -> None:
    view = _view()
    assert view.live == {CALLER: de.CallArrived(call_id=CALLER, caller="+15550001002",
                                                caller_name="ADA LOVELACE",
                                                dialed="+15550005000")}


def test_an_agent_leg_answered_is_given_by_its_leg_id_as_the_asterisk_driver_does() -> None:
    view = _view()
    assert view.legs == {"leg-agent-1": de.AgentAnswered(call_id=CALLER, leg_id="leg-agent-1",
                                                         endpoint="agent101")}
    assert view.call_sids["leg-agent-1"] == AGENT


def test_present_holds_the_platform_calls_in_progress_and_nothing_else() -> None:
    view = _view()
    # the campaign's callee is present (its runner knows it), the agent leg and caller too;
    # another number's caller, a call placed by someone else, a <Dial> child are not
    assert view.present == {CALLER, "leg-agent-1", "dial-7-leg"}
    assert OTHER_NUMBER not in view.live and STRANGER not in view.call_sids.values()


def test_a_leg_still_ringing_keeps_its_sid_but_is_not_present() -> None:
    view = _view()
    assert view.call_sids["cb-3-customer"] == CUSTOMER
    assert "cb-3-customer" not in view.present and "cb-3-customer" not in view.legs


def test_a_leg_the_books_know_but_twilio_no_longer_lists_is_dropped() -> None:
    view = _view()
    assert "leg-gone" not in view.call_sids and "leg-gone" not in view.present


def test_the_conference_of_a_bridge_and_who_is_in_it_muted_come_back() -> None:
    view = _view()
    bridge = f"b-{CALLER}"
    assert view.conferences == {bridge: CONFERENCE}  # not the account's other conference
    assert view.bridged == {CALLER: bridge, "leg-agent-1": bridge}
    assert view.muted == {CALLER}


def test_without_numbers_every_inbound_call_in_progress_is_the_platforms() -> None:
    calls = calls_of(_page("calls_in_progress_page0"))
    assert set(resynced(calls, [], [], ()).live) == {CALLER, OTHER_NUMBER}


@pytest.mark.parametrize("page", [{}, {"calls": None}, {"calls": ["CA1"]}])
def test_a_page_without_its_list_is_refused(page: dict[str, Any]) -> None:
    with pytest.raises(ListError):
        calls_of(page)
