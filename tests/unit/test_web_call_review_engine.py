"""A web visitor's call through the real engine: the e-mail they typed names Ada on the
record, but the IVR's caller lookup never finds Ada's VIP entry by her number; and a
marked web call the app never met before a restart is not let in as "met again"."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest

from contactcenter.engine.directory import Directory, DirectoryEntry
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import load_flows
from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from contactcenter.webcall.grants import PREFIX, Grant
from contactcenter.webcall.service import WebCalls
from contactcenter.webcall.settings import WebCallSettings
from tests.support import until
from tests.unit.test_engine import ROOT, Wire

ADA_PHONE = "+15550001001"
SETTINGS = WebCallSettings.model_validate({"targets": {"menu": {"flow": "main"}}})
soon = functools.partial(until, seconds=2.0, every=0.005)


@pytest.fixture
async def engine(tmp_path: Path):
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    directory = Directory([DirectoryEntry(kind="caller", key=ADA_PHONE,
                                          data={"name": "Ada", "vip": "yes"})])
    flows = load_flows(ROOT / "config/ivr")
    built = Engine(flows=flows, numbers={"5000": "main"}, directory=directory,
                   bus=EventBus(), journal=journal, clock=asyncio.get_running_loop().time)
    wire = Wire()
    built.send = wire.send
    built.web = WebCalls(SETTINGS, flows=flows, media_address="127.0.0.1", ari=lambda: None)
    yield built, wire
    await built.close()
    journal.close()


def _events(engine: Engine, call_id: str, kind: str) -> list[dict]:
    return [event for event in engine.journal.records[call_id].all_events()
            if event["type"] == kind]


async def test_typing_a_vips_email_does_not_make_the_flow_take_the_caller_for_them(
        engine) -> None:
    built, _ = engine
    grant = Grant(id=f"{PREFIX}ada", password="p" * 24, target="menu", issued=0.0,
                  expires=float("inf"), address="192.0.2.1", email="ada@example.com",
                  contact={"id": 7, "name": "Ada Lovelace", "phone": ADA_PHONE})
    built.web.book.issue(grant)
    built.on_driver_event(e.CallArrived(call_id="w1", caller="web", caller_name="Web visitor",
                                        dialed="web-menu", args=("web", grant.id)))
    await soon(lambda: bool(_events(built, "w1", "ivr.lookup")))
    arrived = _events(built, "w1", "call.arrived")[0]
    assert (arrived["caller"], arrived["web"]["contact"]["id"]) == (ADA_PHONE, 7)
    lookup = _events(built, "w1", "ivr.lookup")[0]
    assert (lookup["key"], lookup["found"]) == ("web", False)  # not Ada's VIP entry


async def test_a_web_call_never_met_before_a_restart_is_not_let_in(engine) -> None:
    built, wire = engine
    # a credential of a grant the app lost in a restart, used as the app comes back
    stray = e.CallArrived(call_id="w2", caller="web", caller_name="Web visitor",
                          dialed="web-menu", args=("web", f"{PREFIX}lost"))
    built.resync({"w2": stray})
    await soon(lambda: any(command.call_id == "w2" for command in wire.of(c.HangupCall)))
    assert "w2" not in built.calls
