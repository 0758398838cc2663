"""A voicemail message's news on the event stream, without I/O: every user who may see a
message hears of each of its changes at once (an agent of its queue too, though the
change names nobody or somebody else), and nobody else does; a supervisor who sees a
message through its box's agent still hears of it once it is assigned elsewhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactcenter.events.catalogue import Checker
from contactcenter.voicemail.access import Owned, desks, may_see
from contactcenter.voicemail.outbox import NOTICE, news_of
from contactcenter.web.app import visible_to
from contactcenter.web.auth import Principal
from contactcenter.web.scope import Scopes

MEMBERS = {"agent101": frozenset({"support"}), "agent102": frozenset({"sales"}),
           "agent103": frozenset({"support", "sales"})}
#: when the agents were given their ids: nina got agent102 a day after the others
SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
LATER = SINCE + dt.timedelta(days=1)
PEOPLE = {
    "root": Principal("root", "admin", None),
    "sue": Principal("sue", "supervisor", None),  # support's
    "otto": Principal("otto", "supervisor", None),  # sales'
    "boss": Principal("boss", "supervisor", None),  # every queue
    **{name: Principal(name, "agent", name, SINCE) for name in MEMBERS},
    "nina": Principal("nina", "agent", "agent102", LATER),
    "sal": Principal("sal", "supervisor", "agent101", LATER),  # sales', holds agent101
    "max": Principal("max", "manager", None),
    "sam": Principal("sam", "sales", None),
}
SCOPE = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"}),
                "sal": frozenset({"sales"})}, MEMBERS)
KINDS = ("voicemail.message", "voicemail.assigned", "voicemail.handled",
         "voicemail.overdue")


def _iso(at: dt.datetime | None) -> str | None:
    return None if at is None else at.isoformat()


def _row(message: Owned, status: str = "new") -> dict[str, Any]:
    """The message as the API shows it (left now, unless the message says when)."""
    return {"id": 7, "call_id": "c-7", "mailbox": message.queue or message.agent or "x",
            "queue": message.queue, "agent": message.agent, "assignee": message.assignee,
            "left_at": _iso(message.left_at or LATER + dt.timedelta(days=1)),
            "assigned_at": _iso(message.assigned_at), "status": status}


def _heard(who: str, message: Owned, kind: str = "voicemail.assigned") -> list[str]:
    """The events of one change that reach ``who``'s stream."""
    events = news_of(kind, _row(message, "assigned" if message.assignee else "new"),
                     1000.0, MEMBERS, by="sue")
    return [e["type"] for e in events if visible_to(PEOPLE[who], e, SCOPE)]


_NAMES = st.sampled_from([None, "support", "sales", "agent101", "agent102", "agent103"])
_TIMES = st.sampled_from([None, SINCE - dt.timedelta(days=1), SINCE, LATER,
                          LATER + dt.timedelta(days=1)])
_OWNED = st.builds(lambda queue, agent, assignee, left_at, assigned_at: Owned(
    queue=queue if queue in ("support", "sales") else None,
    agent=agent if agent and agent.startswith("agent") else None,
    assignee=assignee if assignee and assignee.startswith("agent") else None,
    left_at=left_at or SINCE, assigned_at=assigned_at),  # every message was left once
    _NAMES, _NAMES, _NAMES, _TIMES, _TIMES)


@given(st.sampled_from(sorted(PEOPLE)), _OWNED, st.sampled_from(KINDS))
def test_each_change_reaches_exactly_those_who_see_the_message(
        who: str, message: Owned, kind: str) -> None:
    heard = _heard(who, message, kind)
    assert len(heard) <= 1 or PEOPLE[who].role != "agent"  # an agent hears it once
    assert bool(heard) == may_see(PEOPLE[who], message, SCOPE)


def test_the_new_holder_of_an_id_hears_nothing_of_the_former_holders_messages() -> None:
    """nina holds agent102 from LATER: a change to a message of its box left before,
    or assigned to it before, names agent102 and still does not reach her; it reaches
    the former holder's supervisor."""
    old_box = Owned(queue=None, agent="agent102", assignee=None, left_at=SINCE)
    old_given = Owned(queue="support", agent=None, assignee="agent102", left_at=SINCE,
                      assigned_at=SINCE)
    for message in (old_box, old_given):
        for kind in KINDS:
            assert _heard("nina", message, kind) == [], (message, kind)
            assert _heard("agent102", message, kind)  # an agent who held it then
    assert _heard("otto", old_box)  # sales' supervisor: agent102 works sales
    given_away = Owned(queue=None, agent="agent102", assignee="agent101", left_at=SINCE,
                       assigned_at=LATER)
    assert _heard("nina", given_away) == []  # the notice to agent102 is not hers
    # a supervisor of sales who holds agent101 (support's) since LATER: what was given
    # to agent101 before is support's news, not hers; what was given to her since is
    before = Owned(queue="support", agent=None, assignee="agent101", left_at=SINCE,
                   assigned_at=SINCE)
    assert _heard("sal", before) == []
    assert "voicemail.assigned" in _heard("sal", Owned(
        queue="support", agent=None, assignee="agent101", left_at=SINCE, assigned_at=LATER))


def test_the_new_holder_hears_of_her_own_messages_from_her_start() -> None:
    mine = Owned(queue=None, agent="agent102", assignee=None, left_at=LATER)
    assert _heard("nina", mine, "voicemail.message") == ["voicemail.message"]
    given = Owned(queue="support", agent=None, assignee="agent102", left_at=SINCE,
                  assigned_at=LATER)
    assert _heard("nina", given) == ["voicemail.assigned"]


@pytest.mark.parametrize(("who", "heard"), [
    ("root", True), ("sue", True), ("otto", False), ("boss", True),
    ("agent101", True), ("agent102", False), ("agent103", True),
    ("max", False), ("sam", False)])
def test_a_new_message_of_supports_box_reaches_each_role_that_sees_it(
        who: str, heard: bool) -> None:
    support = Owned(queue="support", agent=None, assignee=None)
    assert bool(_heard(who, support, "voicemail.message")) is heard


def test_an_agent_of_the_queue_is_told_by_a_notice_naming_them() -> None:
    events = news_of("voicemail.message", _row(Owned(queue="support", agent=None,
                                                     assignee=None)), 1000.0, MEMBERS)
    assert events[0]["type"] == "voicemail.message" and events[0]["agent"] is None
    notices = {e["agent"]: e for e in events[1:]}
    assert set(notices) == {"agent101", "agent103"}
    assert {(e["type"], e["change"], e["status"], e["message"]) for e in notices.values()} \
        == {(NOTICE, "voicemail.message", "new", 7)}


def test_the_agent_the_change_names_gets_no_notice_too() -> None:
    taken = Owned(queue="support", agent=None, assignee="agent101", assigned_at=LATER)
    assert _heard("agent101", taken) == ["voicemail.assigned"]
    assert _heard("agent103", taken) == [NOTICE]  # still in their queue's box
    assert desks(taken, MEMBERS) == {"agent101", "agent103"}


def test_the_agent_whose_box_it_is_hears_of_it_once_assigned_elsewhere() -> None:
    given_away = Owned(queue=None, agent="agent102", assignee="agent101", left_at=LATER,
                       assigned_at=LATER)
    assert _heard("agent102", given_away) == [NOTICE]
    assert _heard("agent101", given_away) == ["voicemail.assigned"]
    assert _heard("agent103", given_away) == []


def test_a_supervisor_hears_of_their_agents_box_assigned_to_another_queues_agent() -> None:
    # agent101's box (support's agent) given to agent102 (sales only): sue still sees
    # the message through agent101, and the change reaches her board
    moved = Owned(queue=None, agent="agent101", assignee="agent102", assigned_at=LATER)
    assert may_see(PEOPLE["sue"], moved, SCOPE)
    assert "voicemail.assigned" in _heard("sue", moved)
    assert _heard("otto", moved)  # sales' supervisor: agent102 has it


def test_the_general_box_reaches_only_admins_and_supervisors_of_every_queue() -> None:
    general = Owned(queue=None, agent=None, assignee=None)
    assert {who for who in PEOPLE if _heard(who, general, "voicemail.message")} \
        == {"root", "boss"}


def test_every_event_is_in_the_catalogue(caplog: pytest.LogCaptureFixture) -> None:
    checker = Checker(strict=True)
    events = news_of("voicemail.handled", _row(
        Owned(queue="sales", agent=None, assignee="agent102", assigned_at=LATER), "handled"),
        1000.0, MEMBERS, disposition="called_back", by="agent102")
    assert [e["type"] for e in events] == ["voicemail.handled", NOTICE]
    assert all(checker.admit(event) for event in events)
    assert not caplog.records


@pytest.mark.parametrize("role", ["manager", "sales", "marketing"])
def test_a_user_of_a_role_without_voicemail_hears_nothing_of_their_agent_ids_box(
        role: str) -> None:
    """A manager or a sales user may be given an agent id (to take calls), but their
    role reads no voicemail: the API refuses them the list, and the stream must not
    hand them a message's news, its caller's number included."""
    holder = Principal("pat", role, "agent102", SINCE)
    for message in (Owned(queue=None, agent="agent102", assignee=None, left_at=LATER),
                    Owned(queue="support", agent=None, assignee="agent102",
                          left_at=LATER, assigned_at=LATER)):
        assert not may_see(holder, message, SCOPE)
        for kind in KINDS:
            events = news_of(kind, {**_row(message), "caller": "+15550100"}, 1000.0,
                             MEMBERS)
            assert [e for e in events if visible_to(holder, e, SCOPE)] == [], kind
