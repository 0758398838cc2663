"""Agent ids are handed on to new hires: the rule lets a user hear a call as "the agent
who took it" only for a part taken under their agent id while it was theirs (at or
after their ``agent_since``); supervisors and admins keep hearing what they heard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from contactcenter.recordings.access import RecordedCall, may_hear, moment
from contactcenter.web.auth import Principal
from contactcenter.web.scope import Scopes

SCOPES = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"})},
                {"agent107": frozenset({"support"}), "agent102": frozenset({"sales"})})
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
#: agent107's first holder left; a new hire was given agent107 a month later
LEFT, HIRED = T0, T0 + dt.timedelta(days=30)


def _call(agent: str, at: dt.datetime | None, **row: Any) -> RecordedCall:
    return RecordedCall.of({"id": 1, "recording": "call-c1", "queue": "support",
                            "agent": agent, "started_at": at, **row})


def _new_hire(since: dt.datetime | None = HIRED) -> Principal:
    return Principal("nina", "agent", "agent107", since)


def test_the_new_holder_of_an_agent_id_does_not_hear_the_previous_holders_call() -> None:
    before = _call("agent107", LEFT - dt.timedelta(days=3))
    assert not may_hear(_new_hire(), before, SCOPES)
    assert may_hear(Principal("ann", "agent", "agent107", LEFT - dt.timedelta(days=400)),
                    before, SCOPES)  # the one who held it then does


def test_the_new_holder_hears_their_own_later_call() -> None:
    assert may_hear(_new_hire(), _call("agent107", HIRED + dt.timedelta(hours=2)), SCOPES)
    assert may_hear(_new_hire(), _call("agent107", HIRED), SCOPES)  # from the very moment


def test_supervisors_and_admins_keep_hearing_calls_under_a_reused_id() -> None:
    before = _call("agent107", LEFT - dt.timedelta(days=3))
    assert may_hear(Principal("root", "admin"), before, SCOPES)
    assert may_hear(Principal("sue", "supervisor"), before, SCOPES)  # her queue
    assert not may_hear(Principal("otto", "supervisor"), before, SCOPES)


def test_a_supervisor_who_holds_an_agent_id_hears_as_its_agent_only_since() -> None:
    """otto oversees sales; a support call of agent107 is his only as its agent."""
    otto = Principal("otto", "supervisor", "agent107", HIRED)
    assert may_hear(otto, _call("agent107", HIRED + dt.timedelta(minutes=1)), SCOPES)
    assert not may_hear(otto, _call("agent107", LEFT), SCOPES)


def test_a_transferred_call_is_heard_whole_by_a_holder_who_took_a_later_part() -> None:
    """The first part was the previous holder's, the second the new one's: the call is
    heard whole, as any call with a part of theirs is; a call with no part since is not."""
    parts = [{"part": 1, "name": "call-c1", "agent": "agent107", "queue": "support",
              "started_at": (HIRED - dt.timedelta(hours=1)).isoformat()},
             {"part": 2, "name": "call-c1-2", "agent": "agent107", "queue": "support",
              "started_at": (HIRED + dt.timedelta(hours=1)).isoformat()}]
    began = HIRED - dt.timedelta(hours=1)
    assert may_hear(_new_hire(), _call("agent107", began, parts=parts), SCOPES)
    assert not may_hear(_new_hire(), _call("agent107", began, parts=parts[:1]), SCOPES)


def test_a_takeover_counts_from_the_calls_start() -> None:
    """A consulted agent who took the call over joined after it began: the call's start
    is the earliest they could have had it, so a holder since then is not let in."""
    parties = [{"role": "consulted", "who": "agent107", "took_over": True,
                "joined": (HIRED + dt.timedelta(minutes=5)).timestamp()}]
    before = _call("agent102", HIRED - dt.timedelta(minutes=1), parties=parties)
    assert not may_hear(_new_hire(), before, SCOPES)
    after = _call("agent102", HIRED + dt.timedelta(minutes=1), parties=parties)
    assert may_hear(_new_hire(), after, SCOPES)


def test_an_unknown_time_counts_as_not_theirs() -> None:
    assert not may_hear(_new_hire(), _call("agent107", None), SCOPES)
    assert not may_hear(_new_hire(None), _call("agent107", HIRED), SCOPES)
    assert may_hear(Principal("sue", "supervisor"), _call("agent107", None), SCOPES)


MOMENTS = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1),
                       timezones=st.just(dt.UTC))


@given(started=MOMENTS, since=MOMENTS, as_text=st.booleans(), naive=st.booleans())
def test_an_agent_hears_exactly_the_calls_that_began_since_they_hold_the_id(
        started: dt.datetime, since: dt.datetime, as_text: bool, naive: bool) -> None:
    """However the start reaches the rule (SQLite's naive UTC, PostgreSQL's aware
    datetime, the parts' ISO text), the holder hears the call iff it began at or
    after their start; another agent never does, an admin always does."""
    at = started.replace(tzinfo=None) if naive else started
    call = _call("agent107", at.isoformat() if as_text else at)  # type: ignore[arg-type]
    assert may_hear(_new_hire(since), call, SCOPES) is (started >= since)
    assert not may_hear(Principal("bo", "agent", "agent102", since), call, SCOPES)
    assert may_hear(Principal("root", "admin"), call, SCOPES)


@given(st.one_of(st.text(max_size=40), st.floats(allow_nan=True), st.none(),
                 st.integers(), st.booleans()))
def test_no_value_breaks_the_reading_of_a_time(value: object) -> None:
    found = moment(value)
    assert found is None or found.tzinfo is not None
