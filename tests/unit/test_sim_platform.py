"""The simulated switch: simulated calls through the whole platform, on a virtual clock.

A simulated call goes through the engine, its IVR flow, the ACD and call control as a
real one does, with ``SimSwitch`` where Asterisk would be: so a run through the platform
tells the same story as the ACD core's own simulator on the same callers.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import pytest

from contactcenter.acd.model import Overflow
from contactcenter.ivr.loader import load_flow, parse_flow
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk.translate import ari_event
from contactcenter.telephony.sim.platform import Desk, simulate_platform
from contactcenter.telephony.sim.run import run_simulation
from contactcenter.telephony.sim.scenario import Caller, Floor, Traffic
from contactcenter.telephony.sim.switch import SimSwitch, Wire
from contactcenter.telephony.sim.virtual import VirtualTimeStalled, run_virtual

ROOT = Path(__file__).resolve().parents[2]


def test_an_hour_on_the_virtual_clock_passes_at_once() -> None:
    async def an_hour_and_a_timeout() -> float:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.sleep(3600)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(asyncio.Event().wait(), 10)
        return loop.time() - start

    assert run_virtual(an_hour_and_a_timeout()) == 3610.0


def test_a_run_waiting_on_nothing_says_so_instead_of_hanging() -> None:
    with pytest.raises(VirtualTimeStalled):
        run_virtual(asyncio.Event().wait())


def _recorded_hang_up() -> list[str]:
    """How Asterisk told a caller's hang-up during a prompt, in a recorded real call."""
    told = [ari_event(json.loads(line)) for line in
            (ROOT / "tests/data/ari_call_account_balance.jsonl").read_text().splitlines()]
    return [type(event).__name__ for event in told if event is not None][-2:]


def test_the_switch_answers_commands_as_asterisk_does() -> None:
    async def scene() -> list[tuple[float, de.DriverEvent]]:
        loop = asyncio.get_running_loop()
        start, heard = loop.time(), []
        switch = SimSwitch(lambda event: heard.append((loop.time() - start, event)),
                           Wire(prompt_seconds=2.0))
        call = switch.dial_in(Caller(at=0.0, handle=60.0), dialed="5000", number="+15550001")
        await switch.execute(dc.PlayMedia(call_id=call, playback_id="p1", media=("a", "b")))
        await switch.execute(dc.PlayMedia(call_id=call, playback_id="p2", media=("c",)))
        await switch.execute(dc.PlayMedia(call_id=call, playback_id="p3", media=("d",)))
        await switch.execute(dc.StopMedia(call_id=call, playback_id="p2"))  # not begun
        await asyncio.sleep(8)
        await switch.execute(dc.PlayMedia(call_id=call, playback_id="p4", media=("e", "f")))
        await asyncio.sleep(2)
        await switch.execute(dc.HangupCall(call_id=call))
        await switch.execute(dc.HangupCall(call_id=call))  # gone: changes nothing
        await switch.execute(dc.PlayMedia(call_id=call, playback_id="p5", media=("g",)))
        await asyncio.sleep(10)
        return heard

    heard = run_virtual(scene())
    line = "sim-000001"
    assert heard == [
        (0.0, de.CallArrived(call_id=line, caller="+15550001", dialed="5000")),
        (4.0, de.PlaybackEnded(call_id=line, playback_id="p1")),  # two media, 2 s each
        (6.0, de.PlaybackEnded(call_id=line, playback_id="p3")),  # then the next asked
        (10.0, de.PlaybackEnded(call_id=line, playback_id="p4")),  # cut by the hang-up
        (10.0, de.CallEnded(call_id=line, cause="left")),  # ARI's StasisEnd
        (10.0, de.CallEnded(call_id=line, cause="Normal Clearing")),  # ChannelDestroyed
    ]
    assert [type(event).__name__ for _, event in heard[3:5]] == _recorded_hang_up()


def test_phones_rung_for_a_party_or_a_supervisor_answer_as_such() -> None:
    async def scene() -> list[de.DriverEvent]:
        heard: list[de.DriverEvent] = []
        switch = SimSwitch(heard.append, Wire(answer_delay=1.0))
        for purpose in ("agent", "party", "monitor"):
            await switch.execute(dc.RingAgent(call_id="c1", leg_id=f"{purpose}-leg",
                                              endpoint="x", purpose=purpose))
        await switch.execute(dc.RingAgent(call_id="c1", leg_id="slow", endpoint="y",
                                          timeout=1))
        await asyncio.sleep(5)
        return heard

    heard = run_virtual(scene())  # all at the same instant: in no particular order
    assert sorted(heard, key=repr) == sorted([
        de.AgentAnswered(call_id="c1", leg_id="agent-leg", endpoint="x"),
        de.PartyAnswered(call_id="c1", leg_id="party-leg"),
        de.MonitorAnswered(monitor_id="c1", leg_id="monitor-leg"),
        de.CallEnded(call_id="slow", cause="No answer"),  # rang out: never in the app
    ], key=repr)


@pytest.mark.parametrize("seed", [1, 2])
def test_through_the_platform_a_run_tells_the_acd_runs_story(seed: int) -> None:
    """Same callers, floor and ACD: the whole platform around the core changes no figure."""
    traffic = Traffic(arrival_rate=170 / 3600, aht=180, patience=60, calls=400, seed=seed)
    floor = Floor(agents=10, answer_delay=2.0, warmup=40)
    core_only = run_simulation(traffic, floor, wrap_up=5.0)
    platform = simulate_platform(traffic.callers(), floor, wrap_up=5.0)
    assert core_only.abandoned > 0 and core_only.answered > 0  # a run with both outcomes
    for figure in ("offered", "answered", "abandoned", "answered_within", "short_abandons"):
        assert getattr(platform, figure) == getattr(core_only, figure), figure
    assert platform.asa == pytest.approx(core_only.asa, abs=1e-6)
    assert platform.occupancy == pytest.approx(core_only.occupancy, abs=1e-6)
    assert platform.commands["event:call.ended"] == traffic.calls  # one end per call


def test_callers_walk_the_demo_menu_to_the_support_queue() -> None:
    """The demo's own flow: a lookup, the hours, the menu; key 2 is support."""
    callers = [Caller(at=0.0, handle=60.0), Caller(at=1.0, handle=60.0, patience=30.0)]
    floor = Floor(agents=1, answer_delay=3.0, queue="support")
    result = simulate_platform(callers, floor, flow=load_flow(ROOT / "config/ivr/main.yaml"),
                               keys="2", skills={"support": 5}, wrap_up=0.0)
    assert result.commands["event:ivr.digits"] == 2
    assert (result.offered, result.answered, result.abandoned) == (2, 1, 1)
    assert result.asa == 3.0  # joined the queue, rang the only agent, answered
    assert result.end_time > 60.0


def test_a_caller_for_a_skill_nobody_has_waits_and_gives_up() -> None:
    callers = [Caller(at=0.0, handle=60.0, patience=45.0)]
    floor = Floor(agents=2, queue="support")
    result = simulate_platform(callers, floor, flow=load_flow(ROOT / "config/ivr/main.yaml"),
                               keys="2", skills={"sales": 5})
    assert (result.answered, result.abandoned) == (0, 1)
    assert "RingAgent" not in result.commands
    assert math.isnan(result.asa)


def test_a_seed_replays_a_platform_run_exactly() -> None:
    traffic = Traffic(arrival_rate=120 / 3600, aht=200, patience=40, calls=150, seed=7)
    floor = Floor(agents=6, answer_delay=1.0)
    first = simulate_platform(traffic.callers(), floor, wrap_up=3.0)
    again = simulate_platform(traffic.callers(), floor, wrap_up=3.0)
    assert first == again


def test_agents_holding_their_callers_through_call_control() -> None:
    """Every answered call held 10 s into the talk for 20 s: the queue's figures do not
    move (the agent is still on the call), and each hold is a real one through call
    control, or refused because the caller had already gone."""
    traffic = Traffic(arrival_rate=150 / 3600, aht=120, patience=60, calls=200, seed=4)
    floor = Floor(agents=8, answer_delay=1.0)
    plain = simulate_platform(traffic.callers(), floor)
    held = simulate_platform(traffic.callers(), floor,
                             desk=Desk(hold_share=1.0, hold_after=10.0, hold_seconds=20.0))
    for figure in ("offered", "answered", "abandoned", "answered_within"):
        assert getattr(held, figure) == getattr(plain, figure), figure
    holds = held.commands.get("event:call.held", 0)
    refused = held.commands.get("control:refused", 0)  # (a resume refused too, at times)
    assert holds > 0 and holds + refused >= held.answered
    assert held.commands["event:call.retrieved"] <= holds  # some hung up while held
    assert held.commands["StartHold"] > plain.commands["StartHold"]  # music for the held


def test_callers_who_waited_too_long_are_called_back_through_the_gate() -> None:
    """A queue that offers a callback after 30 s: the caller hangs up with the promise, the
    virtual caller keeps their place, its turn rings an agent, the call gate clears the
    New York number in its calling hours, the customer is dialed and bridged."""
    traffic = Traffic(arrival_rate=200 / 3600, aht=180, patience=None, calls=150, seed=4)
    floor = Floor(agents=6, answer_delay=2.0)
    result = simulate_platform(traffic.callers(), floor, queue_settings={
        "max_wait": 30, "overflow": Overflow(kind="callback", target=None)})
    owed = result.overflowed
    assert owed > 0 and result.answered + owed == result.offered
    assert result.commands["event:callback.requested"] == owed
    assert result.commands["DialCustomer"] == owed  # each promise kept once
    assert result.commands["event:callback.connected"] == owed
    assert "event:callback.refused" not in result.commands


def test_a_floor_that_can_take_no_more_calls_ends_the_run_with_them_unfinished() -> None:
    """Every agent lets their phone ring out (paused after it), callers wait forever:
    nothing more can happen, and the run says how many were left, as the core's does."""
    callers = [Caller(at=float(n), handle=60.0) for n in range(5)]
    result = simulate_platform(callers, Floor(agents=2, answer_delay=20.0))
    assert (result.answered, result.unfinished) == (0, 5)


def test_announcements_forever_end_at_the_drain() -> None:
    callers = [Caller(at=0.0, handle=60.0), Caller(at=5.0, handle=60.0)]
    result = simulate_platform(callers, Floor(agents=1, answer_delay=30.0),
                               queue_settings={"announce_every": 60}, drain=3600.0)
    assert result.unfinished == 2 and result.end_time == pytest.approx(3605.0)
    assert result.commands["event:call.announced"] > 50


def test_the_run_ends_when_the_last_leg_goes_after_the_last_caller() -> None:
    """The second caller gives up while the agent's phone rings for them: the run ends
    once that ring is hung up too, not on the callers' last event."""
    callers = [Caller(at=0.5, handle=60.0, patience=10.0), Caller(at=1.0, handle=5.0,
                                                                  patience=1.0)]
    result = simulate_platform(callers, Floor(agents=3, answer_delay=10.0))
    assert (result.answered, result.abandoned, result.unfinished) == (1, 1, 0)


def test_a_caller_sent_to_voicemail_leaves_their_message_whatever_their_patience() -> None:
    """Overflowed to voicemail after 30 s: recording the message is not waiting, so the
    caller's patience (40 s) no longer runs; the message is recorded whole."""
    callers = [Caller(at=0.0, handle=600.0), Caller(at=1.0, handle=60.0, patience=40.0)]
    result = simulate_platform(
        callers, Floor(agents=1), wire=Wire(message_seconds=20.0),
        queue_settings={"max_wait": 30, "overflow": Overflow(kind="voicemail", target="main")})
    assert (result.answered, result.overflowed, result.abandoned) == (1, 1, 0)
    assert result.commands["event:voicemail.recorded"] == 1


def test_callers_done_in_the_menu_are_no_queue_s_calls() -> None:
    flow = parse_flow({"start": "menu", "nodes": {
        "menu": {"type": "menu", "prompt": ["hello"], "options": {"1": "queue", "2": "bye"},
                 "fallback": "queue"},
        "queue": {"type": "queue", "queue": "sim"},
        "bye": {"type": "hangup"}}}, name="short")
    callers = [Caller(at=0.0, handle=60.0), Caller(at=1.0, handle=60.0)]
    result = simulate_platform(callers, Floor(agents=1), flow=flow, keys="2")
    assert result.offered == 0 and result.abandoned == 0
    assert result.commands["run:never_queued"] == 2
    assert result.commands["event:call.ended"] == 2
