"""Several engines under one platform: each call stays on the engine it arrived on, with
every leg started for it; a call placed goes out on the engine owning its caller id; the
records name the engine; one engine's resync leaves the other's calls alone.

The engines here are two simulated switches (``SimSwitch``, a driver like Asterisk's and
Twilio's) named ``asterisk`` and ``twilio``, under the real engine and IVR.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import parse_flow
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.owners import Owners
from contactcenter.telephony.router import DriverRouter, OnEvent, Resync
from contactcenter.telephony.sim.scenario import Caller
from contactcenter.telephony.sim.switch import SimSwitch, Wire
from tests.support import until

TWILIO_NUMBER = "+15550005000"


def _owners() -> Owners:
    return Owners(default="asterisk", numbers={TWILIO_NUMBER: "twilio"}, remember=3)


def test_every_leg_of_a_call_runs_on_the_engine_it_arrived_on() -> None:
    owners = _owners()
    owners.heard("twilio", de.CallArrived(call_id="CA1", caller="+1", dialed=TWILIO_NUMBER))
    ring = dc.RingAgent(call_id="CA1", leg_id="CA1-agent", endpoint="agent101")
    assert owners.choose(ring) == "twilio"
    assert owners.choose(dc.AddToBridge(call_id="CA1", bridge_id="b", channels=("CA1",)))\
        == "twilio"
    assert owners.choose(dc.HangupCall(call_id="CA1-agent")) == "twilio"
    snoop = dc.SnoopChannel(call_id="mon-1", snoop_id="mon-1-snoop", target="CA1-agent")
    supervisor = dc.RingAgent(call_id="mon-1", leg_id="mon-1-phone", endpoint="sup",
                              purpose="monitor", near="CA1-agent")
    assert owners.choose(supervisor) == "twilio"
    assert owners.choose(snoop) == "twilio"
    assert owners.choose(dc.HangupCall(call_id="mon-1-snoop")) == "twilio"
    assert owners.choose(dc.PlayMedia(call_id="1733.5", playback_id="p", media=("a",)))\
        == "asterisk"


def test_a_call_placed_goes_out_on_the_engine_of_the_number_it_is_for() -> None:
    owners = _owners()
    dial = dc.PlaceDial(call_id="d1", leg_id="dial-d1", number="+12125550100",
                        caller_id=TWILIO_NUMBER)
    assert owners.choose(dial) == "twilio"
    assert owners.choose(dc.HangupCall(call_id="dial-d1")) == "twilio"
    other = dc.PlaceDial(call_id="d2", leg_id="dial-d2", number="+12125550100",
                         caller_id="+15550009999")
    assert owners.choose(other) == "asterisk"
    # the campaign's agents' open lines go where its dials go, to be bridged with them
    seat = dc.RingAgent(call_id="seat-1", leg_id="seat-1", endpoint="agent101",
                        caller_id="campaign winback", purpose="seat", via=TWILIO_NUMBER)
    assert owners.choose(seat) == "twilio"
    assert owners.choose(dc.AddToBridge(call_id="d1", bridge_id="seat-1-b",
                                        channels=("dial-d1",))) == "twilio"


def test_click_to_talk_goes_out_on_the_default_engine_whatever_the_customer_s_number(
        ) -> None:
    owners = _owners()
    ring = dc.RingAgent(call_id="click-1", leg_id="click-1-agent", endpoint="agent101",
                        caller_id=TWILIO_NUMBER)  # the customer's number, shown to the agent
    assert owners.choose(ring) == "asterisk"
    customer = dc.DialCustomer(call_id="click-1", leg_id="click-1-customer",
                               number=TWILIO_NUMBER)
    assert owners.choose(customer) == "asterisk"
    assert owners.for_new("click-1") == "asterisk"  # as its record says


def test_a_callback_dials_back_on_the_engine_its_caller_came_in_on() -> None:
    owners = _owners()
    owners.heard("twilio", de.CallArrived(call_id="CA1", caller="+1", dialed=TWILIO_NUMBER))
    owners.heard("twilio", de.CallEnded(call_id="CA1", cause="completed"))
    for n in range(5):  # a busy dialer's ids do not push the caller's call out
        owners.choose(dc.PlaceDial(call_id=f"d{n}", leg_id=f"dial-d{n}", number="+1",
                                   caller_id="+15550009999"))
    back = dc.DialCustomer(call_id="CA1", leg_id="CA1-cb", number="+12125550100")
    assert owners.choose(back) == "twilio"


def test_the_memory_of_ended_calls_is_bounded_the_oldest_forgotten_first() -> None:
    owners = _owners()
    for n in range(4):
        owners.heard("twilio", de.CallArrived(call_id=f"CA-{n}", caller="+1", dialed="x"))
        owners.heard("twilio", de.CallEnded(call_id=f"CA-{n}"))
    assert [owners.of(f"CA-{n}") for n in range(4)] == [None, "twilio", "twilio", "twilio"]
    assert owners.for_new("CA-0") == "asterisk"


def test_after_a_restart_a_callback_goes_back_on_its_caller_s_engine() -> None:
    owners = _owners()
    owners.seed([("CA-talking", "twilio")], ended=[("CA-asked-callback", "twilio")])
    back = dc.DialCustomer(call_id="CA-asked-callback", leg_id="cb-leg", number="+1")
    assert owners.choose(back) == "twilio"
    assert owners.belongs("CA-talking", "twilio")


def test_legs_that_end_unanswered_answered_or_never_start_are_not_kept() -> None:
    owners = _owners()
    for n in range(100):
        owners.choose(dc.PlaceDial(call_id=f"d{n}", leg_id=f"dial-d{n}", number="+1",
                                   caller_id=TWILIO_NUMBER))
        owners.heard("twilio", de.DialUnanswered(call_id=f"d{n}", reason="no_answer"))
    owners.choose(dc.PlaceDial(call_id="a1", leg_id="dial-a1", number="+1",
                               caller_id=TWILIO_NUMBER))
    owners.heard("twilio", de.DialAnswered(call_id="a1", leg_id="dial-a1", human=True))
    owners.heard("twilio", de.CallEnded(call_id="dial-a1"))
    owners.choose(dc.PlaceDial(call_id="f1", leg_id="dial-f1", number="+1"))
    owners.gone("dial-f1", "asterisk")  # its create failed (the router says so)
    owners.choose(dc.RingAgent(call_id="CA9", leg_id="ring-failed", endpoint="agent101"))
    owners.gone("ring-failed", "asterisk")
    assert not owners.live_ids() and not owners.dials_pending()
    assert owners.of("ring-failed") == "asterisk"  # still routed, were a late command to come


def test_a_resync_is_about_the_resyncing_engine_s_own_calls() -> None:
    owners = _owners()
    owners.heard("twilio", de.CallArrived(call_id="CA1", caller="+1", dialed=TWILIO_NUMBER))
    owners.heard("asterisk", de.CallArrived(call_id="1733.5", caller="+1", dialed="5000"))
    owners.choose(dc.RingAgent(call_id="CA1", leg_id="CA1-agent", endpoint="agent101"))
    owners.seed([("CA-before-restart", "twilio"), ("1700.1", "")])
    names = ("CA1", "CA1-agent", "CA-before-restart", "1733.5", "1700.1", "seat-restored")
    assert [name for name in names if owners.belongs(name, "twilio")] \
        == ["CA1", "CA1-agent", "CA-before-restart"]
    assert owners.belongs("seat-restored", "asterisk")  # nobody's: the default engine's
    owners.claim("twilio", ["CA-listed"])
    owners.settle("twilio", {"CA1", "CA-listed"})  # Twilio no longer has the others
    assert owners.live_ids() == {"CA1", "CA-listed", "1733.5", "1700.1"}
    assert owners.belongs("CA1-agent", "twilio")  # gone, still remembered as Twilio's


class _Placing:
    """A driver that can place calls or not (its status flag ``place``)."""

    def __init__(self, up: bool) -> None:
        self.up = up

    def status(self) -> dict[str, bool]:
        return {"place": self.up}


def test_a_campaign_dials_while_its_own_engine_is_up_whatever_the_other_s_state() -> None:
    router = DriverRouter(_owners(), on_event=lambda _event: None,
                          on_resync=lambda *_args: None)
    asterisk = router.add("asterisk", lambda *_callbacks: _Placing(up=True))
    router.add("twilio", lambda *_callbacks: _Placing(up=False))
    flag = {"asterisk": "place", "twilio": "place"}
    assert router.ready(flag, via="5000") and router.ready(flag, via="")  # the default's
    assert not router.ready(flag, via=TWILIO_NUMBER)
    assert not router.ready(flag)  # every engine: one is down
    asterisk.up = False
    assert not router.ready(flag, via="5000")


FLOW = parse_flow({"start": "menu", "nodes": {
    "menu": {"type": "menu", "prompt": ["hello"], "options": {"1": "bye"},
             "fallback": "bye"},
    "bye": {"type": "hangup"}}}, name="short")


@dataclass
class TwoEngines:
    engine: Engine
    journal: CallJournal
    router: DriverRouter
    asterisk: SimSwitch
    twilio: SimSwitch
    resyncs: dict[str, Resync]


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[TwoEngines]:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    engine = Engine(flows={"short": FLOW}, numbers={"5000": "short", TWILIO_NUMBER: "short"},
                    directory=Directory([]), bus=EventBus(), journal=journal)
    router = DriverRouter(_owners(), on_event=engine.on_driver_event, on_resync=engine.resync)
    wire = Wire(prompt_seconds=0.01, key_delay=0.01)
    resyncs: dict[str, Resync] = {}

    def switch(name: str, lines: str) -> SimSwitch:
        def build(on_event: OnEvent, on_resync: Resync) -> SimSwitch:
            resyncs[name] = on_resync  # what the driver calls after it reconnects
            return SimSwitch(on_event, wire, lines=lines)
        return router.add(name, build)

    asterisk, twilio = switch("asterisk", "ast"), switch("twilio", "CA")
    engine.send, engine.engine_of = router.execute, router.engine_of
    try:
        yield TwoEngines(engine, journal, router, asterisk, twilio, resyncs)
    finally:
        await engine.close()
        journal.close()


async def test_each_call_is_run_by_its_own_engine_and_its_record_says_which(
        two: TwoEngines) -> None:
    on_asterisk = two.asterisk.dial_in(Caller(at=0.0, handle=1.0), dialed="5000", keys="1")
    on_twilio = two.twilio.dial_in(Caller(at=0.0, handle=1.0), dialed=TWILIO_NUMBER, keys="1")
    records = two.journal.records
    await until(lambda: all(call in records and records[call].ended is not None
                            for call in (on_asterisk, on_twilio)), what="both calls ended")
    assert records[on_asterisk].engine == "asterisk"
    assert records[on_twilio].engine == "twilio"
    arrived = [event for event in records[on_twilio].all_events()
               if event["type"] == "call.arrived"]
    assert arrived[0]["engine"] == "twilio"
    # each switch heard only its own call's commands: one prompt each, one hang-up each
    assert two.asterisk.commands["PlayMedia"] == two.twilio.commands["PlayMedia"] == 1
    assert two.asterisk.commands["HangupCall"] == two.twilio.commands["HangupCall"] == 1


async def test_one_engine_s_resync_ends_its_own_lost_calls_only(two: TwoEngines) -> None:
    slow = Caller(at=0.0, handle=1.0)
    on_asterisk = two.asterisk.dial_in(slow, dialed="5000")  # no key: waits in the menu
    on_twilio = two.twilio.dial_in(slow, dialed=TWILIO_NUMBER)
    await until(lambda: {on_asterisk, on_twilio} <= set(two.engine.calls),
                what="both calls in the menu")
    two.resyncs["asterisk"]({}, {}, frozenset())  # Asterisk came back with none of its calls
    await until(lambda: on_asterisk not in two.engine.calls, what="the lost call ended")
    assert on_twilio in two.engine.calls
    assert two.journal.records[on_twilio].ended is None


def test_a_callback_whose_caller_is_forgotten_goes_out_on_the_engine_of_the_number_called(
        ) -> None:
    owners = _owners()
    for n in range(4):  # the caller's call is pushed out of the memory of ended calls
        owners.heard("twilio", de.CallArrived(call_id=f"CA-{n}", caller="+1", dialed="x"))
        owners.heard("twilio", de.CallEnded(call_id=f"CA-{n}"))
    assert owners.of("CA-0") is None
    ring = dc.RingAgent(call_id="CA-0", leg_id="CA-0-a1", endpoint="agent101",
                        via=TWILIO_NUMBER)
    assert owners.choose(ring) == "twilio"
    back = dc.DialCustomer(call_id="CA-0", leg_id="CA-0-cb", number="+12125550100")
    assert owners.choose(back) == "twilio"  # the customer with the agent's leg
