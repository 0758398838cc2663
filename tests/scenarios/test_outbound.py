"""Calls the platform places, over every driver: a callback a caller asked for in the
queue (the agent's phone rings first, then the customer's, and the two talk), and
click-to-talk (an agent calls a number from the desktop API)."""

from __future__ import annotations

from tests.scenarios.lines import Line, event, interaction, sign_in

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


async def test_an_agent_clicks_a_number_and_talks_to_the_customer(line: Line) -> None:
    phone = await line.phone(AGENT)
    await sign_in(line, AGENT)
    token = await line.platform.login(AGENT, "demo-agent101-pass")
    placed = await line.platform.api("POST", "/api/v1/click-to-talk",
                                     {"number": "+1 (212) 555-0180"}, token=token,
                                     expect=None)
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
