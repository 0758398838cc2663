"""Dialer outcomes, over every driver: a progressive campaign dials its list with two
agents seated (each agent's line rung once and kept open); the person who answers is
put through to an agent, the answering machine is dropped, the number nobody answers
and the busy one end as such; every dial is a record with its outcome in the CRM."""

from __future__ import annotations

from typing import Any

from tests.scenarios.conftest import CAMPAIGN, PEOPLE
from tests.scenarios.lines import Line, event, events_of, interaction
from tests.support import until

AGENTS = ("agent101", "agent102")
BASE = f"/api/v1/dialer/campaigns/{CAMPAIGN}"


async def _board(line: Line) -> dict[str, Any]:
    listed = await line.platform.api("GET", "/api/v1/dialer/campaigns")
    return dict(next(c for c in listed["campaigns"] if c["campaign"] == CAMPAIGN))


async def test_a_campaign_reaches_a_person_and_ends_every_other_dial(line: Line) -> None:
    for number, kind in PEOPLE.items():
        line.callee(number, kind)  # type: ignore[arg-type]
    phones = {agent: await line.phone(agent) for agent in AGENTS}
    for agent in AGENTS:
        await line.platform.api("POST", f"{BASE}/seats", {"agent": agent}, expect=202)

    async def seated() -> bool:
        seats = (await _board(line))["agents"]["each"]
        return all(seats.get(agent) == "ready" for agent in AGENTS)

    await until(seated, seconds=15, what="the agents' lines never opened", every=0.1)
    await line.platform.api("POST", f"{BASE}/start", expect=None)
    reached = await event(line, "dialer.answered", human=True)
    answered = await event(line, "call.answered", call_id=reached["dial_id"])
    assert answered["agent"] == reached["agent"] and answered["agent"] in AGENTS
    await phones[answered["agent"]].hang_up()  # the agent ends the conversation

    await until(lambda: len(events_of(line, "dialer.ended")) >= len(PEOPLE), seconds=15,
                what="the list was never dialed through")
    dialed = {e["call_id"]: e for e in events_of(line, "call.dialed", campaign=CAMPAIGN)}
    outcomes = {dialed[e["dial_id"]]["dialed"]: e["outcome"]
                for e in events_of(line, "dialer.ended")}
    assert outcomes == PEOPLE
    assert PEOPLE[dialed[reached["dial_id"]]["dialed"]] == "human"
    verdicts = {dialed[e["call_id"]]["dialed"]: e["human"]
                for e in events_of(line, "dialer.detected")}
    assert verdicts == {number: kind == "human" for number, kind in PEOPLE.items()
                        if kind in ("human", "machine")}
    for call_id, placed in dialed.items():
        crm = await interaction(line, call_id)
        assert (crm["direction"], crm["outcome"]) == ("outbound", PEOPLE[placed["dialed"]])
    board = await _board(line)
    assert (board["connected"], board["abandoned"], board["dialed"]) == (1, 0, len(PEOPLE))
