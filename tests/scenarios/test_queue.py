"""Queue to agent, over every driver: a caller picks support in the menu, the agent's
phone rings and is answered, they talk, the caller hangs up, the agent wraps up and is
available again; the call's record and CRM interaction say so. An abandon: the caller
hangs up while the agent's phone still rings. A phone left ringing: the call goes to the
next agent, the first is paused. Call control: the agent holds the caller, resumes, and
ends the call from their phone."""

from __future__ import annotations

from tests.scenarios.lines import Line, event, interaction, sign_in

MENU = "basic-pbx-ivr-main"
AGENT = "agent101"


async def test_an_agent_answers_talks_and_wraps_up(line: Line) -> None:
    await line.phone(AGENT)
    await sign_in(line, AGENT)
    caller = await line.call_in("+12125550160")
    await caller.heard(MENU)
    await caller.press("2")
    offered = await event(line, "call.offered", call_id=caller.call_id)
    assert (offered["agent"], offered["queue"]) == (AGENT, "support")
    answered = await event(line, "call.answered", call_id=caller.call_id)
    assert answered["agent"] == AGENT
    pop = await event(line, "screen.pop", call_id=caller.call_id)  # the agent's desktop
    assert (pop["agent"], pop["caller"], pop["direction"]) == (AGENT, "+12125550160",
                                                               "inbound")
    talking = await event(line, "agent.state", agent=AGENT, state="on_call")
    assert talking["call_id"] == caller.call_id
    await caller.hang_up()
    ended = await event(line, "call.ended", call_id=caller.call_id)
    assert ended["outcome"] == "answered"
    wrapping = await event(line, "agent.state", agent=AGENT, state="wrap_up", after=talking)
    await event(line, "agent.state", agent=AGENT, state="available", after=wrapping)
    record = await line.platform.api("GET", f"/api/v1/calls/{caller.call_id}")
    assert (record["agent"], record["queue"], record["outcome"]) == (
        AGENT, "support", "answered")
    assert record["engine"] == line.name  # the one field that tells the engines apart
    crm = await interaction(line, caller.call_id)
    assert (crm["direction"], crm["outcome"], crm["agent"]) == ("inbound", "answered", AGENT)
    assert crm["engine"] == line.name


async def test_a_caller_who_hangs_up_while_the_agent_rings_abandons(line: Line) -> None:
    await line.phone(AGENT, answers=False)
    await sign_in(line, AGENT)
    caller = await line.call_in("+12125550161")
    await caller.heard(MENU)
    await caller.press("2")
    ringing = await event(line, "agent.state", agent=AGENT, state="ringing")
    await caller.hang_up()
    abandoned = await event(line, "call.abandoned", call_id=caller.call_id)
    assert (abandoned["queue"], abandoned["ringing"]) == ("support", True)
    ended = await event(line, "call.ended", call_id=caller.call_id)
    assert ended["outcome"].startswith("abandoned")
    await event(line, "agent.state", agent=AGENT, state="available", after=ringing)
    crm = await interaction(line, caller.call_id)
    assert crm["outcome"] == ended["outcome"]


async def test_an_agent_holds_and_resumes_the_caller_then_hangs_up(line: Line) -> None:
    phone = await line.phone(AGENT)
    await sign_in(line, AGENT)
    caller = await line.call_in("+12125550162")
    await caller.heard(MENU)
    await caller.press("2")
    await event(line, "call.answered", call_id=caller.call_id)
    token = await line.platform.login(AGENT, "demo-agent101-pass")
    control = f"/api/v1/calls/{caller.call_id}/control"
    held = await line.platform.api("POST", control, {"action": "hold"}, token=token)
    assert held["state"] == "holding"
    await event(line, "call.held", call_id=caller.call_id)
    resumed = await line.platform.api("POST", control, {"action": "resume"}, token=token)
    assert resumed["state"] == "talking" and resumed["held_total"] > 0
    await event(line, "call.retrieved", call_id=caller.call_id)
    await phone.hang_up()  # the agent ends the call: the caller is hung up too
    await caller.gone()
    ended = await event(line, "call.ended", call_id=caller.call_id)
    assert ended["outcome"] == "answered"


async def test_a_phone_left_ringing_passes_the_call_to_the_next_agent(line: Line) -> None:
    await line.phone(AGENT, answers=False)
    await sign_in(line, AGENT)
    await line.phone("agent102")
    await sign_in(line, "agent102")  # idle for less time: offered second
    caller = await line.call_in("+12125550163")
    await caller.heard(MENU)
    await caller.press("2")
    first = await event(line, "call.offered", call_id=caller.call_id)
    assert first["agent"] == AGENT
    missed = await event(line, "agent.state", agent=AGENT, state="paused", after=first)
    assert missed["reason"] == "ring_timeout"  # the queue's after_ring_timeout: not ready
    second = await event(line, "call.offered", call_id=caller.call_id, after=first)
    assert second["agent"] == "agent102"
    answered = await event(line, "call.answered", call_id=caller.call_id)
    assert answered["agent"] == "agent102"
    await caller.hang_up()
    ended = await event(line, "call.ended", call_id=caller.call_id)
    assert ended["outcome"] == "answered"
    record = await line.platform.api("GET", f"/api/v1/calls/{caller.call_id}")
    assert record["agent"] == "agent102"
