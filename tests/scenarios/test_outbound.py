"""Calls the platform places, over every driver: a callback a caller asked for in the
queue (the agent's phone rings first, then the customer's, and the two talk), a
callback whose customer is busy or does not answer, and click-to-talk (an agent calls a
number from the desktop API: a customer who answers, and a busy one).

The callback nobody answers runs on the sim and Twilio, not on Asterisk: its unanswered
customer rings until the platform gives up (``dial_callees``' number that never
answers), which would hold the run for the whole ring timeout.
"""

from __future__ import annotations

import pytest

from tests.integration.dial_callees import BUSY, NO_ANSWER, number
from tests.scenarios.lines import Kind, Line, event, interaction, sign_in

MENU = "basic-pbx-ivr-main"
AGENT = "agent101"


async def test_a_caller_left_waiting_is_called_back_through_an_agent(line: Line) -> None:
    phone = await line.phone(AGENT)
    number = "+12125550170"
    caller = await line.call_in(number)
    await caller.heard(MENU)
    await caller.press("1")  # sales: nobody available, a callback after 2 s of waiting
    overflowed = await event(line, "call.overflowed", call_id=caller.call_id)
    assert (overflowed["kind"], overflowed["target"]) == ("callback", number)
    await caller.gone()  # the platform promised the callback and hung up
    await sign_in(line, AGENT)  # the virtual caller's turn
    dialed = await event(line, "call.dialed", origin=caller.call_id)
    assert (dialed["dialed"], dialed["queue"], dialed["direction"]) == (
        number, "sales", "outbound")
    connected = await event(line, "callback.connected", call_id=dialed["call_id"])
    assert (connected["number"], connected["agent"]) == (number, AGENT)
    await phone.hang_up()  # the agent ends the call: the customer's leg with it
    ended = await event(line, "call.ended", call_id=dialed["call_id"])
    assert ended["outcome"] == "answered"
    await event(line, "agent.state", agent=AGENT, state="wrap_up")
    record = await line.platform.api("GET", f"/api/v1/calls/{dialed['call_id']}")
    assert (record["direction"], record["agent"], record["queue"]) == (
        "outbound", AGENT, "sales")
    crm = await interaction(line, dialed["call_id"])
    assert (crm["direction"], crm["outcome"]) == ("outbound", "answered")


async def _called_back_in_vain(line: Line, customer: str, kind: Kind) -> dict[str, object]:
    """The caller at ``customer`` waits past the sales queue's limit; called back, their
    phone does as ``kind`` says; the end of that attempt."""
    await line.phone(AGENT)
    line.callee(customer, kind)
    caller = await line.call_in(customer)
    await caller.heard(MENU)
    await caller.press("1")
    await event(line, "call.overflowed", call_id=caller.call_id)
    await caller.gone()
    await sign_in(line, AGENT)
    dialed = await event(line, "call.dialed", origin=caller.call_id)
    ended = await event(line, "call.ended", call_id=dialed["call_id"])
    freed = await event(line, "agent.state", agent=AGENT, state="available", after=dialed)
    assert freed["agent"] == AGENT  # the agent's phone was hung up, the agent is free
    return ended


async def test_a_busy_customer_ends_the_callback_attempt(line: Line) -> None:
    ended = await _called_back_in_vain(line, number(BUSY, 5), "busy")
    assert ended["outcome"] == "callback_busy"


@pytest.mark.parametrize("line", ["sim", "twilio"], indirect=True)
async def test_a_customer_who_does_not_answer_ends_the_callback_attempt(line: Line) -> None:
    ended = await _called_back_in_vain(line, number(NO_ANSWER, 5), "no_answer")
    assert ended["outcome"] == "callback_no_answer"


async def test_an_agent_clicks_a_number_and_talks_to_the_customer(line: Line) -> None:
    phone = await line.phone(AGENT)
    await sign_in(line, AGENT)
    token = await line.platform.login(AGENT, "demo-agent101-pass")
    placed = await line.platform.api("POST", "/api/v1/click-to-talk",
                                     {"number": "+1 (212) 555-0180"}, token=token,
                                     expect=202)
    assert placed.get("number") == "+12125550180", placed
    answered = await event(line, "call.answered", call_id=placed["call_id"])
    assert answered["agent"] == AGENT
    dialed = await event(line, "call.dialed", call_id=placed["call_id"])
    assert (dialed["dialed"], dialed["direction"]) == ("+12125550180", "outbound")
    await phone.hang_up()
    ended = await event(line, "call.ended", call_id=placed["call_id"])
    assert ended["outcome"] == "answered"
    crm = await interaction(line, placed["call_id"])
    assert (crm["direction"], crm["agent"]) == ("outbound", AGENT)


async def test_a_busy_number_an_agent_clicks_ends_as_busy(line: Line) -> None:
    await line.phone(AGENT)
    await sign_in(line, AGENT)
    customer = number(BUSY, 6)
    line.callee(customer, "busy")
    token = await line.platform.login(AGENT, "demo-agent101-pass")
    placed = await line.platform.api("POST", "/api/v1/click-to-talk", {"number": customer},
                                     token=token, expect=202)
    ended = await event(line, "call.ended", call_id=placed["call_id"])
    assert ended["outcome"] == "busy"
    record = await line.platform.api("GET", f"/api/v1/calls/{placed['call_id']}")
    assert (record["direction"], record["outcome"]) == ("outbound", "busy")
    await event(line, "agent.state", agent=AGENT, state="available", after=ended)
