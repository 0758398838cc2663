"""A supervisor on a live call, over every driver: the supervisor's own phone rings, and
once answered listens to the agent's call; hanging up leaves the call as it was, and the
session is kept with the call's record. On Twilio, each mode's place in the agent's
conference (muted, coaching, plain)."""

from __future__ import annotations

import pytest

from tests.scenarios.lines import Line, event, sign_in
from tests.scenarios.twilio_line import TwilioLine
from tests.support import until

AGENT, SUPERVISOR = "agent101", "supervisor1"


async def test_a_supervisor_listens_to_a_call_and_leaves_it_as_it_was(line: Line) -> None:
    await line.phone(AGENT)
    await sign_in(line, AGENT)
    supervisor = await line.phone(SUPERVISOR)
    caller = await line.call_in("+12125550164")
    await caller.heard("basic-pbx-ivr-main")
    await caller.press("2")
    await event(line, "call.answered", call_id=caller.call_id)
    token = await line.platform.login("supervisor", "demo-supervisor-pass")
    placed = await line.platform.api("POST", f"/api/v1/calls/{caller.call_id}/monitor",
                                     {"mode": "listen"}, token=token, expect=None)
    assert (placed.get("mode"), placed.get("endpoint")) == ("listen", SUPERVISOR), placed
    started = await event(line, "call.monitor.started", monitor_id=placed["monitor_id"])
    assert (started["monitored_call"], started["monitored_agent"]) == (caller.call_id, AGENT)
    await supervisor.hang_up()
    await event(line, "call.monitor.ended", monitor_id=placed["monitor_id"])
    calls = (await line.platform.api("GET", "/api/v1/calls"))["calls"]
    assert caller.call_id in [call["call_id"] for call in calls]  # the call goes on
    await caller.hang_up()
    ended = await event(line, "call.ended", call_id=caller.call_id)
    assert ended["outcome"] == "answered"
    record = await line.platform.api("GET", f"/api/v1/calls/{caller.call_id}")
    assert [(e["type"], e["mode"]) for e in record["events"]
            if e["type"].startswith("call.monitor")] == [
        ("call.monitor", "listen"), ("call.monitor.started", "listen"),
        ("call.monitor.ended", "listen")]


@pytest.mark.parametrize("line", ["twilio"], indirect=True)
@pytest.mark.parametrize(("mode", "muted", "coaching"), [
    ("listen", "true", False), ("whisper", "false", True), ("barge", "false", False)])
async def test_on_twilio_each_mode_joins_the_agent_s_conference_as_it_should(
        line: Line, mode: str, muted: str, coaching: bool) -> None:
    """Twilio's conference does what a snoop does on Asterisk: the supervisor's leg joins
    the agent's conference muted to listen, coaching the agent to whisper (the caller does
    not hear them), and plainly to barge."""
    assert isinstance(line, TwilioLine)
    await line.phone(AGENT)
    await sign_in(line, AGENT)
    await line.phone(SUPERVISOR)
    caller = await line.call_in("+12125550165")
    await caller.heard("basic-pbx-ivr-main")
    await caller.press("2")
    await event(line, "call.answered", call_id=caller.call_id)
    token = await line.platform.login("supervisor", "demo-supervisor-pass")
    placed = await line.platform.api("POST", f"/api/v1/calls/{caller.call_id}/monitor",
                                     {"mode": mode}, token=token, expect=None)
    await event(line, "call.monitor.started", monitor_id=placed["monitor_id"])
    calls = line.emulator.calls.values()
    agent = next(call for call in calls if call.target == f"client:{AGENT}")
    supervisor = next(call for call in calls if call.target == f"client:{SUPERVISOR}")
    await until(lambda: supervisor.conference is not None
                and supervisor.conference == agent.conference,
                what="the supervisor never joined the agent's conference")
    room = line.emulator.conferences.named(supervisor.conference or "")
    assert room is not None and caller.call_id in room.members
    member = room.members[supervisor.sid]
    coached = agent.sid if coaching else ""  # the agent alone hears a whisper
    assert (member["Muted"], member["CallSidToCoach"]) == (muted, coached)
    await caller.hang_up()
    await event(line, "call.ended", call_id=caller.call_id)
