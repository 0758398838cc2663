"""The agents' states around their calls, so the demo's history has an occupancy.

An agent works shifts: their calls in time order, cut where they are hours apart. A
shift runs from a while before its first call to a while after its last: on a call from its answer for its talk time,
in wrap-up for its wrap time, available in between, with a half-hour break in the
middle of a shift longer than four hours. They served, that day, the queues of the calls they
took (the seed gives calls to any agent, whatever ``config/agents.yaml`` says). A call that would start while the agent is
still busy with the one before waits for it (the seed draws agents at random, so two of
one agent's calls may overlap).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from crm_core.synthetic.world import World

_BREAK = dt.timedelta(minutes=30)
_LONG_SHIFT = dt.timedelta(hours=4)
#: calls further apart than this are in shifts of their own
_GAP = dt.timedelta(hours=4)


def _busy_spans(calls: list[dict[str, Any]]) -> list[tuple[dt.datetime, float, float]]:
    """(answered at, talk seconds, wrap seconds) of an agent's answered calls of a day."""
    spans = []
    for call in sorted(calls, key=lambda row: row["started_at"]):
        answered = call["started_at"] + dt.timedelta(seconds=call["wait_seconds"] or 0)
        spans.append((answered, call["talk_seconds"] or 0.0, call["wrap_seconds"] or 0.0))
    return spans


def _day(world: World, calls: list[dict[str, Any]],
         after: dt.datetime | None) -> list[tuple[Any, ...]]:
    """(state, reason, since) of an agent's shift, the last one ``logged_out``; it starts
    after ``after``, the end of their shift before."""
    spans = _busy_spans(calls)
    start = spans[0][0] - dt.timedelta(minutes=world.rng.uniform(30, 90))
    if after is not None:
        start = max(start, after + dt.timedelta(seconds=1))
    states: list[tuple[Any, ...]] = [("available", "", start)]
    free = start
    for answered, talk, wrap in spans:
        on_call = max(answered, free)
        states.append(("on_call", "", on_call))
        states.append(("wrap_up", "", on_call + dt.timedelta(seconds=talk)))
        free = on_call + dt.timedelta(seconds=talk + wrap)
        states.append(("available", "", free))
    end = free + dt.timedelta(minutes=world.rng.uniform(30, 90))
    # the world's rule: nothing happens at or after ``now``, so that the platform's own
    # states, written from the moment it starts, never fall among made-up ones; the
    # time after the last call stops there (unless a call itself went past it)
    end = min(end, max(free, world.now))
    states.append(("logged_out", "", end))
    if end - start > _LONG_SHIFT:
        _lunch(states, start + (end - start) / 2)
    return states


def _lunch(states: list[tuple[Any, ...]], middle: dt.datetime) -> None:
    """A break at the first available moment from ``middle`` on, if one is long enough."""
    for index, (state, _, since) in enumerate(states[:-1]):
        begins, after = max(since, middle), states[index + 1][2]
        if state == "available" and after - begins >= _BREAK:
            states[index + 1:index + 1] = [("paused", "lunch", begins),
                                           ("available", "", begins + _BREAK)]
            return


def _shifts(calls: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """An agent's calls in time order, cut into shifts where they are hours apart."""
    shifts: list[list[dict[str, Any]]] = []
    last_end: dt.datetime | None = None
    for call in sorted(calls, key=lambda row: row["started_at"]):
        if last_end is None or call["started_at"] - last_end > _GAP:
            shifts.append([])
        shifts[-1].append(call)
        last_end = max(last_end or call["started_at"], call["ended_at"])
    return shifts


def add_agent_shifts(world: World) -> None:
    """The ``agent_states`` rows of every agent's shifts in the history."""
    calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for call in world.rows["interactions"]:
        if call["agent"] and call["outcome"] == "answered" and call["talk_seconds"]:
            calls[call["agent"]].append(call)
    free: dt.datetime | None = None
    for agent in sorted(calls):
        for shift in _shifts(calls[agent]):
            states = _day(world, shift, free)
            # the seed gives calls to any agent: they served the queues they took calls from
            queues = sorted({call["queue"] for call in shift if call["queue"]})
            ends = [since for _, _, since in states[1:]] + [states[-1][2]]
            for (state, reason, since), until in zip(states, ends, strict=True):
                if until > since or state == "logged_out":
                    world.add("agent_states", agent=agent, state=state, reason=reason,
                              queues=queues, started_at=since, ended_at=until, seen_at=None)
            free = states[-1][2]
        free = None
