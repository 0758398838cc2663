"""The agent desktop's routes on a real server, CRM and ACD, on SQLite and PostgreSQL:
the screen-pop over the agent's WebSocket and again over REST, the script on the call,
the disposition into the CRM's interaction, and who may do what."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, load_acd
from contactcenter.desk import Desk
from contactcenter.engine.distribution import Distributor
from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import CrmOutbox
from contactcenter.events.journal import CallJournal
from contactcenter.scripting import load_scripts
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.models import Interaction, User
from crm_core.seed import seed_demo
from crm_core.users import load_users
from tests import support
from tests.crm.api_client import password_hash

ROOT = Path(__file__).resolve().parents[2]
ADA = "+15550001001"
#: role -> (username, agent endpoint)
PEOPLE = {"root": ("admin", None), "sue": ("supervisor", None), "sam": ("sales", None),
          "agent101": ("agent", "agent101"), "agent102": ("agent", "agent102")}


class Caller:
    """A waiting caller's side, as the engine's call task takes the distributor's news."""

    def __init__(self, floor: Floor, call_id: str) -> None:
        self.floor, self.call_id = floor, call_id

    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None:
        pass

    def overflow(self, kind: str, target: str | None) -> None:
        pass

    def hang_up(self, reason: str) -> None:
        self.floor.publish("call.ended", self.call_id, cause=reason, outcome="answered")


@dataclass
class Floor:
    """Platform and app around the test's calls: the engine's part is played by hand."""

    client: TestClient
    auth: Authenticator
    bus: EventBus
    journal: CallJournal
    distributor: Distributor
    engine: AsyncEngine
    rings: dict[str, str] = field(default_factory=dict)  #: call -> the last leg rung

    def token(self, username: str) -> str:
        role, agent = PEOPLE[username]
        return self.auth.issue(Principal(username, role, agent), time.time())

    async def call(self, method: str, path: str, user: str = "agent101",
                   **kwargs: Any) -> tuple[int, Any]:
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {self.token(user)}"}
        async with self.client.request(method, path, headers=headers, **kwargs) as response:
            return response.status, await response.json()

    def publish(self, type_: str, call_id: str | None, /, **data: Any) -> None:
        """Journal a call's event first, then tell the subscribers (``Engine.publish``)."""
        event = {"type": type_, "time": time.time(), **data}
        if call_id is not None:
            event["call_id"] = call_id
        if call_id and not type_.startswith(("agent.", "queue.")):
            self.journal.append(event)
        self.bus.publish(event)

    def engine_event(self, event: dict[str, Any]) -> None:
        self.publish(event.pop("type"), event.pop("call_id", None), **event)

    async def arrive(self, call_id: str, number: str, digits: str = "1") -> None:
        """Through the main menu to the sales queue, then to the ACD."""
        self.publish("call.arrived", call_id, caller=number, dialed="5000", flow="main")
        for node in ("caller_lookup", "business_hours", "main_menu"):
            self.publish("ivr.step", call_id, node=node, node_type="x")
        self.publish("ivr.digits", call_id, node="main_menu", digits=digits)
        self.publish("ivr.step", call_id, node="sales", node_type="queue")
        variables = {"skill": "sales", "priority": "0"}
        self.publish("ivr.exit", call_id, kind="queue", target="sales", variables=variables)
        self.publish("call.queued", call_id, queue="sales", priority=0, skill="sales",
                     variables=variables)
        self.distributor.join(call_id, Caller(self, call_id), queue="sales", priority=0,
                              skill="sales", caller=number, variables=variables)
        await self.settled()

    async def answer(self, call_id: str) -> None:
        self.distributor.agent_answered(de.AgentAnswered(call_id=call_id,
                                                         leg_id=self.rings[call_id]))
        await self.settled()

    async def hang_up(self, call_id: str) -> None:
        self.distributor.leg_ended(self.rings[call_id], "normal")
        await self.settled()

    async def settled(self) -> None:
        await asyncio.sleep(0)  # the distributor's task takes what was just handed to it
        await self.distributor.drained()

    def state(self, agent: str) -> tuple[str, str]:
        view = self.distributor.acd.agent_state(agent)
        return view.state.value, view.reason

    async def interaction(self, call_id: str, until: str = "disposition") -> Interaction:
        found: list[Interaction] = []

        async def recorded() -> bool:
            async with sessions(self.engine)() as session:
                row = await session.scalar(select(Interaction)
                                           .where(Interaction.call_id == call_id))
            if row is None or getattr(row, until) is None:
                return False
            found.append(row)
            return True

        await support.until(recorded, seconds=10, what=f"{call_id}: no {until} in the CRM",
                            every=0.05)
        return found[0]


@pytest.fixture
async def floor(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Floor]:
    crm = sessions(engine)
    assert await seed_demo(crm, customers=0) == 3  # Ada Lovelace among them
    async with crm() as session, session.begin():  # the seed has users named like agents
        seeded = {user.username: user for user in await session.scalars(select(User))}
        for name, (role, agent) in PEOPLE.items():
            user = seeded.get(name) or User(username=name)
            user.role, user.agent, user.active = role, agent, True
            user.password_hash = password_hash()
            session.add(user)
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    bus = EventBus()
    config = load_acd(ROOT / "config/queues.yaml", ROOT / "config/agents.yaml")
    holder: list[Floor] = []

    async def send(command: dc.DriverCommand) -> None:
        if isinstance(command, dc.RingAgent):
            holder[0].rings[command.call_id] = command.leg_id

    distributor = Distributor(Acd(config, now=time.time()), send=send,
                              publish=lambda event: holder[0].engine_event(dict(event)),
                              clock=time.time)
    desk = Desk(bus=bus, journal=journal, customers=CustomerService(crm), acd=config,
                scripts=load_scripts(ROOT / "config/scripts"), distributor=distributor)
    app = create_app(bus=bus, journal=journal, auth=auth, health_check=dict, database=crm,
                     distributor=distributor, desk=desk)
    client = TestClient(TestServer(app))
    await client.start_server()
    floor = Floor(client, auth, bus, journal, distributor, engine)
    holder.append(floor)
    tasks = [desk.start(), asyncio.ensure_future(distributor.run()),
             asyncio.ensure_future(CrmOutbox(journal, crm, first_pause=0.05).run(bus))]
    for agent in ("agent101", "agent102"):
        distributor.registration(agent, True)
    yield floor
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await client.close()
    journal.close()


def login(floor: Floor, *agents: str) -> None:
    for agent in agents:
        floor.distributor.agent_event(AgentLoggedIn(agent=AgentId(agent)))


async def until_popped(floor: Floor, call_id: str) -> dict[str, Any]:
    popped: list[dict[str, Any]] = []

    async def served() -> bool:
        status, screen = await floor.call("GET", f"/api/v1/calls/{call_id}/screen", "sue")
        if status != 200:
            return False
        popped.append(dict(screen))
        return True

    await support.until(served, seconds=5, what=f"{call_id}: the screen-pop was never served")
    return popped[0]


async def test_the_agents_websocket_gets_adas_pop_with_her_360_and_ivr_digits(
        floor: Floor) -> None:
    login(floor, "agent101")
    url = "/api/v1/events?types=call.offered,screen.pop"
    mine_in = {"Authorization": f"Bearer {floor.token('agent101')}"}
    theirs_in = {"Authorization": f"Bearer {floor.token('agent102')}"}
    async with floor.client.ws_connect(url, headers=mine_in) as mine, \
            floor.client.ws_connect("/api/v1/events", headers=theirs_in) as theirs:
        assert (await mine.receive_json(timeout=5))["type"] == "hello"
        assert (await theirs.receive_json(timeout=5))["type"] == "hello"
        await floor.arrive("c1", ADA, digits="1")
        offered = await mine.receive_json(timeout=5)
        pop = await mine.receive_json(timeout=5)
        assert (offered["type"], pop["type"]) == ("call.offered", "screen.pop")
        assert pop["time"] - offered["time"] < 0.5
        # another agent's stream does not carry it
        with pytest.raises(TimeoutError):
            while True:
                assert (await theirs.receive_json(timeout=0.3))["type"] != "screen.pop"
    assert (pop["call_id"], pop["agent"], pop["caller"], pop["queue"]) == (
        "c1", "agent101", ADA, "sales")
    customer = pop["customer"]
    assert (customer["contact"]["first_name"], customer["contact"]["last_name"]) == (
        "Ada", "Lovelace")
    assert customer["account"]["name"] == "Lovelace Analytical Engines"
    assert customer["open_cases"] and customer["recent_interactions"]
    assert pop["ivr"]["digits"] == [{"node": "main_menu", "digits": "1"}]
    assert pop["ivr"]["path"][-2:] == ["main_menu", "sales"]
    assert pop["wait"] is not None and pop["wait"] < 5
    assert pop["script"]["step"] == "greeting" and "Ada" in pop["script"]["text"]
    assert [d["code"] for d in pop["dispositions"]][:2] == ["sale", "no_sale"]
    # the same payload again, for a page reloaded mid-call
    status, screen = await floor.call("GET", "/api/v1/calls/c1/screen")
    assert status == 200 and screen == pop


async def test_an_unknown_caller_pops_with_customer_null(floor: Floor) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", "+15559990000")
    pop = await until_popped(floor, "c1")
    assert (pop["customer"], pop["lookup"], pop["caller"]) == (None, "not_found", "+15559990000")
    assert "there" in pop["script"]["text"]  # the script's fallback for her first name


async def test_the_script_moves_as_the_agent_answers_and_branches_on_the_answers(
        floor: Floor) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", ADA)
    await until_popped(floor, "c1")
    status, state = await floor.call("GET", "/api/v1/calls/c1/script")
    assert status == 200
    assert (state["script"], state["view"]["step"], state["answers"], state["ended"]) == (
        "sales", "greeting", {}, False)
    path = "/api/v1/calls/c1/script"
    for step, answer, shown in (("greeting", None, "needs"),
                                ("needs", "an upgrade", "needs_details"),
                                ("needs_details", "", "budget"),
                                ("budget", "6000", "offer_premium")):
        status, state = await floor.call("POST", path, json={
            "action": "answer", "step": step, "answer": answer})
        assert status == 200, state
        assert state["view"]["step"] == shown
    assert state["answers"] == {"needs": "An upgrade", "budget": 6000}
    # the objection and the way back
    status, state = await floor.call("POST", path, json={"action": "objection",
                                                         "name": "too_expensive"})
    assert (status, state["view"]["step"], state["view"]["can_resume"]) == (
        200, "price_reframe", True)
    status, state = await floor.call("POST", path, json={"action": "resume"})
    assert (status, state["view"]["step"]) == (200, "offer_premium")
    status, state = await floor.call("POST", path, json={"action": "back"})
    assert (status, state["view"]["step"]) == (200, "budget")
    assert state["view"]["question"]["previous"] == 6000 and "budget" not in state["answers"]
    # every change of the answers is on the call's record
    answers = [e["answers"] for e in floor.journal.records["c1"].events
               if e["type"] == "script.answers"]
    assert answers[-1] == {"needs": "An upgrade"}
    assert floor.journal.records["c1"].answers == {"needs": "An upgrade"}


@pytest.mark.parametrize("body, status, field", [
    ({"action": "answer", "step": "budget", "answer": "lots"}, 422, "answer"),
    ({"action": "answer", "step": "budget", "answer": -5}, 422, "answer"),
    ({"action": "answer", "step": "budget", "answer": {"x": 1}}, 422, "answer"),
    ({"action": "answer", "step": "budget"}, 422, "answer"),
    ({"action": "answer", "answer": "5"}, 422, "step"),
    ({"action": "answer", "step": "greeting", "answer": None}, 409, "step"),
    ({"action": "objection", "name": "bored"}, 422, "name"),
    ({"action": "objection"}, 422, "name"),
    ({"action": "resume"}, 422, "action"),
    ({"action": "dance"}, 422, "action"),
    ({}, 422, "action"),
])
async def test_a_bad_move_is_refused_with_the_field_and_changes_nothing(
        floor: Floor, body: dict[str, Any], status: int, field: str) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", ADA)
    await until_popped(floor, "c1")
    path = "/api/v1/calls/c1/script"
    for step, answer in (("greeting", None), ("needs", "Pricing information"),
                         ("needs_details", None)):
        await floor.call("POST", path, json={"action": "answer", "step": step,
                                             "answer": answer})
    got, refusal = await floor.call("POST", path, json=body)
    assert (got, refusal.get("field")) == (status, field), refusal
    assert refusal["error"]
    _, state = await floor.call("GET", path)
    assert state["view"]["step"] == "budget" and state["answers"] == {
        "needs": "Pricing information"}


async def test_a_body_that_is_not_an_object_is_a_400(floor: Floor) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", ADA)
    await until_popped(floor, "c1")
    status, body = await floor.call("POST", "/api/v1/calls/c1/script", data=b"[1]",
                                    headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"] == "body must be a JSON object"


async def test_only_the_calls_agent_and_supervisors_work_on_it(floor: Floor) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", ADA)
    await until_popped(floor, "c1")
    answer = {"action": "answer", "step": "greeting", "answer": None}
    for method, path, body in (
            ("GET", "/api/v1/calls/c1/screen", None), ("GET", "/api/v1/calls/c1/script", None),
            ("POST", "/api/v1/calls/c1/script", answer),
            ("POST", "/api/v1/calls/c1/disposition", {"code": "sale"})):
        status, refusal = await floor.call(method, path, "agent102", json=body)
        assert status == 403, (path, refusal)
        status, _ = await floor.call(method, path, "sam", json=body)
        assert status == 403  # sales staff have no desk
    for user in ("agent101", "sue", "root"):
        status, _ = await floor.call("GET", "/api/v1/calls/c1/screen", user)
        assert status == 200, user
    status, state = await floor.call("POST", "/api/v1/calls/c1/script", "sue", json=answer)
    assert status == 200 and state["view"]["step"] == "needs"
    status, missing = await floor.call("GET", "/api/v1/calls/nope/screen")
    assert status == 404 and missing["error"]


async def test_a_disposition_lands_on_the_interaction_with_notes_and_answers(
        floor: Floor) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", ADA)
    await until_popped(floor, "c1")
    status, refusal = await floor.call("POST", "/api/v1/calls/c1/disposition",
                                       json={"code": "sale"})
    assert status == 409 and refusal["error"].startswith("the call has no agent yet")
    await floor.answer("c1")
    await floor.call("POST", "/api/v1/calls/c1/script", json={
        "action": "answer", "step": "greeting", "answer": None})
    await floor.call("POST", "/api/v1/calls/c1/script", json={
        "action": "answer", "step": "needs", "answer": "A new product"})
    await floor.hang_up("c1")
    assert floor.state("agent101") == ("wrap_up", "")
    status, done = await floor.call("POST", "/api/v1/calls/c1/disposition", json={
        "code": "callback_requested", "notes": "Wants a quote by e-mail first."})
    assert status == 200, done
    assert (done["agent"], done["code"], done["wrap_up_ended"]) == (
        "agent101", "callback_requested", True)
    await floor.settled()
    assert floor.state("agent101") == ("available", "")  # the sales queue says available
    row = await floor.interaction("c1")
    assert (row.disposition, row.notes) == ("callback_requested",
                                            "Wants a quote by e-mail first.")
    assert row.answers == {"needs": "A new product"}
    assert (row.agent, row.outcome) == ("agent101", "answered")
    assert row.contact_id is not None and row.wrap_seconds is not None
    # on her timeline: the next screen-pop's recent interactions show it
    view = await CustomerService(sessions(floor.engine)).by_phone(ADA)
    assert view is not None
    latest = view.recent_interactions[0]
    assert (latest["call_id"], latest["disposition"], latest["notes"]) == (
        "c1", "callback_requested", "Wants a quote by e-mail first.")
    # a second disposition corrects the first; the wrap-up is long over
    status, again = await floor.call("POST", "/api/v1/calls/c1/disposition",
                                     json={"code": "sale", "notes": ""})
    assert (status, again["wrap_up_ended"]) == (200, False)

    async def corrected() -> bool:
        return (await floor.interaction("c1")).disposition == "sale"

    await support.until(corrected, seconds=10,
                        what="the corrected disposition never reached the CRM", every=0.05)


async def test_a_disposition_during_the_call_keeps_the_wrap_up_to_come(floor: Floor) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", ADA)
    await until_popped(floor, "c1")
    await floor.answer("c1")
    status, done = await floor.call("POST", "/api/v1/calls/c1/disposition",
                                    json={"code": "sale", "notes": "Premium"})
    assert (status, done["wrap_up_ended"]) == (200, False)
    assert floor.state("agent101") == ("on_call", "")
    await floor.hang_up("c1")
    assert floor.state("agent101") == ("wrap_up", "")
    row = await floor.interaction("c1")
    assert (row.disposition, row.notes) == ("sale", "Premium")


@pytest.mark.parametrize("body, field", [
    ({"code": "lunch"}, "code"),
    ({"notes": "no code"}, "code"),
    ({"code": 5}, "code"),
    ({"code": "sale", "notes": "x" * 4001}, "notes"),
    ({"code": "sale", "notes": 12}, "notes"),
    ({"code": "sale", "colour": "red"}, "colour"),
])
async def test_a_bad_disposition_is_a_422_naming_the_field(
        floor: Floor, body: dict[str, Any], field: str) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", ADA)
    await until_popped(floor, "c1")
    await floor.answer("c1")
    status, refusal = await floor.call("POST", "/api/v1/calls/c1/disposition", json=body)
    assert (status, refusal.get("field")) == (422, field), refusal
    assert "call.disposed" not in [e["type"] for e in floor.journal.records["c1"].events]


async def test_notes_of_4000_characters_are_fine(floor: Floor) -> None:
    login(floor, "agent101")
    await floor.arrive("c1", ADA)
    await until_popped(floor, "c1")
    await floor.answer("c1")
    status, _ = await floor.call("POST", "/api/v1/calls/c1/disposition",
                                 json={"code": "sale", "notes": "x" * 4000})
    assert status == 200


async def test_a_queues_codes_and_how_its_wrap_up_ends(floor: Floor) -> None:
    status, body = await floor.call("GET", "/api/v1/queues/support/dispositions", "sam")
    assert status == 200
    assert (body["queue"], body["wrap_up"], body["wrap_up_end"]) == ("support", 20, "available")
    assert {"code": "resolved", "label": "Resolved"} in body["dispositions"]
    status, body = await floor.call("GET", "/api/v1/queues/nope/dispositions")
    assert status == 404 and body["error"] == "no queue named 'nope'"


async def test_the_document_describes_the_desks_routes(floor: Floor) -> None:
    async with floor.client.get("/api/v1/openapi.json") as response:
        document = await response.json()
    paths = document["paths"]
    for path, method in (("/api/v1/calls/{call_id}/screen", "get"),
                         ("/api/v1/calls/{call_id}/script", "post"),
                         ("/api/v1/calls/{call_id}/disposition", "post"),
                         ("/api/v1/queues/{queue}/dispositions", "get")):
        assert method in paths[path], path
    assert paths["/api/v1/calls/{call_id}/disposition"]["post"]["x-permission"]["roles"] == [
        "agent", "supervisor", "admin"]
