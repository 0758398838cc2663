"""The engine with a recording driver: disorder on the wire never breaks a call.

Asterisk may repeat or reorder events (a StasisEnd and a ChannelDestroyed for
one hang-up, a PlaybackFinished after the caller left, a DTMF after the exit).
Each call still ends exactly once, with one record.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path

import pytest

from contactcenter.config.settings import DirectoryEntry
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import load_flows
from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from tests.support import elapse, until

ROOT = Path(__file__).resolve().parents[2]

#: the engine on a virtual clock: its timers run as live, "nothing more" is checked at once
pytestmark = pytest.mark.virtual_time


class Wire:
    """Stands where Asterisk would: records commands, and plays back playbacks at once."""

    def __init__(self) -> None:
        self.sent: list[c.DriverCommand] = []
        self.engine: Engine | None = None
        self.finish_playbacks = True

    async def send(self, command: c.DriverCommand) -> None:
        self.sent.append(command)

    def of(self, kind: type) -> list:
        return [command for command in self.sent if isinstance(command, kind)]


@pytest.fixture
async def engine(tmp_path: Path):
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    directory = Directory([DirectoryEntry(kind="caller", key="+15550001001",
                                          data={"name": "Ada", "vip": "yes"})])
    built = Engine(flows=load_flows(ROOT / "config/ivr"), numbers={"5000": "main"},
                   directory=directory, bus=EventBus(), journal=journal,
                   clock=asyncio.get_running_loop().time)
    wire = Wire()
    built.send = wire.send
    yield built, wire
    await built.close()
    journal.close()


#: the shared wait at this file's pace: the engine answers its recording wire at once
soon = functools.partial(until, seconds=2.0, every=0.005)


def arrive(engine: Engine, call_id: str = "c1", caller: str = "+15557770000") -> None:
    engine.on_driver_event(e.CallArrived(call_id=call_id, caller=caller, dialed="5000"))


def types(engine: Engine, call_id: str = "c1") -> list[str]:
    return [event["type"] for event in engine.journal.records[call_id].all_events()]


async def test_a_duplicated_arrival_runs_one_ivr(engine) -> None:
    built, wire = engine
    arrive(built)
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    await elapse(5)  # nothing more in 5 s of call time
    assert len(wire.of(c.AnswerCall)) == 1
    assert len(wire.of(c.PlayMedia)) == 1
    assert types(built).count("call.arrived") == 1


async def test_a_key_then_a_double_hangup_ends_the_call_once(engine) -> None:
    built, wire = engine
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="2"))
    await soon(lambda: bool(wire.of(c.StartHold)))
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="1"))  # after the exit: ignored
    built.on_driver_event(e.CallEnded(call_id="c1", cause="left"))
    built.on_driver_event(e.CallEnded(call_id="c1", cause="Normal Clearing"))
    await soon(lambda: "c1" not in built.calls)
    assert types(built).count("call.ended") == 1
    record = built.journal.records["c1"]
    assert record.outcome == "abandoned_in_queue" and record.exit["target"] == "support"


async def test_hangup_before_anything_else(engine) -> None:
    built, _wire = engine
    arrive(built)
    built.on_driver_event(e.CallEnded(call_id="c1", cause="left"))
    await soon(lambda: "c1" not in built.calls)
    assert built.journal.records["c1"].outcome == "abandoned_in_ivr"
    assert types(built)[-2:] == ["ivr.exit", "call.ended"]


async def test_late_events_for_a_gone_call_are_dropped(engine) -> None:
    built, _wire = engine
    built.on_driver_event(e.PlaybackEnded(call_id="nobody", playback_id="x"))
    built.on_driver_event(e.DigitReceived(call_id="nobody", digit="1"))
    built.on_driver_event(e.CallEnded(call_id="nobody"))
    assert built.calls == {} and "nobody" not in built.journal.records


async def test_an_unknown_number_is_refused(engine) -> None:
    built, wire = engine
    built.on_driver_event(e.CallArrived(call_id="c9", caller="1", dialed="4999"))
    await soon(lambda: bool(wire.of(c.HangupCall)))
    assert wire.of(c.HangupCall)[0].reason == "unallocated"


async def test_voicemail_records_then_says_goodbye_and_hangs_up(engine) -> None:
    built, wire = engine
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="9"))
    await soon(lambda: len(wire.of(c.PlayMedia)) == 2)
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="1"))
    await soon(lambda: bool(wire.of(c.RecordMessage)))
    recording = wire.of(c.RecordMessage)[0]
    built.on_driver_event(e.RecordingEnded(call_id="c1", name=recording.name, duration=4.0,
                                           cause="done"))
    await soon(lambda: len(wire.of(c.PlayMedia)) == 3)
    goodbye = wire.of(c.PlayMedia)[-1]
    built.on_driver_event(e.PlaybackEnded(call_id="c1", playback_id=goodbye.playback_id))
    await soon(lambda: bool(wire.of(c.HangupCall)))
    built.on_driver_event(e.CallEnded(call_id="c1"))
    await soon(lambda: "c1" not in built.calls)
    recorded = [ev for ev in built.journal.records["c1"].all_events()
                if ev["type"] == "voicemail.recorded"]
    assert recorded[0]["mailbox"] == "main" and recorded[0]["duration"] == 4.0
    assert built.journal.records["c1"].outcome == "voicemail"


async def test_callback_request_is_published_with_the_callers_number(engine) -> None:
    built, wire = engine
    arrive(built, caller="+15557771234")
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="9"))
    await soon(lambda: len(wire.of(c.PlayMedia)) == 2)
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="2"))
    await soon(lambda: len(wire.of(c.PlayMedia)) == 3)  # the thank-you prompt
    thanks = wire.of(c.PlayMedia)[-1]
    built.on_driver_event(e.PlaybackEnded(call_id="c1", playback_id=thanks.playback_id))
    await soon(lambda: bool(wire.of(c.HangupCall)))
    built.on_driver_event(e.CallEnded(call_id="c1"))
    await soon(lambda: "c1" not in built.calls)
    requested = [ev for ev in built.journal.records["c1"].all_events()
                 if ev["type"] == "callback.requested"]
    assert [ev["number"] for ev in requested] == ["+15557771234"]
    assert built.journal.records["c1"].outcome == "callback_requested"


async def test_resync_ends_vanished_calls_and_adopts_unknown_ones(engine) -> None:
    built, wire = engine
    arrive(built, call_id="gone")
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    stranger = e.CallArrived(call_id="new", caller="+15557770001", dialed="5000")
    built.resync({"new": stranger})
    await soon(lambda: "gone" not in built.calls)
    assert built.journal.records["gone"].all_events()[-1]["cause"] == "gone"
    assert "new" in built.calls
    assert types(built, "new")[0] == "call.resumed"


async def test_endpoint_events_carry_registration_and_device_state_together(engine) -> None:
    built, _ = engine
    subscription = built.bus.subscribe()
    built.on_driver_event(e.EndpointRegistration(endpoint="agent101", registered=True))
    built.on_driver_event(e.EndpointStateChanged(endpoint="agent101", state="not_inuse"))
    built.on_driver_event(e.EndpointStateChanged(endpoint="agent101", state="not_inuse"))
    first = await subscription.get(0.5)
    second = await subscription.get(0.5)
    assert (first["registered"], first["state"]) == (True, None)
    assert (second["registered"], second["state"]) == (True, "not_inuse")
    assert await subscription.get(0.05) is None  # an unchanged state is not news


async def test_a_hangup_that_asterisk_never_confirms_is_sent_again(
        engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from contactcenter.engine import calls

    monkeypatch.setattr(calls, "HANGUP_GUARD", 0.05)
    built, wire = engine
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="9"))
    await soon(lambda: len(wire.of(c.PlayMedia)) == 2)
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="2"))  # a callback request
    await soon(lambda: len(wire.of(c.PlayMedia)) == 3)
    thanks = wire.of(c.PlayMedia)[-1]
    built.on_driver_event(e.PlaybackEnded(call_id="c1", playback_id=thanks.playback_id))
    # the platform hangs up; Asterisk never confirms (the request or its event was lost)
    await soon(lambda: len(wire.of(c.HangupCall)) >= 3)
    built.on_driver_event(e.CallEnded(call_id="c1"))
    await soon(lambda: "c1" not in built.calls)
    assert types(built).count("call.ended") == 1


async def test_the_call_record_ends_even_when_the_core_fails_on_hangup(
        engine, monkeypatch: pytest.MonkeyPatch) -> None:
    from contactcenter.ivr.session import IvrSession

    built, wire = engine
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)))

    def broken(self, event, now):
        raise RuntimeError("a bug in the core")

    monkeypatch.setattr(IvrSession, "handle", broken)
    built.on_driver_event(e.CallEnded(call_id="c1", cause="left"))
    await soon(lambda: "c1" not in built.calls)
    assert types(built).count("call.ended") == 1 and "call.error" in types(built)
    assert built.journal.records["c1"].outcome == "abandoned_in_ivr"


async def test_a_core_failing_on_a_menu_timeout_still_hangs_the_caller_up(
        engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug in the menu's timeout path: the caller is not left on a line nobody drives;
    the record says what happened and ends once."""
    from contactcenter.ivr.session import IvrSession

    built, wire = engine
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)))

    def broken(self, now):
        raise RuntimeError("a bug in the menu's timeout")

    monkeypatch.setattr(IvrSession, "handle_timer", broken)
    menu = wire.of(c.PlayMedia)[0]
    built.on_driver_event(e.PlaybackEnded(call_id="c1", playback_id=menu.playback_id))
    # the menu's 5 s for a key run out on the virtual clock, and its timer fails
    await soon(lambda: any(h.reason == "failure" for h in wire.of(c.HangupCall)),
               seconds=30.0)
    assert "call.error" in types(built)
    built.on_driver_event(e.CallEnded(call_id="c1", cause="left"))
    await soon(lambda: "c1" not in built.calls)
    assert types(built).count("call.ended") == 1


async def test_resync_fills_in_a_live_call_asterisk_could_not_describe(engine) -> None:
    built, wire = engine
    arrive(built, call_id="kept", caller="+15557770005")
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    built.on_driver_event(e.DigitReceived(call_id="kept", digit="2"))
    await soon(lambda: bool(wire.of(c.StartHold)))
    await built.close()  # the app "restarts": its tasks are gone, the journal stays
    built.calls.clear()
    undescribed = e.CallArrived(call_id="kept", caller="", dialed="")
    built.resync({"kept": undescribed})
    await soon(lambda: len(wire.of(c.StartHold)) == 2)  # back on hold, not hung up
    assert not wire.of(c.HangupCall)
    resumed = [ev for ev in built.journal.records["kept"].all_events()
               if ev["type"] == "call.resumed"]
    assert resumed[0]["dialed"] == "5000" and resumed[0]["caller"] == "+15557770005"


async def test_agent_and_queue_reports_are_not_taken_for_calls(engine) -> None:
    engine, _ = engine
    # the ACD's agent.state names the agent's call, or None when there is none
    engine.publish({"type": "agent.state", "agent": "agent101", "state": "available",
                    "call_id": None, "time": 1.0})
    engine.publish({"type": "queue.stats", "queue": "sales", "time": 1.0})
    engine.publish({"type": "agent.state", "agent": "agent101", "state": "ringing",
                    "call_id": "c9", "time": 2.0})
    assert engine.journal.records == {}


class HeldLookup:
    """A directory whose answers wait until the test lets them go."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []
        self.release = asyncio.Event()

    async def lookup(self, kind: str, key: str) -> dict[str, str] | None:
        self.asked.append((kind, key))
        await self.release.wait()
        return None


async def test_a_call_has_settled_only_once_its_lookup_answered_and_its_menu_plays(
        engine) -> None:
    """What the Twilio driver waits on before answering a webhook: the greeting after the
    caller lookup is the document, so the call has not settled while the lookup is out."""
    built, wire = engine
    held = HeldLookup()
    built.directory = held
    arrive(built)
    settled = asyncio.ensure_future(built.settled("c1"))
    await soon(lambda: bool(held.asked))
    assert not settled.done() and not wire.of(c.PlayMedia)
    held.release.set()
    assert await settled is True
    assert wire.of(c.PlayMedia)  # the menu's prompt was sent before it settled


async def test_a_key_that_leads_to_nothing_settles_and_a_leg_with_no_call_cannot_tell(
        engine) -> None:
    """A digit of an account number gives the call no command: it has settled all the
    same (its webhook is answered at once)."""
    built, wire = engine
    arrive(built)
    await soon(lambda: bool(wire.of(c.PlayMedia)))
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="3"))  # the account number
    await soon(lambda: len(wire.of(c.PlayMedia)) >= 2)
    assert await built.settled("c1") is True
    sent = len(wire.sent)
    built.on_driver_event(e.DigitReceived(call_id="c1", digit="4"))  # its first digit
    assert await built.settled("c1") is True
    assert len(wire.sent) - sent <= 1  # at most the prompt stopped: no document
    assert not any(isinstance(command, c.PlayMedia) for command in wire.sent[sent:])
    assert await built.settled("a leg the platform rang") is False
