"""Agents' time written and read, on SQLite and PostgreSQL: changes that arrive late,
twice, or at one instant (the ACD's own); states cut at the buckets' edges; the API's
JSON and CSV; occupancy as the live board counts it. Whatever the order, an agent is in
one state at a time and each state ends where the next begins. (The outbox under
trouble: ``test_agent_time_outbox_review.py``.)"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.acd import AcdConfig, AgentConfig, QueueConfig
from contactcenter.acd.harness import AcdHarness
from contactcenter.events.agent_time_outbox import change_of
from crm_core.agent_states import (
    StateChange,
    close_all,
    close_left_open,
    mark_seen,
    record_states,
)
from crm_core.db import sessions
from crm_core.metrics.period import Period
from crm_core.models import AgentStateSpan
from tests.crm.api_client import Api
from tests.crm.call_history_support import TEN, history, row_of

START = TEN.timestamp()
QUEUES = {"agent101": ["sales"], "agent102": ["sales", "support"]}
_AGENTS = itertools.count(1)


def at(minutes: float) -> dt.datetime:
    return TEN + dt.timedelta(minutes=minutes)


def change(state: str, minutes: float, agent: str = "agent101",
           reason: str = "") -> StateChange:
    return StateChange(agent=agent, state=state, since=at(minutes), reason=reason,
                       queues=("sales",))


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite gives its UTC timestamps back naive."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


async def spans(engine: AsyncEngine, agent: str = "agent101",
                ) -> list[tuple[str, dt.datetime, dt.datetime | None]]:
    """(state, start, end) of the agent's states in time order."""
    async with sessions(engine)() as session:
        rows = await session.execute(
            select(AgentStateSpan.state, AgentStateSpan.started_at, AgentStateSpan.ended_at)
            .where(AgentStateSpan.agent == agent).order_by(AgentStateSpan.started_at))
        return [(state, _aware(start), None if end is None else _aware(end))
                for state, start, end in rows]


# -- the writer: late, repeated and re-offered changes ----------------------------------

async def test_a_change_that_arrives_late_takes_its_place_between_its_neighbours(
        engine: AsyncEngine) -> None:
    crm = sessions(engine)
    await record_states(crm, [change("available", 0), change("available", 20)])
    await record_states(crm, [change("on_call", 10)])  # late: after the one at 10:20
    await record_states(crm, [change("logged_out", 30)])
    assert await spans(engine) == [("available", at(0), at(10)), ("on_call", at(10), at(20)),
                                   ("available", at(20), at(30)), ("logged_out", at(30), None)]
    row = row_of(await history(engine, by="agent", now=at(60)), "agent101", TEN)
    assert row.staffed_seconds == pytest.approx(1800)  # never more than the half hour
    assert (row.busy_seconds, row.available_seconds) == (pytest.approx(600),
                                                         pytest.approx(1200))


async def test_a_change_offered_again_after_a_clean_stop_splits_the_state_it_fell_in(
        engine: AsyncEngine) -> None:
    """The call at 10:10 never reached the CRM before the stop ended 10:00's state at
    10:30; the restart offers the file again: the call runs from 10:10 to the stop."""
    crm = sessions(engine)
    await record_states(crm, [change("available", 0)])
    await close_all(crm, at(30))
    await record_states(crm, [change("available", 0), change("on_call", 10)])
    await close_left_open(crm, before=at(60))
    assert await spans(engine) == [("available", at(0), at(10)), ("on_call", at(10), at(30))]


async def test_a_change_found_after_a_crash_keeps_the_time_its_state_was_seen(
        engine: AsyncEngine) -> None:
    """The CRM had 10:00's state, seen at 10:50; the file also holds a call from 10:30
    that never reached it: the call, not the wait, was seen until 10:50."""
    crm = sessions(engine)
    await record_states(crm, [change("available", 0)])
    await mark_seen(crm, at(50))
    await record_states(crm, [change("available", 0), change("on_call", 30)])
    await close_left_open(crm, before=at(60))
    assert await spans(engine) == [("available", at(0), at(30)), ("on_call", at(30), at(50))]


STATES = ("available", "ringing", "on_call", "wrap_up", "paused", "logged_out")


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(minutes=st.lists(st.integers(0, 600), min_size=1, max_size=12, unique=True),
       names=st.lists(st.sampled_from(STATES), min_size=12, max_size=12),
       seed=st.integers(0, 2**32 - 1), batches=st.integers(1, 4))
async def test_any_order_and_repeats_give_the_states_in_order(
        engine: AsyncEngine, minutes: list[int], names: list[str], seed: int,
        batches: int) -> None:
    agent = f"agent-{next(_AGENTS)}"
    changes = [change(name, minute, agent) for minute, name in zip(minutes, names,
                                                                   strict=False)]
    rng = random.Random(seed)
    offered = changes + rng.sample(changes, k=len(changes) // 2)  # some twice
    rng.shuffle(offered)
    cut = sorted(rng.sample(range(1, len(offered)), k=min(batches, len(offered)) - 1))
    for begin, end in itertools.pairwise([0, *cut, len(offered)]):
        await record_states(sessions(engine), offered[begin:end])
    ordered = sorted(changes, key=lambda one: one.since)
    ends: list[dt.datetime | None] = [one.since for one in ordered[1:]]
    assert await spans(engine, agent) == [
        (one.state, one.since, end) for one, end in zip(ordered, [*ends, None], strict=True)]


# -- the cutting: edges, weeks, fractions, the period ------------------------------------

SUNDAY_NIGHT = dt.datetime(2026, 11, 8, 22, 0, tzinfo=dt.UTC)


def closed(state: str, start: dt.datetime, end: dt.datetime,
           agent: str = "agent101") -> list[StateChange]:
    return [StateChange(agent=agent, state=state, since=start, queues=("sales",)),
            StateChange(agent=agent, state="logged_out", since=end, queues=("sales",))]


async def test_weeks_are_cut_at_monday_midnight_utc(engine: AsyncEngine) -> None:
    await record_states(sessions(engine), closed(
        "available", SUNDAY_NIGHT, SUNDAY_NIGHT + dt.timedelta(hours=4)))
    rows = await history(engine, by="agent", interval="week", now=at(60 * 24 * 30))
    assert [(row.start.date(), row.available_seconds) for row in rows] == [
        (dt.date(2026, 11, 2), pytest.approx(7200)), (dt.date(2026, 11, 9),
                                                      pytest.approx(7200))]


async def test_a_state_from_an_edge_to_an_edge_is_in_its_bucket_alone(
        engine: AsyncEngine) -> None:
    await record_states(sessions(engine), closed("on_call", at(30), at(45)))
    rows = await history(engine, by="agent", interval="15min", now=at(120))
    assert [(row.start, row.busy_seconds) for row in rows] == [(at(30), 900.0)]


async def test_fractions_of_a_second_are_cut_where_they_fall(engine: AsyncEngine) -> None:
    edge = at(15)
    tiny = dt.timedelta(microseconds=250)
    await record_states(sessions(engine), closed("on_call", edge - tiny, edge + 2 * tiny))
    rows = await history(engine, by="agent", interval="15min", now=at(120))
    assert [(row.start, row.busy_seconds) for row in rows] == [
        (at(0), pytest.approx(0.0, abs=0.001)), (at(15), pytest.approx(0.0005, abs=0.001))]
    assert [row.occupancy for row in rows] == [1.0, 1.0]  # a call in each, however short


async def test_a_period_that_starts_and_ends_inside_buckets_clips_the_states(
        engine: AsyncEngine) -> None:
    await record_states(sessions(engine), closed("available", at(0), at(120)))
    rows = await history(engine, Period(at(10), at(100)), by="agent", interval="hour",
                         now=at(600))
    assert [(row.start, row.available_seconds) for row in rows] == [
        (at(0), pytest.approx(50 * 60)), (at(60), pytest.approx(40 * 60))]


async def test_an_open_state_counts_to_now_and_not_past_the_period(
        engine: AsyncEngine) -> None:
    await record_states(sessions(engine), [change("available", 0)])
    assert await history(engine, by="agent", now=at(-5)) == []  # now before it began
    rows = await history(engine, Period(TEN, at(45)), by="agent", now=at(600))
    assert [row.available_seconds for row in rows] == [pytest.approx(1800),
                                                       pytest.approx(900)]


# -- the API: the agents' time in JSON and CSV ---------------------------------------------

async def test_the_api_gives_the_agents_time_in_json_and_csv(api: Api) -> None:
    await record_states(sessions(api.engine), [
        StateChange(agent="agent102", state="available", since=at(0),
                    queues=("sales", "support")),
        StateChange(agent="agent102", state="on_call", since=at(10),
                    queues=("sales", "support")),
        StateChange(agent="agent102", state="logged_out", since=at(25),
                    queues=("sales", "support"))])
    query = "/api/v1/analytics/calls?from=2026-11-02&to=2026-11-03&by=agent&queue=support"
    status, body = await api.call("GET", query, "supervisor")
    assert status == 200, body
    [row] = body["rows"]
    assert (row["key"], row["offered"], row["occupancy"]) == ("agent102", 0, pytest.approx(0.6))
    assert (row["busy_seconds"], row["staffed_seconds"]) == (900.0, 1500.0)
    async with api.client.get(f"{query}&format=csv", headers={
            "Authorization": f"Bearer {api.token('manager')}"}) as response:
        assert response.status == 200
        [line] = list(csv.DictReader(io.StringIO(await response.text())))
    assert (line["available_seconds"], line["paused_seconds"]) == ("600.0", "0.0")
    assert float(line["occupancy"]) == pytest.approx(0.6)
    assert line["service_level"] == ""  # no calls: no service level to speak of


async def test_a_change_given_in_another_zone_is_the_same_moment(engine: AsyncEngine) -> None:
    """SQLite keeps a timestamp's wall-clock text only: the writer holds it in UTC."""
    paris = dt.timezone(dt.timedelta(hours=1))
    await record_states(sessions(engine), [StateChange(
        agent="agent101", state="available", since=at(0).astimezone(paris), queues=("sales",))])
    await record_states(sessions(engine), [change("logged_out", 30)])
    assert await spans(engine) == [("available", at(0), at(30)), ("logged_out", at(30), None)]


async def test_an_agent_named_longer_than_the_column_does_not_block_the_others(
        engine: AsyncEngine) -> None:
    """The agents' file allows any length of name; PostgreSQL refuses more than 64
    characters, and a batch it refuses would be tried again forever."""
    long_name = "agent-" + "x" * 70
    assert await record_states(sessions(engine), [
        change("available", 0, long_name), change("available", 0)]) == 2
    assert await spans(engine) == [("available", at(0), None)]
    assert len(await spans(engine, long_name[:64])) == 1


# -- two changes at one instant: the ACD's own ----------------------------------------------

async def test_an_agent_who_rings_the_moment_they_are_available_is_ringing(
        engine: AsyncEngine) -> None:
    """Calls wait; the agent's wrap-up ends and the next call rings them at once: the ACD
    reports ``available`` and ``ringing`` at the same instant. The ringing lasts."""
    acd = AcdHarness(AcdConfig(queues={"sales": QueueConfig("sales", wrap_up=10.0)},
                               agents={"agent101": AgentConfig("agent101",
                                                               queues={"sales": 1})}),
                     now=START)
    acd.login("agent101")
    acd.join("c1", "sales")
    acd.advance(5)
    acd.answer("c1", "agent101")
    acd.advance(295)
    acd.join("c2", "sales")
    acd.finish("c1")
    acd.advance(10)  # wrap-up over at 10:05:10: available, and c2 rings them
    reports = acd.reports("agent.state")
    assert [(r["state"], r["since"] - START) for r in reports[-2:]] == [
        ("available", 310.0), ("ringing", 310.0)]
    changes = [found for report in reports
               if (found := change_of(report, QUEUES)) is not None]
    await record_states(sessions(engine), changes)
    assert [(state, start) for state, start, _ in await spans(engine)][-1] == (
        "ringing", at(310 / 60))
    await record_states(sessions(engine), changes)  # the file offered again: no change
    assert (await spans(engine))[-1][0] == "ringing"
    row = row_of(await history(engine, by="agent", now=at(320 / 60)), "agent101", TEN)
    # on the call and in wrap-up; ringing from the login (c1 waited) and again: ready
    assert row.busy_seconds == pytest.approx(295 + 10)
    assert row.available_seconds == pytest.approx(5 + 10)


async def test_the_historys_occupancy_is_the_live_boards_and_the_staffing_plans(
        engine: AsyncEngine) -> None:
    """Ringing is time ready for a call, not on one: the live board (``agent_stats``:
    on a call and wrap-up over logged in less paused) and the staffing plan (traffic in
    talk + wrap-up over agents) count it so, and the history agrees with them."""
    acd = AcdHarness(AcdConfig(queues={"sales": QueueConfig("sales", wrap_up=20.0)},
                               agents={"agent101": AgentConfig("agent101",
                                                               queues={"sales": 1})}),
                     now=START)
    acd.login("agent101")
    acd.advance(60)
    acd.join("c1", "sales")  # rings 10 s
    acd.advance(10)
    acd.answer("c1", "agent101")
    acd.advance(300)
    acd.finish("c1")
    acd.advance(230)  # wrap-up 20 s, then available until 10:10
    live = acd.acd.agent_stats(acd.now)["agent101"].occupancy
    assert live == pytest.approx(320 / 600)
    await record_states(sessions(engine), [
        found for report in acd.reports("agent.state")
        if (found := change_of(report, QUEUES)) is not None])
    row = row_of(await history(engine, by="agent", now=at(10)), "agent101", TEN)
    assert row.occupancy == pytest.approx(live)
    assert (row.busy_seconds, row.available_seconds) == (pytest.approx(320),
                                                         pytest.approx(280))


async def test_a_naive_now_is_utc_as_the_crm_keeps_its_times(
        engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the server's zone: on a machine set to New York it was read five hours off."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        await record_states(sessions(engine), [change("available", 0)])
        rows = await history(engine, by="agent", now=at(20).replace(tzinfo=None))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert [row.available_seconds for row in rows] == [pytest.approx(1200)]
