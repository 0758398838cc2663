"""A call's script on the server (the posted moves into the session's events and back),
the scripts ``serve`` loads for the desk, and a call picked up again after a restart."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from contactcenter.acd import load_acd
from contactcenter.config.files import ConfigError
from contactcenter.config.settings import Settings
from contactcenter.desk import Desk, DeskError, desk_scripts
from contactcenter.desk.facts import call_facts
from contactcenter.desk.scripts import CallScript
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.scripting import load_scripts
from crm_core.customers import CustomerView

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = load_scripts(ROOT / "config/scripts")
ACD = load_acd(ROOT / "config/queues.yaml", ROOT / "config/agents.yaml")
DATA = {"contact": {"first_name": "Ada", "email": "ada@example.com"},
        "account": {"name": "Lovelace Analytical Engines", "segment": "gold"},
        "offer": None, "call": {"caller": "+15550001001", "queue": "sales"},
        "agent": {"id": "agent101", "name": "Sam"}}


def sales() -> CallScript:
    return CallScript(SCRIPTS["sales"], DATA, "agent101")


def test_answers_move_the_script_and_are_recorded_when_they_change() -> None:
    script = sales()
    assert script.act({"action": "answer", "step": "greeting"}).answers is None
    outcome = script.act({"action": "answer", "step": "needs", "answer": "an UPGRADE"})
    assert outcome.answers == {"needs": "An upgrade"}
    state = script.state()
    assert (state["script"], state["view"]["step"], state["ended"], state["outcome"]) == (
        "sales", "needs_details", False, None)
    assert script.touched


def test_going_back_records_the_answers_without_the_one_undone() -> None:
    script = sales()
    script.act({"action": "answer", "step": "greeting"})
    script.act({"action": "answer", "step": "needs", "answer": "Something else"})
    assert script.act({"action": "back"}).answers == {}
    assert script.state()["view"]["question"]["previous"] == "Something else"


def test_the_end_suggests_the_outcome() -> None:
    script = sales()
    script.act({"action": "objection", "name": "not_interested"})
    script.act({"action": "answer", "step": "not_interested_reason", "answer": "Other"})
    state = script.state()
    assert (state["ended"], state["outcome"]) == (True, "not_interested")


@pytest.mark.parametrize("body, status, field", [
    ({"action": "answer", "step": "greeting", "answer": ["a"]}, 422, "answer"),
    ({"action": "answer", "step": "greeting", "answer": "x" * 10_001}, 422, "answer"),
    ({"action": "answer", "step": "", "answer": None}, 422, "step"),
    ({"action": "answer", "step": "needs", "answer": "An upgrade"}, 409, "step"),
    ({"action": "objection", "name": 5}, 422, "name"),
    ({"action": "resume"}, 422, "action"),
    ({"action": None}, 422, "action"),
])
def test_a_refused_move_names_the_field_and_changes_nothing(
        body: dict[str, Any], status: int, field: str) -> None:
    script = sales()
    with pytest.raises(DeskError) as refused:
        script.act(body)
    assert (refused.value.status, refused.value.field) == (status, field)
    assert script.state()["view"]["step"] == "greeting" and not script.touched


def test_merge_fields_come_from_the_crm_and_the_call() -> None:
    view = sales().state()["view"]
    assert "Hello Ada" in view["text"] and "Sam" in view["text"]
    assert "segment gold" in view["hint"]


# -- the scripts serve loads ------------------------------------------------------------

def test_serve_loads_the_scripts_and_checks_their_queues(tmp_path: Path) -> None:
    settings = Settings(scripts={"dir": ROOT / "config/scripts"})  # type: ignore[arg-type]
    book = desk_scripts(settings, ACD.queues)
    assert book is not None and set(book) == {"default", "sales", "support"}
    with pytest.raises(ConfigError) as error:
        desk_scripts(settings, ["sales", "operator"])
    assert "support.yaml" in str(error.value) and "no queue named 'support'" in str(error.value)


def test_no_folder_means_no_scripts_and_a_broken_script_stops_the_start(
        tmp_path: Path) -> None:
    missing = Settings(scripts={"dir": tmp_path / "nope"})  # type: ignore[arg-type]
    assert desk_scripts(missing, ACD.queues) is None
    (tmp_path / "broken.yaml").write_text("start: nowhere\nsteps:\n  a: {type: say, text: Hi,"
                                          " next: a}\n")
    with pytest.raises(ConfigError) as error:
        desk_scripts(Settings(scripts={"dir": tmp_path}), ACD.queues)  # type: ignore[arg-type]
    assert str(tmp_path / "broken.yaml") in str(error.value)


# -- after a restart ----------------------------------------------------------------------

class Crm:
    async def by_phone(self, phone: str) -> CustomerView | None:
        return CustomerView(phone=phone, contact={"first_name": "Ada"}, account=None)


async def test_a_call_answered_before_a_restart_gets_its_pop_again(tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    now = time.time()
    for event in ({"type": "call.arrived", "caller": "+15550001001", "dialed": "5000"},
                  {"type": "ivr.digits", "node": "main_menu", "digits": "1"},
                  {"type": "call.queued", "queue": "sales"},
                  {"type": "call.answered", "queue": "sales", "agent": "agent101",
                   "wait": 3}):
        journal.append({**event, "call_id": "c1", "time": now})
    bus = EventBus()
    watch = bus.subscribe()
    desk = Desk(bus=bus, journal=journal, customers=Crm(), acd=ACD, scripts=SCRIPTS)
    task = desk.start()
    with pytest.raises(DeskError) as refused:
        await desk.call("c1", "agent102", supervising=False)
    assert refused.value.status == 403
    call = await desk.call("c1", "agent101", supervising=False)
    pop = Desk.screen(call)
    assert (pop["agent"], pop["queue"], pop["customer"]["contact"]) == (
        "agent101", "sales", {"first_name": "Ada"})
    assert pop["ivr"]["digits"] == [{"node": "main_menu", "digits": "1"}]
    assert Desk.script(call)["view"]["step"] == "greeting"
    await asyncio.sleep(0.05)
    assert watch.get_nowait() is None  # made again for the page, not pushed
    with pytest.raises(DeskError) as unknown:
        await desk.call("c2", "agent101", supervising=True)
    assert unknown.value.status == 404
    task.cancel()
    journal.close()


def test_facts_of_a_call_the_journal_does_not_know() -> None:
    facts = call_facts(CallJournal(Path("/nonexistent/calls.jsonl")), "zz")
    assert (facts.caller, facts.ivr(), facts.wait(10.0)) == (
        "", {"path": [], "digits": [], "variables": {}}, None)
