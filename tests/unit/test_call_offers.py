"""The offers core on its own: agents' ring legs and a waiting caller's connection, on a
fake clock - ringing, answers on time and late, cancels, failures, the bridge, callers
and agents hanging up, announcements; duplicated and reordered leg news; and, with the
real ACD core deciding, its invariants under any order of news (hypothesis)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, parse_acd
from contactcenter.acd import commands as ac
from contactcenter.acd import events as ae
from contactcenter.acd.model import CallId
from contactcenter.acd.states import FINAL, AgentState
from contactcenter.calls.offers import LegState, Offers, OffersUsageError
from contactcenter.calls.offers import commands as oc
from contactcenter.calls.offers import events as oe
from contactcenter.telephony import commands as dc
from tests.cores import of, one

T0 = 1_000.0


def told(out: Sequence[object]) -> list[ae.AcdEvent]:
    return [c.event for c in of(oc.TellAcd, out)]


def hung_up(out: Sequence[object]) -> list[str]:
    return [c.call_id for c in of(dc.HangupCall, out)]


def waiting(core: Offers, call: str = "c1", caller: str = "+15550100") -> None:
    assert core.handle(oe.CallerWaiting(call_id=call, caller=caller), T0) == []


def ring(core: Offers, call: str = "c1", agent: str = "a1", *, now: float = T0) -> str:
    """The ACD offers ``call`` to ``agent``: the new leg rung."""
    out = core.handle(oe.Offered(call_id=call, agent=agent, ring_timeout=15,
                                 endpoint=f"{agent}-phone"), now)
    return one(dc.RingAgent, out).leg_id


def answer(core: Offers, leg: str, call: str = "c1") -> list[oc.OfferCommand]:
    return core.handle(oe.LegAnswered(call_id=call, leg_id=leg), T0 + 3)


def connect(core: Offers, call: str = "c1", agent: str = "a1") -> str:
    """``agent`` answers a ring for ``call`` and the ACD gives them the call; their leg."""
    leg = ring(core, call, agent)
    answer(core, leg, call)
    core.handle(oe.Assigned(call_id=call, agent=agent), T0 + 3)
    return leg


# -- ringing and answering ---------------------------------------------------------------

def test_an_offer_rings_the_agents_phone_with_the_callers_number_and_a_backstop() -> None:
    core = Offers()
    waiting(core)
    out = core.handle(oe.Offered(call_id="c1", agent="a1", ring_timeout=14.2,
                                 endpoint="a1-web"), T0)
    (rung,) = out
    assert isinstance(rung, dc.RingAgent)
    assert (rung.call_id, rung.endpoint, rung.caller_id) == ("c1", "a1-web", "+15550100")
    assert rung.timeout == 15 + 5  # Asterisk's own timeout comes after the ACD's
    assert core.legs[rung.leg_id].state is LegState.RINGING
    # a caller id given by the engine is shown instead of the caller's
    again = core.handle(oe.Offered(call_id="c1", agent="a2", ring_timeout=15, endpoint="a2",
                                   caller_id="Callback +1555"), T0)
    assert one(dc.RingAgent, again).caller_id == "Callback +1555"


def test_nobody_is_rung_for_a_caller_the_core_does_not_have() -> None:
    core = Offers()
    assert core.handle(oe.Offered(call_id="c9", agent="a1", ring_timeout=15,
                                  endpoint="a1"), T0) == []
    assert core.ignored == 1 and not core.legs


def test_an_answer_is_told_the_acd_and_the_connection_bridges_caller_and_agent() -> None:
    core = Offers()
    waiting(core)
    leg = ring(core)
    out = answer(core, leg)
    assert out == [oc.TellAcd(event=ae.OfferAnswered(call_id=CallId("c1"),
                                                     agent=AgentId("a1")),
                              then=oe.AnswerDecided(leg_id=leg))]
    connected = core.handle(oe.Assigned(call_id="c1", agent="a1"), T0 + 3)
    assert connected == [
        dc.StopHold(call_id="c1"),
        dc.CreateBridge(call_id="c1", bridge_id="bridge-c1"),
        dc.AddToBridge(call_id="c1", bridge_id="bridge-c1", channels=("c1", leg)),
        oc.ConnectCaller(call_id="c1", agent="a1", leg_id=leg, bridge="bridge-c1"),
    ]
    assert core.talking_leg("c1") is core.legs[leg] and core.legs[leg].connected
    # the ACD took the answer: nothing more to do
    assert core.handle(oe.AnswerDecided(leg_id=leg), T0 + 3) == []


def test_an_answer_the_acd_did_not_take_is_hung_up() -> None:
    core = Offers()
    waiting(core)
    leg = ring(core)
    answer(core, leg)
    assert core.handle(oe.AnswerDecided(leg_id=leg), T0 + 3) == [dc.HangupCall(call_id=leg)]
    assert core.talking_leg("c1") is None


def test_a_callbacks_customer_dialed_now_gets_the_bridge_only() -> None:
    core = Offers()
    waiting(core)
    leg = ring(core)
    answer(core, leg)
    out = core.handle(oe.Assigned(call_id="c1", agent="a1", customer_dialed=True), T0 + 3)
    assert out == [dc.CreateBridge(call_id="c1", bridge_id="bridge-c1"),
                   oc.ConnectCaller(call_id="c1", agent="a1", leg_id=leg, bridge="bridge-c1")]


def test_a_connection_for_a_leg_that_never_answered_or_a_caller_gone_does_nothing() -> None:
    core = Offers()
    waiting(core)
    ring(core)
    assert core.handle(oe.Assigned(call_id="c1", agent="a1"), T0) == []
    assert core.handle(oe.Assigned(call_id="c7", agent="a1"), T0) == []


# -- cancels, failures, late answers ------------------------------------------------------

def test_a_cancel_hangs_up_the_ring_and_its_late_answer() -> None:
    core = Offers()
    waiting(core)
    leg = ring(core)
    assert core.handle(oe.OfferCancelled(call_id="c1", agent="a1"), T0 + 15) == [
        dc.HangupCall(call_id=leg)]
    # the phone picks up as the cancel travels: hung up, the ACD hears nothing
    out = answer(core, leg)
    assert hung_up(out) == [leg] and told(out) == []


def test_a_stale_ring_answered_late_is_hung_up_and_the_current_one_counts() -> None:
    core = Offers()
    waiting(core)
    first = ring(core)
    core.handle(oe.OfferCancelled(call_id="c1", agent="a1"), T0 + 15)
    second = ring(core, now=T0 + 20)  # offered to the same agent again
    assert first != second
    assert hung_up(answer(core, first)) == [first]
    out = answer(core, second)
    assert told(out) == [ae.OfferAnswered(call_id=CallId("c1"), agent=AgentId("a1"))]
    # the first leg's end is old news: no OfferFailed for the ring under way
    assert core.handle(oe.LegEnded(leg_id=first, cause="normal"), T0 + 21) == []


def test_a_ring_that_fails_is_the_acds_offer_failed_with_its_cause() -> None:
    core = Offers()
    waiting(core)
    busy = ring(core)
    assert told(core.handle(oe.LegEnded(leg_id=busy, cause="busy"), T0 + 1)) == [
        ae.OfferFailed(call_id=CallId("c1"), agent=AgentId("a1"), reason="busy")]
    silent = ring(core, agent="a2")
    out = core.handle(oe.LegEnded(leg_id=silent), T0 + 2)
    assert told(out) == [ae.OfferFailed(call_id=CallId("c1"), agent=AgentId("a2"),
                                        reason="no answer")]
    assert not core.legs


def test_an_answer_for_a_caller_gone_or_an_unknown_leg_is_hung_up() -> None:
    core = Offers()
    assert answer(core, "c1-a1-9") == [dc.HangupCall(call_id="c1-a1-9")]
    waiting(core)
    leg = ring(core)
    core.handle(oe.CallerGone(call_id="c1"), T0 + 2)
    assert answer(core, leg) == [dc.HangupCall(call_id=leg)]


# -- callers and agents hanging up -----------------------------------------------------------

def test_a_caller_gone_while_phones_ring_abandons_and_stops_every_ring() -> None:
    core = Offers()
    waiting(core)
    legs = [ring(core, agent="a1"), ring(core, agent="a2")]
    out = core.handle(oe.CallerGone(call_id="c1"), T0 + 4)
    assert told(out) == [ae.CallLeft(call_id=CallId("c1"), reason="abandoned")]
    assert hung_up(out) == legs
    assert not core.is_waiting("c1")
    # no ring for a caller gone, whatever the ACD says next
    assert core.handle(oe.Offered(call_id="c1", agent="a3", ring_timeout=15,
                                  endpoint="a3"), T0 + 5) == []


def test_a_caller_gone_while_talking_finishes_the_call_and_hangs_the_agent_up() -> None:
    core = Offers()
    waiting(core)
    leg = connect(core)
    out = core.handle(oe.CallerGone(call_id="c1"), T0 + 60)
    assert out == [oc.TellAcd(event=ae.CallFinished(call_id=CallId("c1"))),
                   dc.HangupCall(call_id=leg),
                   dc.DestroyBridge(call_id="c1", bridge_id="bridge-c1")]
    assert core.handle(oe.CallerGone(call_id="c1"), T0 + 60) == []  # said twice


def test_an_agent_who_hangs_up_ends_the_call_for_the_caller() -> None:
    core = Offers()
    waiting(core)
    leg = connect(core)
    out = core.handle(oe.LegEnded(leg_id=leg, cause="normal"), T0 + 60)
    assert out == [oc.TellAcd(event=ae.CallFinished(call_id=CallId("c1"))),
                   dc.DestroyBridge(call_id="c1", bridge_id="bridge-c1"),
                   oc.HangUpCaller(call_id="c1", reason="normal")]
    assert not core.is_waiting("c1") and not core.legs
    # the news again: nothing more
    assert core.handle(oe.LegEnded(leg_id=leg, cause="normal"), T0 + 61) == []


def test_duplicated_and_reordered_leg_news_change_nothing() -> None:
    core = Offers()
    waiting(core)
    leg = connect(core)
    # the answer again, while talking: the agent is not hung up, the ACD not told again
    assert answer(core, leg) == []
    assert core.handle(oe.AnswerDecided(leg_id=leg), T0 + 4) == []
    # a leg's end before its answer (reordered): the answer then finds no leg
    waiting(core, "c2")
    other = ring(core, "c2", "a2")
    core.handle(oe.LegEnded(leg_id=other, cause="normal"), T0 + 5)
    assert answer(core, other, "c2") == [dc.HangupCall(call_id=other)]
    assert core.talking_leg("c1") is core.legs[leg]


# -- announcements, overflow, releases ----------------------------------------------------------

def test_an_announcement_plays_alone_then_hold_music_comes_back() -> None:
    core = Offers()
    waiting(core)
    out = core.handle(oe.AnnouncementDue(call_id="c1", position=3, expected_wait=170), T0)
    stop, play = out
    assert stop == dc.StopHold(call_id="c1") and isinstance(play, dc.PlayMedia)
    assert play.media == ("sound:queue-thereare", "number:2", "sound:queue-callswaiting",
                          "sound:queue-holdtime", "number:3", "sound:queue-minutes")
    # one at a time: the comfort message due meanwhile waits for its next turn
    assert core.handle(oe.AnnouncementDue(call_id="c1"), T0 + 1) == []
    assert core.handle(oe.PlaybackEnded(call_id="c1", playback_id="other"), T0 + 2) == []
    ended = core.handle(oe.PlaybackEnded(call_id="c1", playback_id=play.playback_id), T0 + 8)
    assert ended == [oc.Publish(type="call.announced", data={
        "call_id": "c1", "kind": "position", "position": 3, "expected_wait": 170,
        "started": T0, "time": T0 + 8}), dc.StartHold(call_id="c1")]
    comfort = core.handle(oe.AnnouncementDue(call_id="c1"), T0 + 30)
    assert one(dc.PlayMedia, comfort).media == ("sound:queue-periodic-announce",)


def test_a_connection_stops_the_announcement_and_no_music_follows_it() -> None:
    core = Offers()
    waiting(core)
    play = one(dc.PlayMedia, core.handle(oe.AnnouncementDue(call_id="c1", position=1), T0))
    leg = ring(core)
    answer(core, leg)
    out = core.handle(oe.Assigned(call_id="c1", agent="a1"), T0 + 3)
    assert out[:2] == [dc.StopMedia(call_id="c1", playback_id=play.playback_id),
                       dc.StopHold(call_id="c1")]
    assert core.handle(oe.PlaybackEnded(call_id="c1", playback_id=play.playback_id),
                       T0 + 4) == []


def test_an_overflow_out_of_the_acd_stops_the_announcement_and_lets_the_caller_go() -> None:
    core = Offers()
    waiting(core)
    play = one(dc.PlayMedia, core.handle(oe.AnnouncementDue(call_id="c1", position=2), T0))
    assert core.handle(oe.Overflowed(call_id="c1", kind="queue", target="sales"), T0) == []
    out = core.handle(oe.Overflowed(call_id="c1", kind="voicemail", target="vm"), T0 + 1)
    assert out == [dc.StopMedia(call_id="c1", playback_id=play.playback_id),
                   oc.OverflowCaller(call_id="c1", kind="voicemail", target="vm")]
    assert not core.is_waiting("c1")


def test_a_released_caller_is_hung_up_only_when_a_reason_is_given() -> None:
    core = Offers()
    waiting(core, "c1")
    waiting(core, "c2")
    assert core.handle(oe.CallerReleased(call_id="c1", reason="normal"), T0) == [
        oc.HangUpCaller(call_id="c1", reason="normal")]
    assert core.handle(oe.CallerReleased(call_id="c2"), T0) == []
    assert core.caller_of("c2") is None


def test_a_restored_call_and_a_handover_are_the_acds_again_and_end_as_calls_do() -> None:
    core = Offers()
    out = core.handle(oe.CallAdopted(call_id="c1", caller="+1555", agent="a1", leg_id="L1",
                                     queue="support", priority=2, answered_at=T0 - 30), T0)
    assert told(out) == [ae.CallRestored(call_id=CallId("c1"), queue="support",
                                         agent=AgentId("a1"), answered_at=T0 - 30,
                                         caller="+1555", priority=2)]
    assert core.talking_leg("c1") is core.legs["L1"]
    # the agent's part ends (a consultation completed), a colleague takes over
    assert told(core.handle(oe.AgentReleased(call_id="c1"), T0 + 5)) == [
        ae.CallFinished(call_id=CallId("c1"))]
    assert "L1" not in core.legs and core.talking_leg("c1") is None
    out = core.handle(oe.HandedOver(call_id="c1", agent="a2", leg_id="L2", queue="support",
                                    priority=2), T0 + 6)
    (restored,) = told(out)
    assert isinstance(restored, ae.CallRestored) and restored.handover
    assert restored.answered_at == T0 + 6 and restored.caller == "+1555"
    assert told(core.handle(oe.LegEnded(leg_id="L2"), T0 + 9)) == [
        ae.CallFinished(call_id=CallId("c1"))]


def test_an_event_the_core_does_not_know_is_the_engines_misuse() -> None:
    with pytest.raises(OffersUsageError):
        Offers().handle(ae.CallLeft(call_id=CallId("c1"), reason="x"), T0)  # type: ignore[arg-type]


# -- with the real ACD deciding: invariants under any order of news ---------------------------
#
# Callers join two queues (one rings every agent at once), agents answer, fail, hang up,
# pause and come back, callers hang up, announcements end, time passes, and any leg's news
# comes again, late or out of order. The engine's part is played as the Distributor does
# (``Floor``). After every step:
# - a leg is connected to one call at most, and an agent's phone talks to one caller at
#   most (among the legs still up: neither hung up nor ended);
# - no phone rings for a caller who is gone (hung up, sent out of the ACD);
# - the ACD hears at most one answer per leg, and the caller is connected at most once.
# At the end, the news of every hang-up comes, every caller still there hangs up, and the
# ACD's timers run out: every leg that was connected or rung is hung up or ended, each
# call ended in one final state, and no agent is left ringing or on a call.

CONFIG = parse_acd(
    {"queues": {
        "support": {"strategy": "longest_idle", "ring_timeout": 5, "wrap_up": 2,
                    "announce_every": 7, "comfort_every": 11, "max_wait": 60,
                    "overflow": {"kind": "voicemail", "target": "vm"}},
        "sales": {"strategy": "ring_all", "ring_timeout": 5, "wrap_up": 0,
                  "after_ring_timeout": "available"}}},
    {"agents": {name: {"skills": {"support": 5, "sales": 5},
                       "queues": {"support": 1, "sales": 1}}
                for name in ("a1", "a2", "a3")}})
AGENTS = sorted(CONFIG.agents)


@dataclass
class Floor:
    """The ACD and the offers core wired as the Distributor wires them, and what the
    driver and the callers' tasks were told."""

    acd: Acd = field(default_factory=lambda: Acd(CONFIG, now=T0))
    core: Offers = field(default_factory=Offers)
    now: float = T0
    calls: list[str] = field(default_factory=list)
    gone: set[str] = field(default_factory=set)  #: callers hung up or sent away
    rung: dict[str, tuple[str, str]] = field(default_factory=dict)  #: leg -> (call, agent)
    down: set[str] = field(default_factory=set)  #: legs hung up or ended
    ended: set[str] = field(default_factory=set)  #: legs whose end was told the core
    talking: dict[str, str] = field(default_factory=dict)  #: connected leg -> call
    connections: dict[str, int] = field(default_factory=dict)  #: call -> ConnectCaller
    answers: dict[str, int] = field(default_factory=dict)  #: leg -> OfferAnswered told
    playing: list[tuple[str, str]] = field(default_factory=list)
    news: list[oe.OfferEvent] = field(default_factory=list)

    def offer(self, event: oe.OfferEvent) -> None:
        if isinstance(event, oe.LegAnswered | oe.LegEnded):
            self.news.append(event)
        for command in self.core.handle(event, self.now):
            self._carry_out(command)

    def tell(self, event: ae.AcdEvent) -> None:
        for command in self.acd.handle(event, self.now):
            self._decided(command)

    def wait(self, seconds: float) -> None:
        self.now += seconds
        for command in self.acd.handle_timer(self.now):
            self._decided(command)

    def _decided(self, command: ac.AcdCommand) -> None:
        match command:
            case ac.OfferCall(call_id=call_id, agent=agent, ring_timeout=timeout):
                self.offer(oe.Offered(call_id=call_id, agent=agent, ring_timeout=timeout,
                                      endpoint=agent))
            case ac.CancelOffer(call_id=call_id, agent=agent):
                self.offer(oe.OfferCancelled(call_id=call_id, agent=agent))
            case ac.ConnectCall(call_id=call_id, agent=agent):
                self.offer(oe.Assigned(call_id=call_id, agent=agent))
            case ac.Announce(call_id=call_id, position=position, expected_wait=wait):
                self.offer(oe.AnnouncementDue(call_id=call_id, position=position,
                                              expected_wait=wait))
            case ac.PlayComfort(call_id=call_id):
                self.offer(oe.AnnouncementDue(call_id=call_id))
            case ac.OverflowCall(call_id=call_id, kind=kind, target=target):
                self.offer(oe.Overflowed(call_id=call_id, kind=kind, target=target))

    def _carry_out(self, command: oc.OfferCommand) -> None:
        match command:
            case oc.TellAcd(event=event, then=then):
                if isinstance(event, ae.OfferAnswered) and then is not None:
                    leg = getattr(then, "leg_id", "")
                    self.answers[leg] = self.answers.get(leg, 0) + 1
                    assert self.answers[leg] == 1, f"the ACD heard {leg} answer twice"
                self.tell(event)
                if then is not None:
                    self.offer(then)
            case dc.RingAgent(call_id=call_id, leg_id=leg, endpoint=agent):
                assert call_id not in self.gone, f"{agent} rung for {call_id}, gone"
                assert leg not in self.rung
                self.rung[leg] = (call_id, agent)
            case dc.HangupCall(call_id=leg):
                self.down.add(leg)
                self.talking.pop(leg, None)
            case oc.ConnectCaller(call_id=call_id, agent=agent, leg_id=leg):
                self._connected(call_id, agent, leg)
            case oc.HangUpCaller(call_id=call_id) | oc.OverflowCaller(call_id=call_id):
                self.gone.add(call_id)
            case dc.PlayMedia(call_id=call_id, playback_id=playback):
                self.playing.append((call_id, playback))

    def _connected(self, call_id: str, agent: str, leg: str) -> None:
        assert call_id not in self.gone and leg not in self.down, (call_id, leg)
        assert self.rung[leg] == (call_id, agent)
        assert leg not in self.talking, f"{leg} connected twice"
        self.connections[call_id] = self.connections.get(call_id, 0) + 1
        assert self.connections[call_id] == 1, f"{call_id} connected twice"
        busy = [other for other, call in self.talking.items()
                if self.rung[other][1] == agent]
        assert not busy, f"{agent} talks on {busy} and {leg}"
        self.talking[leg] = call_id

    def leg_ended(self, leg: str, cause: str) -> None:
        self.down.add(leg)
        self.ended.add(leg)
        self.talking.pop(leg, None)
        self.offer(oe.LegEnded(leg_id=leg, cause=cause))

    def caller_gone(self, call_id: str) -> None:
        self.gone.add(call_id)
        self.offer(oe.CallerGone(call_id=call_id))


PICK = st.integers(0, 30)
JOIN = st.tuples(st.just("join"), st.sampled_from(["support", "sales"]))
ANSWER_LIVE = st.tuples(st.just("answer_live"), PICK)  # a phone still ringing picks up
ACTIONS = st.one_of(
    JOIN, JOIN,
    st.tuples(st.just("answer"), PICK),
    ANSWER_LIVE, ANSWER_LIVE, ANSWER_LIVE,
    st.tuples(st.just("end"), PICK, st.sampled_from(["normal", "busy", ""])),
    st.tuples(st.just("hangup_news"), PICK),
    st.tuples(st.just("gone"), PICK),
    st.tuples(st.just("agent"), PICK, st.sampled_from(["pause", "ready", "done", "out"])),
    st.tuples(st.just("playback"), PICK),
    st.tuples(st.just("wait"), st.sampled_from([0.5, 1, 3, 6, 20])),
    st.tuples(st.just("replay"), PICK),
)


def pick(items: Sequence[Any], index: int) -> Any:
    return items[-1 - index % len(items)] if items else None


def act(floor: Floor, action: tuple[Any, ...]) -> None:
    kind = action[0]
    if kind == "join":
        call_id = f"c{len(floor.calls) + 1}"
        floor.calls.append(call_id)
        floor.offer(oe.CallerWaiting(call_id=call_id, caller="+15550100"))
        floor.tell(ae.CallJoined(call_id=CallId(call_id), queue=action[1]))
    elif kind == "answer" and floor.rung:  # any leg: ringing, hung up, even ended
        leg = pick(list(floor.rung), action[1])
        floor.offer(oe.LegAnswered(call_id=floor.rung[leg][0], leg_id=leg))
    elif kind == "answer_live":
        leg = pick([leg for leg in floor.rung if leg not in floor.down], action[1])
        if leg is not None:
            floor.offer(oe.LegAnswered(call_id=floor.rung[leg][0], leg_id=leg))
    elif kind == "end" and floor.rung:
        leg = pick([leg for leg in floor.rung if leg not in floor.ended], action[1])
        if leg is not None:
            floor.leg_ended(leg, action[2])
    elif kind == "hangup_news":  # the driver's news of a hang-up the core asked for
        leg = pick(sorted(floor.down - floor.ended), action[1])
        if leg is not None:
            floor.leg_ended(leg, "normal")
    elif kind == "gone" and floor.calls:
        floor.caller_gone(pick(floor.calls, action[1]))
    elif kind == "agent":
        agent = AgentId(pick(AGENTS, action[1]))
        events: dict[str, ae.AcdEvent] = {
            "pause": ae.AgentPaused(agent=agent, reason="break"),
            "ready": ae.AgentAvailable(agent=agent), "done": ae.WrapUpEnded(agent=agent),
            "out": ae.AgentLoggedOut(agent=agent)}
        floor.tell(events[action[2]])
        if action[2] == "out":
            floor.tell(AgentLoggedIn(agent=agent))
    elif kind == "playback" and floor.playing:
        call_id, playback = pick(floor.playing, action[1])
        floor.offer(oe.PlaybackEnded(call_id=call_id, playback_id=playback))
    elif kind == "wait":
        floor.wait(action[1])
    elif kind == "replay" and floor.news:
        news: oe.OfferEvent = pick(floor.news, action[1])
        if isinstance(news, oe.LegEnded):
            floor.leg_ended(news.leg_id, news.cause)
        else:
            floor.offer(news)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTIONS, min_size=5, max_size=80))
def test_random_offers_and_leg_news_keep_the_invariants(actions: list[tuple[Any, ...]]) -> None:
    floor = Floor()
    for agent in AGENTS:
        floor.tell(AgentLoggedIn(agent=AgentId(agent)))
    for action in actions:
        act(floor, action)
    # the end of every hang-up comes, every caller still there leaves, the timers run out
    for call_id in floor.calls:
        if call_id not in floor.gone:
            floor.caller_gone(call_id)
    for leg in sorted(floor.down - floor.ended):
        floor.leg_ended(leg, "normal")
    floor.wait(120)
    for leg in floor.rung:
        assert leg in floor.down, f"{leg} never hung up nor ended"
    assert not floor.core.legs, f"legs left: {dict(floor.core.legs)}"
    for call_id in floor.calls:
        view = floor.acd.call_state(call_id)
        assert view is not None and view.state in FINAL, (call_id, view)
        assert not floor.core.is_waiting(call_id)
    for agent in AGENTS:
        state = floor.acd.agent_state(agent).state
        assert state not in (AgentState.RINGING, AgentState.ON_CALL), (agent, state)


def test_an_agent_is_rung_on_behalf_of_the_number_the_caller_called() -> None:
    core = Offers()
    core.handle(oe.CallerWaiting(call_id="cb1", caller="+15550100", via="+15550005000"), T0)
    out = core.handle(oe.Offered(call_id="cb1", agent="a1", ring_timeout=15,
                                 endpoint="a1-phone"), T0)
    assert one(dc.RingAgent, out).via == "+15550005000"
