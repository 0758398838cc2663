"""The call gate on its own: every placement cleared, deferred or refused by the rules,
on a fake clock; and its invariants under any order of events (hypothesis)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.calls import (
    CalleeFound,
    CallGate,
    Cleared,
    Deferred,
    LookUpCallee,
    LookupFailed,
    PlacementAsked,
    PlacementFinished,
    PlacementState,
    Refused,
    Report,
    Resume,
    TurnCame,
)
from contactcenter.calls.window import next_opening
from contactcenter.dialer.compliance import Callee, CallingWindow, callee_zones

WINDOW = CallingWindow()  # 08:00-21:00 local
NEW_YORK = "America/New_York"


def at(hour: int, minute: int = 0, *, zone: str = NEW_YORK, day: int = 7) -> float:
    """A moment of 2026-01-``day`` at ``hour`` in ``zone``."""
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=ZoneInfo(zone)).timestamp()


def callee(*, dnc: bool = False, zone: str | None = NEW_YORK,
           number_zones: tuple[str, ...] = ()) -> Callee:
    return Callee(number="+12125550100", do_not_call=dnc, time_zone=zone,
                  number_zones=number_zones)


def ask(gate: CallGate, source: str, now: float, pid: str = "p1") -> list[Any]:
    return gate.handle(PlacementAsked(placement_id=pid, source=source,  # type: ignore[arg-type]
                                      number="+12125550100", asked_by="agent101"), now)


def decisions(commands: list[Any]) -> list[Any]:
    return [c for c in commands if isinstance(c, Cleared | Refused | Deferred | Resume)]


def test_a_placement_asks_the_crm_first_and_rings_nothing_before_the_answer() -> None:
    gate = CallGate(WINDOW)
    assert ask(gate, "click_to_talk", at(10)) == [
        LookUpCallee(placement_id="p1", number="+12125550100")]
    assert gate.state("p1") is PlacementState.LOOKING_UP


def test_a_click_inside_the_callees_hours_is_cleared_at_once() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "click_to_talk", at(10))
    out = gate.handle(CalleeFound(placement_id="p1", callee=callee()), at(10))
    assert out == [Cleared(placement_id="p1")]
    assert gate.state("p1") is PlacementState.PLACED and len(gate) == 0


def test_a_do_not_call_number_is_refused_for_every_source_with_a_report() -> None:
    for source, report in (("click_to_talk", "call.refused"), ("transfer", "call.refused"),
                           ("callback_help", "callback.refused"),
                           ("callback_ivr", "callback.refused"),
                           ("callback_overflow", "callback.refused"),
                           ("callback_restored", "callback.refused")):
        gate = CallGate(WINDOW)
        ask(gate, source, at(10))
        out = gate.handle(CalleeFound(placement_id="p1", callee=callee(dnc=True)), at(10))
        refused, reported = out
        assert isinstance(refused, Refused) and refused.rule == "do_not_call", source
        assert isinstance(reported, Report) and reported.type == report
        assert reported.data["source"] == source and reported.data["rule"] == "do_not_call"
        assert gate.state("p1") is PlacementState.REFUSED


def test_a_click_at_night_in_the_callees_zone_is_refused_naming_their_time() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "click_to_talk", at(22, 30))
    refused = gate.handle(CalleeFound(placement_id="p1", callee=callee()), at(22, 30))[0]
    assert isinstance(refused, Refused) and refused.rule == "calling_hours"
    assert "22:30" in refused.reason


def test_an_unknown_local_time_refuses_even_a_callback() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "callback_help", at(10))
    refused = gate.handle(CalleeFound(placement_id="p1", callee=callee(zone=None)), at(10))[0]
    assert isinstance(refused, Refused) and refused.rule == "unknown_time_zone"


def test_a_callback_asked_for_at_night_is_accepted_for_the_morning() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "callback_help", at(23))
    out = gate.handle(CalleeFound(placement_id="p1", callee=callee()), at(23))
    assert out[:2] == [Cleared(placement_id="p1", earliest=at(8, day=8)),
                       Deferred(placement_id="p1", until=at(8, day=8), reason=out[1].reason)]
    assert gate.state("p1") is PlacementState.DEFERRED
    assert gate.handle_timer(at(8, day=8)) == [Resume(placement_id="p1")]
    assert gate.state("p1") is PlacementState.WAITING


def test_a_callbacks_turn_at_night_is_deferred_to_the_opening_then_resumed() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "callback_overflow", at(20, 50))
    gate.handle(CalleeFound(placement_id="p1", callee=callee()), at(20, 50))
    out = gate.handle(TurnCame(placement_id="p1"), at(21, 5))
    deferred = out[0]
    assert isinstance(deferred, Deferred) and deferred.until == at(8, day=8)
    assert isinstance(out[1], Report) and out[1].type == "callback.deferred"
    assert gate.next_deadline() == at(8, day=8)
    assert gate.handle_timer(at(7, 59, day=8)) == []
    assert gate.handle_timer(at(8, day=8)) == [Resume(placement_id="p1")]
    assert gate.handle(TurnCame(placement_id="p1"), at(8, 1, day=8)) == [
        Cleared(placement_id="p1")]


def test_each_turn_is_checked_until_the_customer_is_dialed() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "callback_ivr", at(10))
    gate.handle(CalleeFound(placement_id="p1", callee=callee()), at(10))
    assert gate.handle(TurnCame(placement_id="p1"), at(10, 1)) == [Cleared(placement_id="p1")]
    # the agent let it ring out; the next turn comes again later
    assert gate.handle(TurnCame(placement_id="p1"), at(10, 5)) == [Cleared(placement_id="p1")]
    gate.handle(PlacementFinished(placement_id="p1", dialed=True), at(10, 6))
    assert gate.state("p1") is PlacementState.PLACED
    late = gate.handle(TurnCame(placement_id="p1"), at(10, 7))
    assert isinstance(late[0], Refused) and late[0].rule == "unchecked"


def test_a_turn_before_the_lookup_answered_waits_for_it() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "callback_overflow", at(10))
    deferred = gate.handle(TurnCame(placement_id="p1"), at(10))[0]
    assert isinstance(deferred, Deferred) and deferred.until is None
    out = gate.handle(CalleeFound(placement_id="p1", callee=callee()), at(10))
    assert out == [Cleared(placement_id="p1"), Resume(placement_id="p1")]


def test_a_crm_that_does_not_answer_is_a_refusal_not_a_call() -> None:
    gate = CallGate(WINDOW, lookup_timeout=10)
    ask(gate, "click_to_talk", at(10))
    out = gate.handle_timer(at(10) + 10)
    assert isinstance(out[0], Refused) and out[0].rule == "lookup_failed"
    assert gate.handle(CalleeFound(placement_id="p1", callee=callee()), at(10) + 11) == []
    assert gate.ignored == 1
    gate2 = CallGate(WINDOW)
    ask(gate2, "callback_help", at(10))
    failed = gate2.handle(LookupFailed(placement_id="p1", reason="database down"), at(10))[0]
    assert isinstance(failed, Refused) and "database down" in failed.reason


def test_a_turn_never_cleared_is_refused() -> None:
    gate = CallGate(WINDOW)
    refused = gate.handle(TurnCame(placement_id="nobody-asked"), at(10))[0]
    assert isinstance(refused, Refused) and refused.rule == "unchecked"


def test_the_same_placement_asked_twice_is_looked_up_once() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "callback_help", at(10))
    assert ask(gate, "callback_help", at(10)) == [] and gate.ignored == 1


def test_zones_that_share_no_hour_of_the_window_refuse_a_callback() -> None:
    gate = CallGate(CallingWindow(start=dt.time(9), end=dt.time(12)))
    ask(gate, "callback_help", at(10))
    far_apart = callee(zone=None, number_zones=("Pacific/Auckland", "America/New_York"))
    refused = gate.handle(CalleeFound(placement_id="p1", callee=far_apart), at(10))[0]
    assert isinstance(refused, Refused) and refused.rule == "calling_hours"


# -- the window ------------------------------------------------------------------------------

@given(st.floats(min_value=1.7e9, max_value=1.9e9),
       st.sampled_from([NEW_YORK, "Europe/Madrid", "Asia/Kolkata", "Australia/Sydney"]))
def test_the_next_opening_is_inside_the_window_and_nothing_earlier_is(now: float,
                                                                      zone: str) -> None:
    zones = callee_zones(callee(zone=zone))
    opening = next_opening(zones, now, WINDOW)
    assert opening is not None and opening >= now
    local = dt.datetime.fromtimestamp(opening, dt.UTC).astimezone(zones[0])
    assert WINDOW.holds(local)
    if opening > now:  # the minute before it was outside
        before = dt.datetime.fromtimestamp(opening - 60, dt.UTC).astimezone(zones[0])
        assert not WINDOW.holds(before) or opening - 60 < now


# -- invariants under any order of events -------------------------------------------------

SOURCES = ["click_to_talk", "transfer", "callback_ivr", "callback_help", "callback_overflow",
           "callback_restored", "dialer"]
IDS = ["a", "b", "c"]
EVENTS = st.one_of(
    st.builds(lambda pid, source, consent: PlacementAsked(
        placement_id=pid, source=source, number="+12125550100", consent_required=consent),
              st.sampled_from(IDS), st.sampled_from(SOURCES), st.booleans()),
    st.builds(lambda pid, dnc, zone: CalleeFound(placement_id=pid, callee=callee(
        dnc=dnc, zone=zone)), st.sampled_from(IDS), st.booleans(),
        st.sampled_from([NEW_YORK, None, "Asia/Tokyo"])),
    st.builds(lambda pid: LookupFailed(placement_id=pid, reason="x"), st.sampled_from(IDS)),
    st.builds(lambda pid: TurnCame(placement_id=pid), st.sampled_from(IDS)),
    st.builds(lambda pid, dialed: PlacementFinished(placement_id=pid, dialed=dialed),
              st.sampled_from(IDS), st.booleans()),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(EVENTS, st.floats(min_value=0, max_value=40_000)), max_size=30))
def test_no_call_is_cleared_against_the_rules_and_each_ends_once(
        steps: list[tuple[Any, float]]) -> None:
    gate = CallGate(WINDOW)
    now = at(6)
    facts: dict[str, Callee] = {}
    consent: dict[str, bool] = {}
    ended: dict[str, int] = {}
    for event, step in steps:
        now += step
        if isinstance(event, CalleeFound) and gate.state(event.placement_id) is \
                PlacementState.LOOKING_UP:
            facts[event.placement_id] = event.callee
        if isinstance(event, PlacementAsked) and gate.state(event.placement_id) is None:
            # consent is a campaign's rule: a person's own call or callback is theirs
            consent[event.placement_id] = event.consent_required and event.source == "dialer"
        out = gate.handle(event, now) + gate.handle_timer(now)
        for command in out:
            if isinstance(command, Cleared) and command.earliest is None:
                known = facts.get(command.placement_id)
                assert known is not None, "cleared without a lookup"
                assert not known.do_not_call
                # a campaign's dial that needs consent: the callee's is never unknown here
                assert not consent.get(command.placement_id), "cleared without consent"
                local = dt.datetime.fromtimestamp(now, dt.UTC).astimezone(
                    callee_zones(known)[0])
                assert WINDOW.holds(local), "cleared outside the callee's hours"
        for pid in IDS:
            state = gate.state(pid)
            if state in (PlacementState.PLACED, PlacementState.REFUSED,
                         PlacementState.CANCELLED):
                ended.setdefault(pid, 0)
        # a final state never changes back
        for pid in ended:
            assert gate.state(pid) in (PlacementState.PLACED, PlacementState.REFUSED,
                                       PlacementState.CANCELLED)
    deadline = gate.next_deadline()
    assert deadline is None or deadline >= 0


def test_a_turn_while_deferred_stays_deferred_until_the_same_time() -> None:
    gate = CallGate(WINDOW)
    ask(gate, "callback_overflow", at(23))
    gate.handle(CalleeFound(placement_id="p1", callee=callee()), at(23))  # deferred to 08:00
    again = gate.handle(TurnCame(placement_id="p1"), at(23, 1))  # offered in the meantime
    assert again == [Deferred(placement_id="p1", until=at(8, day=8),
                              reason="outside calling hours")]
    assert gate.state("p1") is PlacementState.DEFERRED


def _dial(gate: CallGate, now: float, found: Callee, *, consent_required: bool = False,
          **asked: Any) -> list[Any]:
    gate.handle(PlacementAsked(placement_id="d1", source="dialer", number=found.number,
                               consent_required=consent_required, **asked), now)
    return decisions(gate.handle(CalleeFound(placement_id="d1", callee=found), now))


def test_a_campaign_dial_inside_the_hours_is_placed_and_at_night_filed_for_the_morning(
        ) -> None:
    assert _dial(CallGate(WINDOW), at(10), callee()) == [Cleared(placement_id="d1")]
    gate = CallGate(WINDOW)
    assert _dial(gate, at(23), callee()) == [Cleared(placement_id="d1", earliest=at(8, day=8))]
    assert gate.state("d1") is PlacementState.CANCELLED  # the dialer files it, no deferral
    assert gate.next_deadline() is None


def test_a_campaign_dial_is_held_to_the_national_list_and_to_consent() -> None:
    from contactcenter.dialer.law import DoNotCall

    gate = CallGate(WINDOW, do_not_call=DoNotCall(national=frozenset({"+12125550100"})))
    [refused] = _dial(gate, at(10), callee())
    assert isinstance(refused, Refused) and refused.rule == "national_do_not_call"
    unknown = Callee(number="+12125550100", time_zone=NEW_YORK)
    [refused] = _dial(CallGate(WINDOW), at(10), unknown, consent_required=True)
    assert isinstance(refused, Refused) and refused.rule == "consent"
    given = Callee(number="+12125550100", time_zone=NEW_YORK, consent=True)
    assert _dial(CallGate(WINDOW), at(10), given, consent_required=True) == [
        Cleared(placement_id="d1")]
    # a person's own call is not a campaign's: the national list is the campaigns' rule
    national = CallGate(WINDOW, do_not_call=DoNotCall(national=frozenset({"+12125550100"})))
    ask(national, "click_to_talk", at(10))
    cleared = national.handle(CalleeFound(placement_id="p1", callee=callee()), at(10))
    assert decisions(cleared) == [Cleared(placement_id="p1")]


def test_a_number_abandoned_is_refused_within_72_hours_unless_an_agent_is_held() -> None:
    """At the moment of placing (TSR and Ofcom 2016): abandoned at t, the number is
    refused without an agent held for the call before t + 72 h, cleared with one, and
    cleared without one from t + 72 h."""
    abandoned = at(10)
    hours = 3600.0
    [refused] = _dial(CallGate(WINDOW), abandoned + 71 * hours, callee(),
                      last_abandoned_at=abandoned)
    assert isinstance(refused, Refused) and refused.rule == "abandoned_redial"
    assert _dial(CallGate(WINDOW), abandoned + 71 * hours, callee(),
                 last_abandoned_at=abandoned, agent_reserved=True) == [
        Cleared(placement_id="d1")]
    assert _dial(CallGate(WINDOW), abandoned + 72 * hours, callee(),
                 last_abandoned_at=abandoned) == [Cleared(placement_id="d1")]


def test_a_campaign_dial_is_held_to_its_own_calling_hours_in_the_callees_time() -> None:
    """A campaign calling 10:00-18:00 (its ``calling_hours``): at 09:00 in New York its
    dial is filed for 10:00 there, though the platform's window (08:00-21:00) holds; at
    19:00 for the next morning; at 12:00 it is placed. Another campaign's dial at 09:00
    keeps the platform's window."""
    own = CallingWindow(start=dt.time(10, 0), end=dt.time(18, 0))
    assert _dial(CallGate(WINDOW), at(9), callee(), window=own) == [
        Cleared(placement_id="d1", earliest=at(10))]
    assert _dial(CallGate(WINDOW), at(19), callee(), window=own) == [
        Cleared(placement_id="d1", earliest=at(10, day=8))]
    assert _dial(CallGate(WINDOW), at(12), callee(), window=own) == [
        Cleared(placement_id="d1")]
    assert _dial(CallGate(WINDOW), at(9), callee()) == [Cleared(placement_id="d1")]
    # in the callee's own zone: 12:00 in New York is 09:00 in Los Angeles
    la = Callee(number="+13105550100", time_zone="America/Los_Angeles")
    assert _dial(CallGate(WINDOW), at(12), la, window=own) == [
        Cleared(placement_id="d1", earliest=at(13))]


def test_a_campaigns_calling_hours_never_widen_the_platforms() -> None:
    """The platform's window is the law's (TCPA: 08:00-21:00 local): a campaign calling
    06:00-23:00 is held to 08:00-21:00, a campaign calling 07:00-10:00 to 08:00-10:00."""
    wide = CallingWindow(start=dt.time(6, 0), end=dt.time(23, 0))
    assert _dial(CallGate(WINDOW), at(7), callee(), window=wide) == [
        Cleared(placement_id="d1", earliest=at(8))]
    assert _dial(CallGate(WINDOW), at(22), callee(), window=wide) == [
        Cleared(placement_id="d1", earliest=at(8, day=8))]
    early = CallingWindow(start=dt.time(7, 0), end=dt.time(10, 0))
    assert _dial(CallGate(WINDOW), at(7, minute=30), callee(), window=early) == [
        Cleared(placement_id="d1", earliest=at(8))]


def test_no_callback_is_placed_to_a_premium_rate_number_whatever_asked_for_it() -> None:
    """Whoever asks for a callback chooses the number the platform pays for: a premium-rate
    line (US 900) is refused for every callback, by the gate itself; an agent's own call
    to it is theirs to make."""
    premium = Callee(number="+19005550100", time_zone=NEW_YORK)
    for source in ("callback_help", "callback_ivr", "callback_overflow",
                   "callback_restored", "callback_booked"):
        gate = CallGate(WINDOW)
        gate.handle(PlacementAsked(placement_id="p1", source=source,  # type: ignore[arg-type]
                                   number=premium.number, asked_by="web"), at(10))
        refused = gate.handle(CalleeFound(placement_id="p1", callee=premium), at(10))[0]
        assert isinstance(refused, Refused) and refused.rule == "costly_number", source
        assert gate.state("p1") is PlacementState.REFUSED
    gate = CallGate(WINDOW)
    gate.handle(PlacementAsked(placement_id="p1", source="click_to_talk",
                               number=premium.number, asked_by="agent101"), at(10))
    cleared = gate.handle(CalleeFound(placement_id="p1", callee=premium), at(10))
    assert any(isinstance(command, Cleared) for command in cleared)
