"""A transferred call's recordings, part by part: the engine records each agent's part
to a file of its own and names the agent who took it, the call's record keeps every
part in order, and the rule lets whoever may hear the call hear each of its parts."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any, cast

import pytest

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, parse_acd
from contactcenter.engine.agent_store import AgentStateStore
from contactcenter.engine.directory import Directory
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import summarise
from contactcenter.events.journal import CallJournal, CallRecord
from contactcenter.ivr.loader import load_flows
from contactcenter.recordings.access import RecordedCall, RecordedPart, may_hear
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk import driver as asterisk_driver
from contactcenter.telephony.asterisk.ari import AriClient, AriError
from contactcenter.telephony.asterisk.render import Credentials
from contactcenter.telephony.asterisk.translate import AriRequest
from contactcenter.web.auth import Principal
from contactcenter.web.scope import Scopes
from tests.support import until
from tests.unit.test_engine import ROOT, Wire
from tests.unit.test_engine_restart import Life, _queue

SCOPES = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"}),
                 "vic": frozenset({"billing"})},
                {"agent101": frozenset({"support"}), "agent102": frozenset({"sales"}),
                 "agent103": frozenset({"sales", "support"})})
#: when the agent users were given their agent ids: before the calls below
HIRED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
#: agent101 took the call in support, then transferred it to agent102 in sales
TRANSFERRED = RecordedCall.of({
    "id": 7, "recording": "call-c7-2", "queue": "sales", "agent": "agent102",
    "call_id": "c7", "started_at": "2026-03-02T10:00:00+00:00",
    "parts": [{"part": 1, "name": "call-c7", "agent": "agent101", "queue": "support",
               "started_at": "2026-03-02T10:00:05+00:00"},
              {"part": 2, "name": "call-c7-2", "agent": "agent102", "queue": "sales",
               "started_at": "2026-03-02T10:04:00+00:00"}]})


def test_a_transferred_call_has_both_parts_in_order_each_with_its_agent() -> None:
    assert [(part.part, part.name, part.agent) for part in TRANSFERRED.parts] == [
        (1, "call-c7", "agent101"), (2, "call-c7-2", "agent102")]
    assert TRANSFERRED.recording == "call-c7-2"
    assert TRANSFERRED.named("call-c7") == TRANSFERRED.part(1)
    assert TRANSFERRED.named("call-c8") is None and TRANSFERRED.part(3) is None
    assert TRANSFERRED.agents == {"agent101", "agent102"}
    assert TRANSFERRED.queues == ("sales", "support")


@pytest.mark.parametrize(("principal", "hears"), [
    (Principal("agent101", "agent", "agent101", HIRED), True),  # the first part is theirs
    (Principal("agent102", "agent", "agent102", HIRED), True),  # the second part is theirs
    (Principal("agent103", "agent", "agent103", HIRED), False),  # never had the call
    (Principal("sue", "supervisor"), True),  # the first part's queue is hers
    (Principal("otto", "supervisor"), True),  # the second part's queue is his
    (Principal("vic", "supervisor"), False),  # neither queue, nor any of its agents
    (Principal("root", "admin"), True),
    (Principal("max", "manager"), False),
])
def test_whoever_may_hear_a_transferred_call_hears_every_part(
        principal: Principal, hears: bool) -> None:
    assert may_hear(principal, TRANSFERRED, SCOPES) is hears


def test_a_supervisor_of_the_first_queue_only_still_hears_the_call() -> None:
    """The call's record names its last queue; the first part's queue counts too."""
    call = RecordedCall.of({
        "id": 8, "recording": "call-c8-2", "queue": "sales", "agent": "agent103",
        "parts": [{"part": 1, "name": "call-c8", "agent": "agent103", "queue": "billing"},
                  {"part": 2, "name": "call-c8-2", "agent": "agent103", "queue": "sales"}]})
    assert may_hear(Principal("vic", "supervisor"), call, SCOPES)


def test_a_call_written_before_parts_were_kept_has_its_one_recording() -> None:
    call = RecordedCall.of({"id": 9, "recording": "call-c9", "queue": "support",
                            "agent": "agent101", "started_at": "2026-03-02T10:00:00"})
    assert call.parts == (RecordedPart(1, "call-c9", "agent101", "support"),)
    assert may_hear(Principal("agent101", "agent", "agent101", HIRED), call, SCOPES)
    assert not may_hear(Principal("agent102", "agent", "agent102", HIRED), call, SCOPES)


CONFIG = parse_acd(
    {"queues": {"support": {"strategy": "longest_idle", "announce_on_join": False,
                            "record": True, "wrap_up": 30},
                "sales": {"strategy": "longest_idle", "announce_on_join": False,
                          "record": True}}},
    {"agents": {"agent101": {"queues": {"support": 1}},
                "agent102": {"queues": {"sales": 1}}}})


#: the restart tests' queue, recorded
RECORDED = parse_acd(
    {"queues": {"support": {"strategy": "longest_idle", "ring_timeout": 5, "wrap_up": 30,
                            "announce_on_join": False, "record": True}}},
    {"agents": {agent: {"skills": {"support": 5}, "queues": {"support": 1}}
                for agent in ("agent101", "agent102")}})


class RecordedLife(Life):
    """One run of the app (``test_engine_restart``), its queue recorded."""

    def __init__(self, folder: Path, clock: list[float]) -> None:
        self.journal = CallJournal(folder / "calls.jsonl")
        self.journal.open()
        self.store = AgentStateStore(folder / "agents.jsonl")
        self.engine = Engine(flows=load_flows(ROOT / "config/ivr"), numbers={"5000": "main"},
                             directory=Directory([]), bus=EventBus(), journal=self.journal,
                             clock=lambda: clock[0])
        self.wire = Wire()
        self.engine.send = self.wire.send
        self.distributor = self.engine.attach_acd(Acd(RECORDED, now=clock[0]), self.store)
        self.distributor.restore_agents()
        self.task = asyncio.ensure_future(self.distributor.run())


class Caller:
    """The waiting caller's side, as a CallTask takes it (one that can be requeued)."""

    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None: ...
    def overflow(self, kind: str, target: str | None) -> None: ...
    def hang_up(self, reason: str) -> None: ...

    def requeued(self, queue: str) -> dict[str, str]:
        return {}


async def _settled(distributor: Distributor) -> None:
    await asyncio.sleep(0)
    await distributor.drained()


async def _answer(distributor: Distributor, sent: list[dc.DriverCommand],
                  agent: str) -> None:
    """The last ring is for ``agent``, who answers."""
    await _settled(distributor)
    ring = sent[-1]
    assert isinstance(ring, dc.RingAgent) and ring.endpoint == agent, ring
    distributor.agent_answered(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id))
    await _settled(distributor)


async def test_a_call_transferred_to_another_queue_keeps_both_parts_on_its_record() -> None:
    sent: list[dc.DriverCommand] = []
    published: list[dict[str, Any]] = []

    async def send(command: dc.DriverCommand) -> None:
        sent.append(command)

    loop = asyncio.get_running_loop()
    distributor = Distributor(Acd(CONFIG), send=send, publish=published.append,
                              clock=loop.time)
    for agent in ("agent101", "agent102"):
        distributor.registration(agent, True)
        distributor.agent_event(AgentLoggedIn(agent=AgentId(agent)))
    task = asyncio.ensure_future(distributor.run())
    try:
        distributor.join("c1", Caller(), queue="support", priority=0, skill=None,
                         caller="+15550001", variables={})
        await _answer(distributor, sent, "agent101")
        # agent101 hands the caller to the sales queue (a blind transfer, as call
        # control carries it out: the agent's part ends, the caller waits again)
        distributor.release_agent("c1")
        distributor.requeue("c1", queue="sales", priority=0, agent=None,
                            handled_by=("agent101",))
        await _answer(distributor, sent, "agent102")
    finally:
        task.cancel()
    records = [command for command in sent if isinstance(command, dc.RecordBridge)]
    assert [command.name for command in records] == ["call-c1", "call-c1-2"]
    news = [event for event in published if event["type"] == "call.recording"]
    assert [(e["recording"], e["agent"], e["queue"]) for e in news] == [
        ("call-c1", "agent101", "support"), ("call-c1-2", "agent102", "sales")]

    record = CallRecord(call_id="c1")
    start = loop.time()
    for event in [{"type": "call.arrived", "call_id": "c1", "caller": "+15550001",
                   "dialed": "5000", "time": start},
                  *news, {"type": "call.ended", "call_id": "c1", "outcome": "answered",
                          "time": loop.time() + 1}]:
        record.apply(event)
    summary = summarise(record)
    assert summary.recording == "call-c1-2"
    assert [(p["name"], p["agent"], p["queue"]) for p in summary.recordings or []] == [
        ("call-c1", "agent101", "support"), ("call-c1-2", "agent102", "sales")]
    assert all(isinstance(p["started"], str) for p in summary.recordings or [])


async def test_a_call_transferred_before_a_restart_records_its_next_part_afresh(
        tmp_path: Path) -> None:
    """The app restarts while a transferred caller waits in the queue again: the next
    agent's part is a file of its own, not the first agent's file written over."""
    clock = [1000.0]
    first = RecordedLife(tmp_path, clock)
    for agent in ("agent101", "agent102"):
        first.distributor.registration(agent, True)
        first.distributor.agent_event(AgentLoggedIn(agent=AgentId(agent)))
    await _queue(first, "c1")
    await until(lambda: first.wire.of(dc.RingAgent))
    ring = first.wire.of(dc.RingAgent)[0]
    first.engine.on_driver_event(de.AgentAnswered(call_id="c1", leg_id=ring.leg_id,
                                                  endpoint=ring.endpoint))
    await until(lambda: first.wire.of(dc.RecordBridge))
    # the agent hands the caller back to the queue (as call control reports it), and
    # the app dies before anyone takes the call
    first.distributor.release_agent("c1")
    first.engine.publish({"type": "call.requeued", "call_id": "c1", "agent": ring.endpoint,
                          "queue": "support", "to_agent": None, "held_total": 0.0,
                          "time": clock[0]})
    await first.stop()

    clock[0] = 1100.0
    second = RecordedLife(tmp_path, clock)
    second.engine.resync({"c1": de.CallArrived(call_id="c1", caller="", dialed="")}, {})
    for agent in ("agent101", "agent102"):
        second.distributor.registration(agent, True)
    await until(lambda: second.wire.of(dc.RingAgent))
    again = second.wire.of(dc.RingAgent)[0]
    second.engine.on_driver_event(de.AgentAnswered(call_id="c1", leg_id=again.leg_id,
                                                   endpoint=again.endpoint))
    await until(lambda: second.wire.of(dc.RecordBridge))
    assert [r.name for r in first.wire.of(dc.RecordBridge) + second.wire.of(dc.RecordBridge)
            ] == ["call-c1", "call-c1-2"]
    assert [(p["name"], p["agent"]) for p in second.journal.records["c1"].recordings] == [
        ("call-c1", ring.endpoint), ("call-c1-2", again.endpoint)]
    await second.stop()


class ClosingAsterisk:
    """ARI's bridges as Asterisk 22 keeps them: a destroyed bridge's id stays taken
    while its channels leave (a recording closing its file), ``closing_for`` asks
    here; a bridge asked for under it meanwhile is refused (409), and a channel or a
    recording put in a bridge that is not there is tolerated and goes nowhere."""

    app = "cc"

    def __init__(self, closing_for: int) -> None:
        self.closing_for = closing_for
        self.live: set[str] = set()
        self.closing: dict[str, int] = {}
        #: who is in each live bridge, and the recordings made: name -> bridge
        self.members: dict[str, set[str]] = {}
        self.recorded: dict[str, str] = {}

    async def send(self, request: AriRequest) -> Any:
        _, kind, bridge, *action = request.path.split("/")
        if kind != "bridges":
            return None
        params = dict(request.params)
        if request.method == "DELETE":
            self.live.discard(bridge)
            self.closing[bridge] = self.closing_for
        elif not action:
            if bridge in self.live or self.closing.get(bridge, 0) > 0:
                self.closing[bridge] = self.closing.get(bridge, 0) - 1
                raise AriError(409, "POST", request.path,
                               f"Bridge with id '{bridge}' already exists")
            self.live.add(bridge)
            self.members[bridge] = set()
        elif bridge in self.live and action == ["addChannel"]:
            self.members[bridge] |= set(params["channel"].split(","))
        elif bridge in self.live and action == ["record"]:
            self.recorded[params["name"]] = bridge
        return None


def _driver(asterisk: ClosingAsterisk) -> asterisk_driver.AsteriskDriver:
    credentials = Credentials("http://127.0.0.1:1", "u", "p", "127.0.0.1", 1, "u", "p", "cc")
    driver = asterisk_driver.AsteriskDriver(credentials=lambda: credentials,
                                            on_event=lambda _event: None,
                                            on_resync=lambda *_args: None)
    driver.ari = cast(AriClient, asterisk)
    return driver


async def test_the_next_agent_gets_a_bridge_and_a_recording_while_the_first_closes() -> None:
    """The next agent answers a transferred call before Asterisk has freed the call's
    bridge id (the first part's recording still closing its file): the caller is
    still bridged to them and their part recorded, never listed as missing."""
    asterisk = ClosingAsterisk(closing_for=3)
    driver = _driver(asterisk)
    sent: list[dc.DriverCommand] = []

    async def send(command: dc.DriverCommand) -> None:
        sent.append(command)
        await driver.execute(command)

    loop = asyncio.get_running_loop()
    distributor = Distributor(Acd(CONFIG), send=send, publish=lambda _event: None,
                              clock=loop.time)
    for agent in ("agent101", "agent102"):
        distributor.registration(agent, True)
        distributor.agent_event(AgentLoggedIn(agent=AgentId(agent)))
    task = asyncio.ensure_future(distributor.run())
    try:
        distributor.join("c1", Caller(), queue="support", priority=0, skill=None,
                         caller="+15550001", variables={})
        await _answer(distributor, sent, "agent101")
        # a blind transfer as call control carries it out: the bridge closed, the
        # agent's part over, the caller waiting in sales
        distributor.queue(dc.DestroyBridge(call_id="c1", bridge_id="bridge-c1"))
        distributor.release_agent("c1")
        distributor.requeue("c1", queue="sales", priority=0, agent=None,
                            handled_by=("agent101",))
        await _answer(distributor, sent, "agent102")
    finally:
        task.cancel()
    second = [c for c in sent if isinstance(c, dc.RingAgent)][-1]
    assert asterisk.recorded == {"call-c1": "bridge-c1", "call-c1-2": "bridge-c1"}
    assert asterisk.members["bridge-c1"] == {"c1", second.leg_id}


async def test_a_bridge_id_that_is_never_freed_is_refused_in_the_end(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Asking again is for an id being freed, not forever: the ACD's next commands wait."""
    monkeypatch.setattr(asterisk_driver, "BRIDGE_ID_FREED", 0.1)
    asterisk = ClosingAsterisk(closing_for=10**6)
    asterisk.live.add("bridge-c1")
    with pytest.raises(AriError) as refused:
        await _driver(asterisk).execute(dc.CreateBridge(call_id="c1", bridge_id="bridge-c1"))
    assert refused.value.status == 409
