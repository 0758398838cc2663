"""The dialer core's reserved dials and its own deadlines, on a fake clock: a callback
agreed with an agent goes to that agent (waiting a bounded time while they are busy,
to anyone when they are not on the campaign), connected to them; a number abandoned
within 72 hours is dialed only with an agent held for it; a preview left alone is
dialed at the core's deadline; an abandon message and a machine's are cut off; and,
across random agent moves (hypothesis), that no reserved dial is ever asked of the
gate without its agent held, and a callback whose agent is ready goes to them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.dialer import commands as dc
from contactcenter.dialer import events as de
from contactcenter.dialer.core import Dialer
from contactcenter.dialer.states import (
    ABANDON_REDIAL,
    AgentState,
    Campaign,
    Outcome,
    RecordState,
    RetryRule,
)
from tests.cores import of, one

T0 = 1_000_000.0
CAMPAIGN = Campaign(name="spring", caller_id="+15550000000", max_lines=4, ring_timeout=20.0,
                    abandon_message="This was Example Co.", machine_message="Call us",
                    callback_wait=120.0, preview_seconds=30.0, message_limit=60.0)
NUMBER = "+15550001111"


def make(**settings: Any) -> Dialer:
    return Dialer(replace(CAMPAIGN, **settings))


def started(core: Dialer, *agents: str) -> list[dc.DialerCommand]:
    """The campaign running, the agents ready (the first the longest)."""
    for i, agent in enumerate(agents):
        core.handle(de.AgentReady(agent=agent), T0 - 100 + i)
    return core.handle(de.CampaignStarted(), T0)


def agreed(core: Dialer, agent: str, at: float) -> list[dc.DialerCommand]:
    return core.handle(de.CallbackAgreed(record_id="r1", number=NUMBER, at=at, agent=agent),
                       T0)


# -- callbacks ---------------------------------------------------------------------------


def test_a_callback_goes_to_its_agent_at_its_time_not_to_whoever_is_free() -> None:
    core = make()
    started(core, "a2", "a1")  # a2 free the longest
    assert of(dc.OfferPreview, agreed(core, "a1", T0 + 600)) == []
    assert core.next_deadline() == T0 + 600
    offer = one(dc.OfferPreview, core.handle_timer(T0 + 600))
    assert (offer.agent, offer.record_id, offer.reserved) == ("a1", "r1", "callback")
    assert offer.deadline == T0 + 630 and core.agent("a1") is AgentState.PREVIEWING
    check = one(dc.CheckDial, core.handle(de.PreviewDialed(dial_id=offer.dial_id), T0 + 605))
    assert check.agent == "a1"
    core.handle(de.DialChecked(dial_id=check.dial_id, cleared=True), T0 + 605)
    out = core.handle(de.HumanAnswered(dial_id=check.dial_id), T0 + 612)
    assert one(dc.ConnectCall, out).agent == "a1"


def test_a_callback_waits_for_its_busy_agent_a_bounded_time_then_goes_to_any() -> None:
    core = make()
    started(core, "a2")
    core.handle(de.AgentTalking(agent="a1"), T0)
    agreed(core, "a1", T0 + 600)
    assert of(dc.OfferPreview, core.handle_timer(T0 + 600)) == []
    assert core.next_deadline() == T0 + 720
    assert one(dc.OfferPreview, core.handle_timer(T0 + 720)).agent == "a2"


def test_a_callback_whose_agent_comes_back_in_time_is_theirs() -> None:
    core = make()
    started(core, "a2")
    core.handle(de.AgentWrappingUp(agent="a1"), T0)
    agreed(core, "a1", T0 + 600)
    core.handle_timer(T0 + 600)
    assert one(dc.OfferPreview, core.handle(de.AgentReady(agent="a1"), T0 + 650)).agent == "a1"


def test_a_callback_whose_agent_is_not_logged_in_goes_to_any_agent_at_once() -> None:
    core = make()
    started(core, "a2")
    core.handle(de.AgentLoggedOut(agent="a1"), T0)
    agreed(core, "a1", T0 + 600)
    assert one(dc.OfferPreview, core.handle_timer(T0 + 600)).agent == "a2"


def test_a_callback_of_a_person_reached_is_owed_whatever_the_attempts() -> None:
    core = make(retry={Outcome.BUSY: RetryRule(delay=1.0, max_attempts=2)})
    core.handle(de.RecordsLoaded(records=(de.Record(record_id="r1", number=NUMBER,
                                                    attempts=2),)), T0)
    record = core.record("r1")
    assert record is not None and record.state is RecordState.DONE
    started(core, "a1")
    agreed(core, "a1", T0 + 60)
    assert record.state is RecordState.WAITING and record.attempts == 1
    assert one(dc.OfferPreview, core.handle_timer(T0 + 60)).attempt == 2


def test_a_callback_cancelled_before_it_rang_keeps_its_agent() -> None:
    core = make()
    started(core, "a1", "a2")
    agreed(core, "a1", T0 + 60)
    offer = one(dc.OfferPreview, core.handle_timer(T0 + 60))
    out = core.handle(de.AgentPaused(agent="a1", reason="break"), T0 + 61)
    assert one(dc.RecordOutcome, out).outcome == "cancelled" and of(dc.OfferPreview, out) == []
    again = one(dc.OfferPreview, core.handle(de.AgentReady(agent="a1"), T0 + 90))
    assert again.agent == "a1" and again.record_id == offer.record_id


def test_a_callback_agreed_while_the_call_is_still_up_is_owed_once_it_ends() -> None:
    """The agent may give the code before the person hangs up: the callback is due at
    its time, reserved to them, once the call ends (reached or not)."""
    core = make()
    core.handle(de.RecordsLoaded(records=(de.Record(record_id="r1", number=NUMBER),)), T0)
    check = one(dc.CheckDial, started(core, "a1"))
    core.handle(de.DialChecked(dial_id=check.dial_id, cleared=True), T0)
    core.handle(de.HumanAnswered(dial_id=check.dial_id), T0 + 5)
    core.handle(de.HumanConnected(dial_id=check.dial_id, agent="a1"), T0 + 5)
    agreed(core, "a1", T0 + 600)
    core.handle(de.CallEnded(dial_id=check.dial_id), T0 + 60)
    record = core.record("r1")
    assert record is not None and record.state is RecordState.WAITING
    core.handle(de.AgentReady(agent="a1"), T0 + 70)
    offer = one(dc.OfferPreview, core.handle_timer(T0 + 600))
    assert (offer.agent, offer.record_id, offer.reserved) == ("a1", "r1", "callback")


def test_a_callback_is_kept_when_the_list_is_loaded_again() -> None:
    core = make()
    started(core, "a2")
    core.handle(de.AgentTalking(agent="a1"), T0)
    agreed(core, "a1", T0 + 600)
    core.handle(de.RecordsLoaded(records=(de.Record(record_id="r1", number=NUMBER),)), T0 + 1)
    assert of(dc.OfferPreview, core.handle_timer(T0 + 600)) == []
    assert one(dc.OfferPreview, core.handle(de.AgentReady(agent="a1"), T0 + 601)).agent == "a1"


def test_a_whole_list_drops_the_records_it_lacks_but_a_callback_and_a_dial() -> None:
    core = make(strategy="preview")
    records = tuple(de.Record(record_id=f"r{i}", number=f"+1555000{i:04d}") for i in range(4))
    core.handle(de.RecordsLoaded(records=records), T0)
    offer = one(dc.OfferPreview, started(core, "a1"))  # r0 shown: under way
    core.handle(de.CallbackAgreed(record_id="r1", number="+15550000001", at=T0 + 900,
                                  agent="a1"), T0)
    core.handle(de.RecordsLoaded(records=(records[3],), whole=True), T0 + 1)
    assert sorted(core.records()) == ["r0", "r1", "r3"]
    out = core.handle(de.PreviewSkipped(dial_id=offer.dial_id), T0 + 2)
    assert one(dc.OfferPreview, out).record_id == "r3"


# -- the 72 hours after an abandon ---------------------------------------------------------


def abandoned_once(**settings: Any) -> tuple[Dialer, str]:
    """One record, abandoned at T0 + 10 (no agent free when the person answered)."""
    core = make(retry={Outcome.ABANDONED: RetryRule(delay=3600.0, max_attempts=3)},
                strategy="power", power_ratio=2.0, **settings)
    core.handle(de.RecordsLoaded(records=(de.Record(record_id="r1", number=NUMBER),)), T0)
    check = one(dc.CheckDial, started(core, "a1"))
    assert check.agent is None and check.abandoned_at is None
    core.handle(de.DialChecked(dial_id=check.dial_id, cleared=True), T0)
    core.handle(de.AgentPaused(agent="a1"), T0 + 5)
    out = core.handle(de.HumanAnswered(dial_id=check.dial_id), T0 + 10)
    one(dc.PlayAbandonMessage, out)
    core.handle(de.CallEnded(dial_id=check.dial_id), T0 + 15)
    return core, check.dial_id


def test_an_abandoned_number_due_again_is_asked_of_the_gate_with_its_agent_held() -> None:
    core, _ = abandoned_once()
    record = core.record("r1")
    assert record is not None and record.due == T0 + 15 + 3600
    assert of(dc.CheckDial, core.handle_timer(T0 + 3615)) == []  # nobody free: it waits
    check = one(dc.CheckDial, core.handle(de.AgentReady(agent="a1"), T0 + 3700))
    assert (check.agent, check.abandoned_at) == ("a1", T0 + 10)
    assert core.agent("a1") is AgentState.PREVIEWING
    core.handle(de.DialChecked(dial_id=check.dial_id, cleared=True), T0 + 3700)
    assert one(dc.ConnectCall, core.handle(de.HumanAnswered(dial_id=check.dial_id),
                                           T0 + 3710)).agent == "a1"


def test_past_the_72_hours_the_number_needs_no_agent_held() -> None:
    core, _ = abandoned_once()
    core.handle_timer(T0 + 3615)
    core.handle(de.AgentReady(agent="a1"), T0 + 10 + ABANDON_REDIAL)
    assert core.agent("a1") is AgentState.READY


def test_an_early_redial_whose_agent_leaves_before_the_gate_answers_never_rings() -> None:
    core, _ = abandoned_once()
    core.handle_timer(T0 + 3615)
    check = one(dc.CheckDial, core.handle(de.AgentReady(agent="a1"), T0 + 3700))
    assert check.agent == "a1"
    out = core.handle(de.AgentPaused(agent="a1", reason="break"), T0 + 3701)
    assert one(dc.RecordOutcome, out).outcome == "cancelled"
    assert of(dc.Dial, core.handle(de.DialChecked(dial_id=check.dial_id, cleared=True),
                                   T0 + 3702)) == []
    again = one(dc.CheckDial, core.handle(de.AgentReady(agent="a2"), T0 + 3710))
    assert (again.record_id, again.agent) == ("r1", "a2")
    assert core.agent("a2") is AgentState.PREVIEWING


def test_an_early_redial_ringing_when_its_agent_leaves_holds_another_free_one() -> None:
    core, _ = abandoned_once()
    core.handle(de.AgentReady(agent="a2"), T0 + 3600)
    check = one(dc.CheckDial, core.handle(de.AgentReady(agent="a1"), T0 + 3700))
    core.handle(de.DialChecked(dial_id=check.dial_id, cleared=True), T0 + 3700)
    core.handle(de.AgentPaused(agent=check.agent or "", reason="break"), T0 + 3701)
    other = "a2" if check.agent == "a1" else "a1"
    assert core.agent(other) is AgentState.PREVIEWING  # held for the person, not paced
    out = core.handle(de.HumanAnswered(dial_id=check.dial_id), T0 + 3710)
    assert one(dc.ConnectCall, out).agent == other


def test_an_early_redial_met_by_the_pacer_takes_the_place_of_a_dial_not_one_more() -> None:
    """Progressive, one agent free: the redial takes that agent, and no other dial is
    placed that nobody could take (the pacer counted the agent once)."""
    core = make(strategy="progressive",
                retry={Outcome.ABANDONED: RetryRule(delay=60.0, max_attempts=3)})
    core.handle(de.RecordsLoaded(records=(
        de.Record(record_id="r1", number=NUMBER, priority=5, abandoned_at=T0 - 1000),
        de.Record(record_id="r2", number="+15550002222"))), T0)
    checks = of(dc.CheckDial, started(core, "a1"))
    assert [(check.record_id, check.agent) for check in checks] == [("r1", "a1")]


# -- deadlines the core owns ---------------------------------------------------------------


def test_a_preview_left_alone_is_dialed_at_the_cores_deadline() -> None:
    core = make(strategy="preview", preview_seconds=45.0)
    core.handle(de.RecordsLoaded(records=(de.Record(record_id="r1", number=NUMBER),)), T0)
    offer = one(dc.OfferPreview, started(core, "a1"))
    assert offer.deadline == T0 + 45 and core.next_deadline() == T0 + 45
    assert of(dc.CheckDial, core.handle_timer(T0 + 44)) == []
    check = one(dc.CheckDial, core.handle_timer(T0 + 45))
    assert check.dial_id == offer.dial_id and check.agent == "a1"
    assert core.handle(de.PreviewSkipped(dial_id=offer.dial_id), T0 + 46) == []  # too late


def answered(core: Dialer, kind: type[de.HumanAnswered | de.MachineAnswered],
             ) -> tuple[str, list[dc.DialerCommand]]:
    core.handle(de.RecordsLoaded(records=(de.Record(record_id="r1", number=NUMBER),)), T0)
    check = one(dc.CheckDial, started(core, "a1"))
    core.handle(de.DialChecked(dial_id=check.dial_id, cleared=True), T0)
    return check.dial_id, core.handle(kind(dial_id=check.dial_id), T0 + 8)


def test_a_human_waiting_for_an_agent_has_the_cores_2_second_deadline() -> None:
    core = make()
    dial_id, out = answered(core, de.HumanAnswered)
    one(dc.ConnectCall, out)
    assert core.next_deadline() == T0 + 10
    assert one(dc.PlayAbandonMessage, core.handle_timer(T0 + 10)).dial_id == dial_id
    assert core.next_deadline() == T0 + 70  # the message's limit


def test_an_abandon_message_that_never_ends_is_cut_off() -> None:
    core = make()
    dial_id, _ = answered(core, de.HumanAnswered)
    core.handle_timer(T0 + 10)
    out = core.handle_timer(T0 + 70)
    assert one(dc.DropCall, out).dial_id == dial_id
    assert one(dc.RecordOutcome, out).outcome == "abandoned" and core.tally.abandoned == 1
    assert core.next_deadline() == T0 + 70 + ABANDON_REDIAL  # the record's retry


def test_a_machines_message_that_never_ends_is_cut_off() -> None:
    core = make(machine="message")
    dial_id, out = answered(core, de.MachineAnswered)
    one(dc.LeaveMachineMessage, out)
    assert core.next_deadline() == T0 + 68
    out = core.handle_timer(T0 + 68)
    assert one(dc.DropCall, out).dial_id == dial_id
    assert one(dc.RecordOutcome, out).outcome == "machine"


# -- invariants ------------------------------------------------------------------------------

MOVES = st.tuples(st.sampled_from(["ready", "talking", "paused", "out", "dial", "skip",
                                   "clear", "human", "end", "time"]),
                  st.integers(0, 2), st.integers(1, 400))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MOVES, max_size=80))
def test_reserved_dials_always_have_their_agent_held(
        moves: list[tuple[str, int, int]]) -> None:
    """Whatever the agents do: every callback or early redial asked of the gate has its
    agent held (previewing) for it, and a callback due with its agent ready is theirs."""
    core = make(retry={Outcome.ABANDONED: RetryRule(delay=60.0, max_attempts=9)})
    agents = ("a0", "a1", "a2")
    records = tuple(de.Record(record_id=f"r{i}", number=f"+1555000{i:04d}",
                              abandoned_at=T0 - 1000 if i % 2 else None) for i in range(6))
    core.handle(de.RecordsLoaded(records=records), T0)
    core.handle(de.CampaignStarted(), T0)
    now = T0
    core.handle(de.CallbackAgreed(record_id="r0", number="+15550000000", at=T0 + 200,
                                  agent="a1"), now)
    dials: list[str] = []
    for move, who, step in moves:
        now += step / 10
        agent = agents[who]
        dial = dials[who % len(dials)] if dials else "none"
        event: Any = {
            "ready": de.AgentReady(agent=agent), "talking": de.AgentTalking(agent=agent),
            "paused": de.AgentPaused(agent=agent), "out": de.AgentLoggedOut(agent=agent),
            "dial": de.PreviewDialed(dial_id=dial), "skip": de.PreviewSkipped(dial_id=dial),
            "clear": de.DialChecked(dial_id=dial, cleared=True),
            "human": de.HumanAnswered(dial_id=dial), "end": de.CallEnded(dial_id=dial),
        }.get(move)
        ready_before = core.agent("a1") is AgentState.READY
        out = core.handle_timer(now) if event is None else core.handle(event, now)
        for offer in of(dc.OfferPreview, out):
            dials.append(offer.dial_id)
            if offer.reserved == "callback" and ready_before and event is None \
                    and now < T0 + 200 + CAMPAIGN.callback_wait:
                assert offer.agent == "a1"
        for check in of(dc.CheckDial, out):
            dials.append(check.dial_id)
            entry = core.dial(check.dial_id)
            if entry is None:  # its agent left in the same step: cancelled, never placed
                assert any(o.dial_id == check.dial_id and o.outcome == "cancelled"
                           for o in of(dc.RecordOutcome, out))
                continue
            if entry.reservation is not None or (
                    check.abandoned_at is not None and now < check.abandoned_at
                    + ABANDON_REDIAL):
                assert check.agent is not None  # held when asked; it may leave since
                moved = getattr(event, "agent", None) == check.agent
                assert moved or core.agent(check.agent) is AgentState.PREVIEWING
        for dial_ in of(dc.Dial, out):  # placed: an agent is held for it, now
            placed = core.dial(dial_.dial_id)
            if placed is not None and placed.reservation is not None:
                assert placed.agent is not None
                assert core.agent(placed.agent) is AgentState.PREVIEWING
