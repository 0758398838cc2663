"""A supervisor on a live call, over every driver: the supervisor's own phone rings, and
once answered listens to the agent's call; hanging up leaves the call as it was, and the
session is kept with the call's record."""

from __future__ import annotations

from tests.scenarios.lines import Line, event, sign_in

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
