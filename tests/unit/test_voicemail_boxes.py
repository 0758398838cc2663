"""The voicemail rules without I/O: which box a mailbox name is, a message's states, its
age limit, who sees and works which message; and the config's errors, which name the
file, the line and the field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactcenter.acd.model import AcdConfig, AgentConfig, QueueConfig
from contactcenter.config.files import ConfigError
from contactcenter.voicemail.access import Kept, Owned, may, may_see, mine, visible_filter
from contactcenter.voicemail.boxes import (
    DEFAULT_MAX_AGE,
    TRANSITIONS,
    Action,
    Box,
    Mailboxes,
    Refused,
    Status,
    next_status,
)
from contactcenter.voicemail.config import check_named, load_voicemail
from contactcenter.web.auth import Principal
from contactcenter.web.scope import Scopes

BOXES = Mailboxes(declared={"main": Box(name="main", queue="support"),
                            "boss": Box(name="boss", agent="agent102")},
                  queues=frozenset({"support", "sales"}),
                  agents=frozenset({"agent101", "agent102"}), max_age={"sales": 600.0})
SCOPE = Scopes({"sue": frozenset({"support"})},
               {"agent101": frozenset({"support"}), "agent102": frozenset({"sales"})})
#: when the agents were given their ids; a message before it is their predecessors'
SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
EARLIER, LATER = SINCE - dt.timedelta(days=1), SINCE + dt.timedelta(days=1)
ADMIN = Principal("root", "admin", None)
SUE = Principal("sue", "supervisor", None)
BOSS = Principal("boss", "supervisor", None)  # no list of queues: every queue
A101 = Principal("agent101", "agent", "agent101", SINCE)
A102 = Principal("agent102", "agent", "agent102", SINCE)
MANAGER = Principal("max", "manager", None)
#: agent102's id handed on to nina (sales, as its holder before her) after SINCE
NINA = Principal("nina", "agent", "agent102", LATER)
#: a supervisor of support who holds agent102 (a sales agent) too
SUE_102 = Principal("sue", "supervisor", "agent102", LATER)


@pytest.mark.parametrize(("name", "queue", "agent"), [
    ("main", "support", None),  # declared for a queue
    ("boss", None, "agent102"),  # declared for an agent
    ("sales", "sales", None),  # a queue's name
    ("agent101", None, "agent101"),  # an agent's id
    ("nobody", None, None),  # the general box
    (None, None, None),
])
def test_a_mailbox_name_finds_its_box_by_the_rule(name: str | None, queue: str | None,
                                                  agent: str | None) -> None:
    box = BOXES.box(name)
    assert (box.queue, box.agent) == (queue, agent)


def test_a_declared_box_wins_over_a_queue_of_the_same_name() -> None:
    boxes = Mailboxes(declared={"sales": Box(name="sales", agent="agent101")},
                      queues=frozenset({"sales"}))
    assert boxes.box("sales").agent == "agent101"


def test_the_age_limit_is_the_queues_else_the_default() -> None:
    assert BOXES.age_limit("sales") == 600.0
    assert BOXES.age_limit("support") == BOXES.age_limit(None) == DEFAULT_MAX_AGE
    assert not BOXES.overdue(queue="sales", left_at=0, status=Status.NEW, now=600)
    assert BOXES.overdue(queue="sales", left_at=0, status=Status.ASSIGNED, now=600.5)
    assert not BOXES.overdue(queue="sales", left_at=0, status=Status.HANDLED, now=10**9)


@given(st.lists(st.sampled_from(list(Action)), max_size=12))
def test_handled_is_final_and_reached_only_by_handling(actions: list[Action]) -> None:
    status = Status.NEW
    for action in actions:
        try:
            after = next_status(status, action)
        except Refused:
            assert status is Status.HANDLED
            continue
        assert (after is Status.HANDLED) == (action is Action.HANDLE)
        status = after
    assert TRANSITIONS[Status.HANDLED] == {}


SUPPORT = Owned(queue="support", agent=None, assignee=None)
SALES = Owned(queue="sales", agent=None, assignee=None)
OF_102 = Owned(queue=None, agent="agent102", assignee=None, left_at=LATER)
GENERAL = Owned(queue=None, agent=None, assignee=None)


@pytest.mark.parametrize(("who", "seen"), [
    (ADMIN, {"support", "sales", "of_102", "general"}),
    (SUE, {"support"}),
    (BOSS, {"support", "sales", "of_102", "general"}),
    (A101, {"support"}),
    (A102, {"sales", "of_102"}),
    (MANAGER, set()),
])
def test_who_sees_which_box(who: Principal, seen: set[str]) -> None:
    messages = {"support": SUPPORT, "sales": SALES, "of_102": OF_102, "general": GENERAL}
    assert {name for name, m in messages.items() if may_see(who, m, SCOPE)} == seen


def test_an_assigned_message_is_seen_by_its_assignee_wherever_it_is() -> None:
    given_to_101 = Owned(queue="sales", agent=None, assignee="agent101", left_at=EARLIER,
                         assigned_at=LATER)
    assert may_see(A101, given_to_101, SCOPE)
    assert may(A101, Action.HANDLE, given_to_101, SCOPE)


def test_agents_take_and_handle_their_own_supervisors_assign() -> None:
    assert may(A101, Action.TAKE, SUPPORT, SCOPE)
    assert not may(A101, Action.HANDLE, SUPPORT, SCOPE)  # taken first
    assert not may(A101, Action.ASSIGN, SUPPORT, SCOPE)
    assert may(A102, Action.HANDLE, OF_102, SCOPE)  # their own box
    assert may(SUE, Action.ASSIGN, SUPPORT, SCOPE) and may(SUE, Action.HANDLE, SUPPORT, SCOPE)
    assert not may(SUE, Action.TAKE, SUPPORT, SCOPE)  # no agent of their own to take it
    assert not may(SUE, Action.ASSIGN, SALES, SCOPE)


def test_the_list_filter_matches_the_rule() -> None:
    assert visible_filter(ADMIN, SCOPE) is None and visible_filter(BOSS, SCOPE) is None
    assert visible_filter(SUE, SCOPE) == Kept(frozenset({"support"}), frozenset({"agent101"}),
                                              False, None)
    assert visible_filter(A102, SCOPE) == Kept(frozenset({"sales"}), frozenset(), False,
                                               ("agent102", SINCE))
    assert visible_filter(SUE_102, SCOPE) == Kept(
        frozenset({"support"}), frozenset({"agent101"}), False, ("agent102", LATER))
    assert visible_filter(MANAGER, SCOPE) == Kept(frozenset(), frozenset(), False, None)


ACD = AcdConfig(queues={"support": QueueConfig(name="support")},
                agents={"agent101": AgentConfig(id="agent101")})


def test_a_missing_file_is_the_defaults(tmp_path: Path) -> None:
    boxes, config = load_voicemail(tmp_path / "none.yaml", ACD)
    assert boxes.box("support").queue == "support"
    assert config.dispositions[0].code == "called_back"


@pytest.mark.parametrize(("text", "line", "field"), [
    ("mailboxes:\n  main: {queue: nope}\n", 2, "mailboxes.main.queue"),
    ("mailboxes:\n  main: {agent: agent999}\n", 2, "mailboxes.main.agent"),
    ("mailboxes:\n  main: {queue: support, agent: agent101}\n", 2, "mailboxes.main"),
    ("queues:\n  support: {max_age: 0}\n", 2, "queues.support.max_age"),
    ("queues:\n  sales: {max_age: 60}\n", 2, "queues.sales"),
    ("dispositions:\n  - {code: Bad Code, label: x}\n", 2, "dispositions.0.code"),
])
def test_config_errors_name_the_file_line_and_field(tmp_path: Path, text: str, line: int,
                                                    field: str) -> None:
    path = tmp_path / "voicemail.yaml"
    path.write_text("default_max_age: 3600\n" + text)
    with pytest.raises(ConfigError) as raised:
        load_voicemail(path, ACD)
    assert (raised.value.path, raised.value.line, raised.value.field) == (
        str(path), line + 1, field)


def test_a_mailbox_named_in_full_must_be_a_box(tmp_path: Path) -> None:
    flow = tmp_path / "main.yaml"
    flow.write_text("nodes:\n  vm:\n    type: voicemail\n    mailbox: mian\n")
    check_named(BOXES, [(flow, "nodes.vm.mailbox", "main"),
                        (flow, "nodes.vm.mailbox", "{account}")])  # built from input: later
    with pytest.raises(ConfigError) as raised:
        check_named(BOXES, [(flow, "nodes.vm.mailbox", "mian")])
    assert (raised.value.line, raised.value.field) == (4, "nodes.vm.mailbox")


_NAMES = st.sampled_from([None, "support", "sales", "agent101", "agent102"])
_TIMES = st.sampled_from([None, EARLIER, SINCE, LATER, LATER + dt.timedelta(days=1)])
_OWNED = st.builds(lambda queue, agent, assignee, left_at, assigned_at: Owned(
    queue=queue if queue in ("support", "sales") else None,
    agent=agent if agent in ("agent101", "agent102") else None,
    assignee=assignee if assignee in ("agent101", "agent102") else None,
    left_at=left_at, assigned_at=assigned_at),
    _NAMES, _NAMES, _NAMES, _TIMES, _TIMES)
_PEOPLE = st.sampled_from([ADMIN, SUE, BOSS, A101, A102, MANAGER, NINA, SUE_102])


@given(_PEOPLE, _OWNED, st.sampled_from(list(Action)))
def test_nobody_works_a_message_they_cannot_see(who: Principal, message: Owned,
                                                action: Action) -> None:
    if may(who, action, message, SCOPE):
        assert may_see(who, message, SCOPE)
    if who.role == "agent" and may_see(who, message, SCOPE):
        # an agent's: their box, their queues' boxes, or given to them, since the id is theirs
        assert who.agent_since is not None
        assert (message.agent == who.agent and message.left_at is not None
                and message.left_at >= who.agent_since) \
            or (message.assignee == who.agent and message.assigned_at is not None
                and message.assigned_at >= who.agent_since) \
            or message.queue in SCOPE.members[who.agent or ""]


def _kept_by(kept: Kept | None, message: Owned) -> bool:
    """What the list's query keeps (``crm_core.voicemail.list_messages``), in Python
    (a NULL time compares as nothing, as in SQL)."""
    if kept is None:
        return True
    queues, agents, _general, own = kept
    if (message.queue in queues) or (message.agent in agents) \
            or (message.assignee in agents):
        return True
    if own is None:
        return False
    agent, since = own
    return (message.agent == agent and message.left_at is not None
            and message.left_at >= since) or (
        message.assignee == agent and message.assigned_at is not None
        and message.assigned_at >= since)


@given(_PEOPLE, _OWNED)
def test_the_list_keeps_what_the_rule_lets_one_see(who: Principal, message: Owned) -> None:
    assert _kept_by(visible_filter(who, SCOPE), message) == may_see(who, message, SCOPE)


def test_a_supervisor_sees_what_one_of_their_agents_has() -> None:
    held = Owned(queue="sales", agent=None, assignee="agent101")
    assert may_see(SUE, held, SCOPE) and not may_see(SUE, SALES, SCOPE)


OLD_OF_102 = Owned(queue=None, agent="agent102", assignee=None, left_at=SINCE)
OLD_SALES_TO_102 = Owned(queue="sales", agent=None, assignee="agent102", left_at=SINCE,
                         assigned_at=SINCE)
OLD_SUPPORT_TO_102 = Owned(queue="support", agent=None, assignee="agent102",
                           left_at=SINCE, assigned_at=SINCE)


def test_a_reused_agent_id_does_not_bring_its_former_holders_messages() -> None:
    """nina holds agent102 from LATER: its box's messages left before, and the messages
    assigned to it before, are not hers (a supervisor's and the admins' still)."""
    assert not may_see(NINA, OLD_OF_102, SCOPE) and may_see(A102, OLD_OF_102, SCOPE)
    assert not may_see(NINA, OLD_SUPPORT_TO_102, SCOPE)  # not her queue's box
    assert may_see(SUE, OLD_SUPPORT_TO_102, SCOPE) and may_see(ADMIN, OLD_OF_102, SCOPE)
    assert not any(may(NINA, action, OLD_OF_102, SCOPE) for action in Action)


def test_the_new_holder_sees_their_own_box_and_assignments_from_their_start() -> None:
    assert may_see(NINA, Owned(queue=None, agent="agent102", assignee=None, left_at=LATER),
                   SCOPE)  # the start itself counts
    reassigned = Owned(queue="support", agent=None, assignee="agent102", left_at=SINCE,
                       assigned_at=LATER + dt.timedelta(hours=1))
    assert may_see(NINA, reassigned, SCOPE) and may(NINA, Action.HANDLE, reassigned, SCOPE)


def test_a_former_holders_message_in_her_queues_box_is_taken_before_it_is_handled() -> None:
    assert may_see(NINA, OLD_SALES_TO_102, SCOPE)  # sales' box: she works sales
    assert may(NINA, Action.TAKE, OLD_SALES_TO_102, SCOPE)
    assert not may(NINA, Action.HANDLE, OLD_SALES_TO_102, SCOPE)


def test_an_unknown_time_or_start_is_not_theirs() -> None:
    unknown = Owned(queue=None, agent="agent102", assignee="agent102")
    assert not mine(A102, unknown) and not may_see(A102, unknown, SCOPE)
    no_start = Principal("agent102", "agent", "agent102", None)
    assert not may_see(no_start, OF_102, SCOPE)


def test_a_supervisor_holding_an_id_sees_its_earlier_messages_only_through_their_queues(
        ) -> None:
    assert not may_see(SUE_102, OLD_OF_102, SCOPE)  # agent102 works sales, not hers
    assert may_see(SUE_102, OF_102, SCOPE)  # left at her start: hers
    assert may_see(SUE_102, OLD_SUPPORT_TO_102, SCOPE)  # support's box: her queue
