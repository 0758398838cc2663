"""The outbound-dialing law: the 2-second rule, the abandoned-call rate over rolling
windows and the budget a pacer stays under, the 15-second ring, the 72-hour rule,
do-not-call (internal and national lists), consent, AMD false positives, and
``may_dial`` that puts the per-call rules together."""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.dialer.abandons import DAY, THIRTY_DAYS, AbandonLedger
from contactcenter.dialer.compliance import Callee, CallingWindow
from contactcenter.dialer.dnc import read_national_dnc
from contactcenter.dialer.law import (
    MIN_RING,
    REDIAL_HOLD,
    AbandonMessage,
    Answerer,
    AttemptOutcome,
    DialFacts,
    DoNotCall,
    abandon_message_in_time,
    classify_attempt,
    connect_deadline,
    consent_allows,
    may_dial,
    may_redial,
    no_answer_was_legal,
    ring_timeout,
    was_abandoned,
)

HOUR = 3600.0


# --- the 2-second rule ------------------------------------------------------------

def test_the_two_seconds_run_from_the_end_of_the_greeting() -> None:
    deadline = connect_deadline(answered_at=100.0, greeting_ended_at=101.5)
    assert deadline == 103.5
    assert not was_abandoned(deadline, connected_at=103.5, now=103.5)  # exactly 2 s
    assert was_abandoned(deadline, connected_at=103.51, now=104.0)
    assert not was_abandoned(deadline, connected_at=None, now=103.5)  # may still connect
    assert was_abandoned(deadline, connected_at=None, now=103.51)


def test_an_unknown_greeting_end_counts_from_the_answer() -> None:
    assert connect_deadline(answered_at=100.0, greeting_ended_at=None) == 102.0
    # a greeting cannot end before the call was answered
    assert connect_deadline(answered_at=100.0, greeting_ended_at=99.0) == 102.0


def test_the_abandon_message_starts_within_the_two_seconds() -> None:
    deadline = connect_deadline(answered_at=0.0, greeting_ended_at=1.0)
    assert abandon_message_in_time(deadline, started_at=3.0)
    assert not abandon_message_in_time(deadline, started_at=3.001)


def test_the_abandon_message_names_the_caller_and_a_number_to_call_back() -> None:
    message = AbandonMessage(caller="Acme Insurance", callback_number="+12125550100")
    assert message.caller == "Acme Insurance"
    with pytest.raises(ValueError, match="name the caller"):
        AbandonMessage(caller="  ", callback_number="+12125550100")
    with pytest.raises(ValueError, match="E.164"):
        AbandonMessage(caller="Acme", callback_number="(212) 555-0100")


# --- the ring, the 72 hours, consent, do-not-call ---------------------------------------

@pytest.mark.parametrize(("requested", "rings"), [(None, 15.0), (5.0, 15.0), (15.0, 15.0),
                                                  (30.0, 30.0)])
def test_a_number_rings_at_least_15_seconds(requested: float | None, rings: float) -> None:
    assert ring_timeout(requested) == rings


def test_a_no_answer_after_exactly_15_seconds_is_lawful() -> None:
    assert MIN_RING == 15.0
    assert no_answer_was_legal(ring_started_at=10.0, given_up_at=25.0)
    assert not no_answer_was_legal(ring_started_at=10.0, given_up_at=24.999)


def test_an_abandoned_number_waits_72_hours_unless_an_agent_is_reserved() -> None:
    assert REDIAL_HOLD == 72 * HOUR
    abandoned = 1_000.0
    assert may_redial(last_abandoned_at=None, now=abandoned, agent_reserved=False)
    assert not may_redial(last_abandoned_at=abandoned, now=abandoned + REDIAL_HOLD - 1,
                          agent_reserved=False)
    assert may_redial(last_abandoned_at=abandoned, now=abandoned + REDIAL_HOLD,
                      agent_reserved=False)
    assert may_redial(last_abandoned_at=abandoned, now=abandoned + 1, agent_reserved=True)


@pytest.mark.parametrize(("required", "consent", "allowed"), [
    (False, None, True), (False, False, True), (False, True, True),
    (True, None, False), (True, False, False), (True, True, True)])
def test_consent_when_the_campaign_requires_it(required: bool, consent: bool | None,
                                               allowed: bool) -> None:
    assert consent_allows(required=required, consent=consent) is allowed


def test_the_do_not_call_lists_say_which_one_holds_a_number() -> None:
    lists = DoNotCall(internal={"+12125550100"}, national=frozenset({"+12125550101"}))
    assert lists.which("+12125550100") == "internal"
    assert lists.which("+12125550101") == "national"
    assert lists.which("+12125550102") is None
    assert "+12125550101" in lists and "+12125550102" not in lists


# --- what an attempt counts as ---------------------------------------------------------

H, M, N = Answerer.HUMAN, Answerer.MACHINE, Answerer.NOBODY


@pytest.mark.parametrize(("detected", "connected", "truth", "outcome"), [
    (H, True, None, AttemptOutcome.CONNECTED),
    (H, False, None, AttemptOutcome.ABANDONED),  # nobody free within 2 s
    (M, False, None, AttemptOutcome.NOT_LIVE),  # a machine, as far as anyone knows
    (N, False, None, AttemptOutcome.NOT_LIVE),
    (M, False, H, AttemptOutcome.ABANDONED),  # a human hung up on as a machine
    (N, False, H, AttemptOutcome.ABANDONED),
    (H, True, M, AttemptOutcome.NOT_LIVE),  # a machine put through to an agent
    (M, False, M, AttemptOutcome.NOT_LIVE),
    (H, True, H, AttemptOutcome.CONNECTED),
    (H, False, H, AttemptOutcome.ABANDONED),
])
def test_what_an_attempt_counts_as(detected: Answerer, connected: bool, truth: Answerer | None,
                                   outcome: AttemptOutcome) -> None:
    assert classify_attempt(detected=detected, connected_in_time=connected,
                            truth=truth) is outcome


# --- may_dial ------------------------------------------------------------------------

NEW_YORK = dt.timezone(dt.timedelta(hours=-5))
NOON = dt.datetime(2026, 12, 2, 12, 0, tzinfo=NEW_YORK)
WINDOW = CallingWindow()


def _callee(number: str = "+12125550100", *, do_not_call: bool = False) -> Callee:
    return Callee(number=number, time_zone="America/New_York", do_not_call=do_not_call)


def test_a_call_breaking_no_rule_may_be_placed() -> None:
    assert may_dial(_callee(), NOON, WINDOW) is None
    assert may_dial(_callee(), NOON, WINDOW, do_not_call=DoNotCall(national={"+1999"}),
                    facts=DialFacts(consent_required=True, consent=True)) is None


@pytest.mark.parametrize(("callee", "lists", "facts", "rule", "words"), [
    (_callee(do_not_call=True), None, None, "do_not_call", "do-not-call list"),
    (_callee(), DoNotCall(internal={"+12125550100"}), None, "do_not_call", "do-not-call"),
    (_callee(), DoNotCall(national={"+12125550100"}), None, "national_do_not_call",
     "national do-not-call"),
    (_callee(), None, DialFacts(consent_required=True), "consent", "is not known"),
    (_callee(), None, DialFacts(consent_required=True, consent=False), "consent", "withheld"),
    (_callee(), None, DialFacts(last_abandoned_at=NOON - dt.timedelta(hours=71)),
     "abandoned_redial", "agent reserved"),
])
def test_each_rule_refuses_by_name_with_a_reason(callee: Callee, lists: DoNotCall | None,
                                                 facts: DialFacts | None, rule: str,
                                                 words: str) -> None:
    refusal = may_dial(callee, NOON, WINDOW, do_not_call=lists, facts=facts)
    assert refusal is not None and refusal.rule == rule
    assert words in refusal.reason and "+12125550100" in refusal.reason


def test_the_72_hours_end_exactly_and_a_reserved_agent_lifts_them() -> None:
    abandoned = NOON - dt.timedelta(hours=72)
    assert may_dial(_callee(), NOON, WINDOW, facts=DialFacts(last_abandoned_at=abandoned)) is None
    early = DialFacts(last_abandoned_at=abandoned + dt.timedelta(seconds=1))
    refusal = may_dial(_callee(), NOON, WINDOW, facts=early)
    assert refusal is not None and "2026-12-02 17:00 UTC" in refusal.reason
    reserved = DialFacts(last_abandoned_at=abandoned + dt.timedelta(seconds=1),
                         agent_reserved=True)
    assert may_dial(_callee(), NOON, WINDOW, facts=reserved) is None


def test_the_calling_window_boundary_is_the_callees() -> None:
    last_minute = dt.datetime(2026, 12, 2, 20, 59, tzinfo=NEW_YORK)
    assert may_dial(_callee(), last_minute, WINDOW) is None
    refusal = may_dial(_callee(), last_minute + dt.timedelta(minutes=1), WINDOW)
    assert refusal is not None and refusal.rule == "calling_hours"


def test_do_not_call_comes_before_everything_else() -> None:
    night = dt.datetime(2026, 12, 2, 23, 0, tzinfo=NEW_YORK)
    refusal = may_dial(_callee(), night, WINDOW, do_not_call=DoNotCall(national={"+12125550100"}),
                       facts=DialFacts(consent_required=True))
    assert refusal is not None and refusal.rule == "national_do_not_call"


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        may_dial(_callee(), dt.datetime(2026, 12, 2, 12), WINDOW)


# --- the abandoned-call rate -------------------------------------------------------------

def test_one_abandon_in_33_answers_is_over_3_percent_and_in_34_is_not() -> None:
    ledger = AbandonLedger()
    for second in range(32):
        ledger.connected(float(second))
    ledger.abandoned(32.0)
    day = ledger.share(32.0)
    assert (day.answers, day.abandons) == (33, 1) and day.share > 0.03
    assert ledger.over_target(32.0) and ledger.budget(32.0) == 0
    ledger.connected(33.0)
    assert not ledger.over_target(33.0)


def test_33_connected_answers_afford_one_abandon_exactly() -> None:
    ledger = AbandonLedger(target=0.03)
    assert ledger.target == Fraction(3, 100)  # read as written, not as binary
    assert ledger.budget(0.0) == 0  # no answers yet: nothing to abandon against
    for second in range(33):
        ledger.connected(float(second))
    assert ledger.budget(40.0) == 1
    ledger.abandoned(40.0)  # 1 of 34: 2.94 %
    assert not ledger.over_target(40.0) and ledger.budget(40.0) == 0


def test_a_burst_of_abandons_at_once_spends_the_budget_and_no_more() -> None:
    ledger = AbandonLedger()
    for second in range(100):
        ledger.connected(float(second))
    assert ledger.budget(100.0) == 3  # 3 of 103 is 2.9 %
    for _ in range(3):
        ledger.abandoned(100.0)
    assert not ledger.over_target(100.0) and ledger.budget(100.0) == 0
    ledger.abandoned(100.0)  # 4 of 104 is 3.8 %
    assert ledger.over_target(100.0)
    worst = ledger.worst(100.0)
    assert worst is not None and (worst.answers, worst.abandons) == (104, 4)


def test_an_answer_counts_in_the_day_until_exactly_24_hours_later() -> None:
    ledger = AbandonLedger()
    ledger.abandoned(0.0)
    assert ledger.share(DAY - 1).abandons == 1
    assert ledger.share(DAY).answers == 0  # the window (now - 24 h, now] no longer has it
    assert ledger.share(DAY, THIRTY_DAYS).abandons == 1  # the 30 days still do
    assert ledger.share(THIRTY_DAYS, THIRTY_DAYS).answers == 0


def test_the_budget_is_the_tighter_of_the_day_and_the_30_days() -> None:
    ledger = AbandonLedger()
    for second in range(100):  # a bad day two days ago: 10 of 110, within the 30 days
        ledger.connected(float(second))
    for _ in range(10):
        ledger.abandoned(100.0)
    now = 2 * DAY
    for second in range(300):  # a good day today: 0 of 300
        ledger.connected(now + second)
    now += 300
    assert ledger.share(now).abandons == 0
    # the day affords 9 (9 of 309); the 30 days, 10 of 410 already, only 2 (12 of 412)
    assert ledger.budget(now) == 2


def test_a_horizon_counts_the_answers_about_to_leave_the_day() -> None:
    ledger = AbandonLedger()
    for second in range(100):
        ledger.connected(float(second))
    ledger.connected(DAY + 50)  # the first 50 leave the day as it moves on
    assert ledger.budget(DAY + 50) == 1  # 51 answers in the day: 1 of 52 is 1.9 %
    assert ledger.budget(DAY + 50, horizon=40) == 0  # 11 answers by DAY + 90: 1 of 12 is not


def test_the_worst_window_is_kept_for_the_reports() -> None:
    ledger = AbandonLedger(lengths=(10.0,))
    assert ledger.worst(0.0, 10.0) is None
    ledger.connected(0.0)
    ledger.abandoned(5.0)
    for second in range(12, 20):
        ledger.connected(float(second))
    worst = ledger.worst(30.0, 10.0)
    # the connected answer at 0 left at 10, the abandon at 5 was alone until 12
    assert worst is not None and (worst.end, worst.answers, worst.abandons) == (10.0, 1, 1)


def test_the_ledger_takes_outcomes_and_refuses_misuse() -> None:
    ledger = AbandonLedger()
    ledger.record(AttemptOutcome.CONNECTED, 1.0)
    ledger.record(AttemptOutcome.NOT_LIVE, 2.0)
    ledger.record(AttemptOutcome.ABANDONED, 3.0)
    day = ledger.share(3.0)
    assert (day.answers, day.abandons) == (2, 1)
    with pytest.raises(ValueError, match="time order"):
        ledger.connected(2.5)
    with pytest.raises(ValueError):
        ledger.share(2.0)
    with pytest.raises(ValueError, match="no window"):
        ledger.share(4.0, 3600.0)
    with pytest.raises(ValueError):
        AbandonLedger(target=1.0)
    with pytest.raises(ValueError):
        ledger.budget(4.0, horizon=-1.0)


def test_a_day_of_calls_with_a_budget_asked_before_each() -> None:
    ledger = AbandonLedger()
    abandons = 0
    for second in range(0, 8 * 3600, 2):  # 14,400 live answers over an 8-hour shift
        if ledger.budget(float(second), horizon=30.0) > 0 and second % 7 == 0:
            ledger.abandoned(float(second))
            abandons += 1
        else:
            ledger.connected(float(second))
    day = ledger.share(8 * HOUR)
    assert day.answers == 14_400 and day.abandons == abandons > 0
    worst = ledger.worst(8 * HOUR)
    assert worst is not None and worst.share <= 0.03


# --- the abandoned-call rate, against a recount ---------------------------------------------

LENGTHS = (10.0, 50.0)
TARGETS = st.sampled_from([Fraction(3, 100), Fraction(1, 10), Fraction(1, 3)])
# each step: the seconds since the last one, and a live answer (abandoned or not) or a query
STEPS = st.lists(st.tuples(st.integers(0, 12), st.sampled_from(["connected", "abandoned",
                                                                 "query"])), max_size=150)


def _recount(events: list[tuple[float, bool]], end: float, length: float) -> tuple[int, int]:
    inside = [abandoned for at, abandoned in events if at <= end and at + length > end]
    return len(inside), sum(inside)


def _worst(events: list[tuple[float, bool]], now: float, length: float) -> Fraction | None:
    ends = {at for at, _ in events} | {at + length for at, _ in events} | {now}
    shares = [Fraction(abandons, answers) for end in ends if end <= now
              for answers, abandons in [_recount(events, end, length)] if answers]
    return max(shares, default=None)


def _feed(ledger: AbandonLedger, steps: list[tuple[int, str]]) -> tuple[
        list[tuple[float, bool]], float]:
    events: list[tuple[float, bool]] = []
    now = 0.0
    for gap, what in steps:
        now += gap
        if what == "query":
            continue
        abandoned = what == "abandoned"
        (ledger.abandoned if abandoned else ledger.connected)(now)
        events.append((now, abandoned))
    return events, now


@settings(max_examples=300, deadline=None)
@given(steps=STEPS)
def test_the_shares_and_the_worst_windows_match_a_recount(steps: list[tuple[int, str]]) -> None:
    ledger = AbandonLedger(lengths=LENGTHS)
    events: list[tuple[float, bool]] = []
    now = 0.0
    for gap, what in steps:
        now += gap
        if what != "query":
            abandoned = what == "abandoned"
            (ledger.abandoned if abandoned else ledger.connected)(now)
            events.append((now, abandoned))
            continue
        for length in LENGTHS:
            share = ledger.share(now, length)
            assert (share.answers, share.abandons) == _recount(events, now, length)
            worst = ledger.worst(now, length)
            assert (worst.ratio if worst else None) == _worst(events, now, length)


@settings(max_examples=300, deadline=None)
@given(steps=STEPS, target=TARGETS, wait=st.integers(0, 20), horizon=st.integers(0, 30))
def test_spending_the_budget_exactly_keeps_every_window_at_or_under_the_target(
        steps: list[tuple[int, str]], target: Fraction, wait: int, horizon: int) -> None:
    ledger = AbandonLedger(target=target, lengths=LENGTHS)
    events, now = _feed(ledger, steps)
    now += wait
    budget, ahead = ledger.budget(now), ledger.budget(now, horizon=horizon)
    assert 0 <= ahead <= budget
    assert not (ledger.over_target(now) and budget)
    for length in LENGTHS:  # the budget now, spent exactly, keeps the windows ending now
        answers, abandons = _recount([*events, *[(now, True)] * budget], now, length)
        assert not budget or abandons <= target * answers
    if not ledger.over_target(now):  # and one more would have put one of them over
        spent = [*events, *[(now, True)] * (budget + 1)]
        assert any(abandons > target * answers for answers, abandons
                   in (_recount(spent, now, length) for length in LENGTHS))
    for _ in range(ahead):  # the budget to the horizon, spent: every window up to it
        ledger.abandoned(now)
        events.append((now, True))
    for length in LENGTHS:
        ends = {now, now + horizon} | {at + length for at, _ in events
                                       if now <= at + length <= now + horizon}
        for end in ends:
            answers, abandons = _recount(events, end, length)
            assert not ahead or abandons <= target * answers


# --- the national do-not-call file ---------------------------------------------------------

DIGITS = st.text("0123456789", min_size=4, max_size=4)
AREA = st.tuples(st.sampled_from("23456789"), st.text("0123456789", min_size=2, max_size=2))
US_NUMBERS = st.tuples(AREA, st.sampled_from("23456789"),
                       st.text("0123456789", min_size=2, max_size=2), DIGITS).map(
    lambda parts: (parts[0][0] + parts[0][1], parts[1] + parts[2], parts[3]))
SPELLINGS = ["+1 {a} {e} {n}", "({a}) {e}-{n}", "{a}{e}{n}", "1{a}{e}{n}", "+1-{a}-{e}-{n}"]
GOOD = st.tuples(US_NUMBERS, st.sampled_from(SPELLINGS)).map(
    lambda pair: (pair[1].format(a=pair[0][0], e=pair[0][1], n=pair[0][2]),
                  f"+1{''.join(pair[0])}"))
BAD = st.sampled_from(["n/a", "unknown", "12", "call me", "+", "0", "--"])
LINE = st.one_of(GOOD.map(lambda good: ("good", *good)), BAD.map(lambda bad: ("bad", bad, "")),
                 st.just(("blank", "", "")))


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(LINE, max_size=40), shape=st.sampled_from(["plain", "phone", "name,phone"]))
def test_the_dnc_file_loses_no_good_line_and_reports_each_bad_one(
        lines: list[tuple[str, str, str]], shape: str) -> None:
    header = [] if shape == "plain" else [shape]
    rows = [text if shape != "name,phone" or kind == "blank" else f"someone,{text}"
            for kind, text, _ in lines]
    data = "\n".join([*header, *rows]).encode()
    dnc = read_national_dnc(io.BytesIO(data), Path(f"dnc.{shape}"))
    first = len(header) + 1
    good = [e164 for kind, _, e164 in lines if kind == "good"]
    assert dnc.numbers == frozenset(good)
    assert dnc.merged == len(good) - len(set(good))
    assert [line for line, _ in dnc.bad] == [first + index for index, (kind, _, _)
                                             in enumerate(lines) if kind == "bad"]
    assert all("not a phone number" in reason for _, reason in dnc.bad)
    assert all(number in dnc for number in good)


def test_a_dnc_file_with_comments_and_a_broken_csv_row() -> None:
    plain = read_national_dnc(io.BytesIO(b"# the registry, area 212\n(212) 555-0100\n\n"
                                         b"hello\n\xff\n2125550101\n"), Path("dnc.txt"))
    assert plain.numbers == {"+12125550100", "+12125550101"} and len(plain) == 2
    assert plain.bad == ((4, "'hello' is not a phone number"), (5, "not UTF-8 text"))
    table = read_national_dnc(io.BytesIO(b"name,phone\nA,(212) 555-0100\nB,\nC,1,2\n"),
                              Path("dnc.csv"))
    assert table.numbers == {"+12125550100"}
    assert table.bad == ((3, "no phone number"), (4, "3 fields where the header has 2"))
    assert may_dial(_callee(), NOON, WINDOW, do_not_call=DoNotCall(national=table)) is not None
