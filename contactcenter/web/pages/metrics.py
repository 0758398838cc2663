"""The figures the boards show, each with its one definition.

The definitions are those of docs/acd.md ("Statistics"), written for the people
who read the board. The boards render them twice from this one table: as a
definition list on the page and as the ``title`` of each column, so a figure
and its meaning cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    definition: str


QUEUE_METRICS: tuple[Metric, ...] = (
    Metric("waiting", "Waiting",
           "Calls in the queue not answered yet, counting those whose agent's phone is "
           "ringing and callbacks waiting their turn."),
    Metric("longest_wait", "Longest wait",
           "The longest wait among the calls waiting now, from when the call entered the "
           "queue; it counts up on the page between updates."),
    Metric("service_level", "Service level",
           "Calls answered within the queue's target seconds, divided by the calls answered "
           "plus those abandoned after the short-abandon time (5 s by default); blank until "
           "the queue has such a call."),
    Metric("abandoned", "Abandoned",
           "Callers who hung up while waiting in the queue or while an agent's phone rang."),
    Metric("average_speed_of_answer", "Avg speed of answer",
           "Mean seconds from entering the queue to being answered, over the answered calls."),
    Metric("offered", "Offered",
           "Calls that came to the queue: joined, overflowed in from another queue, or turned "
           "away because it was full. Offered = answered + abandoned + overflowed + waiting."),
    Metric("answered", "Answered", "Calls of the queue an agent answered."),
    Metric("average_handle_time", "Avg handle time",
           "Mean talk plus wrap-up time of every finished call of the queue."),
    Metric("staffed", "Staffed",
           "Agents of the queue who are logged in and not on a break: available, ringing, "
           "on a call (their own outbound or consult call included) or in wrap-up."),
    Metric("expected_wait", "Expected wait",
           "The wait a caller joining now can expect: position x average handle time / the "
           "agents taking the queue's calls (staffed, less those on a call of their own); "
           "blank before the queue has finished a call."),
    Metric("agents_by_state", "Agents by state",
           "How many of the queue's agents are in each state now: available, ringing, on a "
           "call, in wrap-up, paused, logged out. An agent on a call of their own (one they "
           "placed, or a colleague's consultation) counts as on a call, not paused, as in "
           "the call history."),
)

AGENT_METRICS: tuple[Metric, ...] = (
    Metric("state", "State",
           "What the platform has the agent in now: logged out, available, ringing, on call, "
           "wrap-up (after-call work) or paused (with its reason). An agent on a call of "
           "their own shows on call, with why: outbound (a call they placed) or consult (a "
           "colleague consulting them)."),
    Metric("time_in_state", "Time in state",
           "Time since the agent entered the current state, by the platform's clock."),
    Metric("current_call", "Current call",
           "The call ringing, being talked or wrapped up, with its caller and queue."),
    Metric("calls", "Calls handled",
           "Calls the agent answered since the platform started."),
)

#: the states, in board order, with how a person reads them
AGENT_STATES: tuple[tuple[str, str], ...] = (
    ("available", "Available"), ("ringing", "Ringing"), ("on_call", "On call"),
    ("wrap_up", "Wrap-up"), ("paused", "Paused"), ("logged_out", "Logged out"))

#: the reasons the desktop offers for a pause (the API takes any short text but the
#: platform's own, ``acd.states.CALL_PAUSES``)
PAUSE_REASONS: tuple[str, ...] = ("break", "lunch", "meeting", "training", "coaching",
                                  "admin work")
