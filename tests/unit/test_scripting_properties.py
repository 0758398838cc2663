"""Invariants under any sequence of agent actions (hypothesis).

Whatever the agent clicks, in any order, with any input and any CRM data:
the session never crashes, always shows a step the script has (never a
branch), its state agrees with that step, the view renders, answers hold only
values their question accepts, a refused action changes nothing, and going
back right after an answer restores the answers as they were.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from contactcenter.scripting import (
    ObjectionRaised,
    ResumedFromObjection,
    Script,
    ScriptEvent,
    ScriptSession,
    ShowError,
    State,
    StepAnswered,
    WentBack,
    load_scripts,
)
from contactcenter.scripting.questions import ChoiceQuestion, Question
from contactcenter.scripting.steps import EndStep, Shown

BOOK = load_scripts(Path(__file__).resolve().parents[2] / "config" / "scripts")
SCRIPTS = sorted(BOOK)

_OPTIONS = sorted({option for name in SCRIPTS for step in BOOK[name].steps.values()
                   if isinstance(step, ChoiceQuestion) for option in step.options})

answers = st.one_of(
    st.none(),
    st.sampled_from(_OPTIONS),
    st.sampled_from(["yes", "no", "Y", "true", "0", "", "  ", "ada@example.com", "2026-03-31",
                     "2026-02-30", "12000", "-5", "1e9", "nan", "inf", "a longer description"]),
    st.text(max_size=30),
    st.booleans(),
    st.integers(min_value=-10**12, max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.lists(st.integers(), max_size=2),
)

crm_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10),
              st.dates(), st.sampled_from(["gold", "platinum", "yes", "Ada", "Gold plan"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=8,
)
FIELDS = ["first_name", "email", "vip", "segment", "name", "pitch", "queue", "customer_since"]
crm_data = st.dictionaries(
    st.sampled_from(["contact", "account", "offer", "call", "agent"]),
    st.one_of(st.none(), st.dictionaries(st.sampled_from(FIELDS), crm_values, max_size=5)),
    max_size=5,
)


def plausible(step: Question) -> st.SearchStrategy[object]:
    """Answers this question is likely to accept, so that walks get past it."""
    if isinstance(step, ChoiceQuestion):
        return st.sampled_from(step.options)
    if step.kind == "yes_no":
        return st.sampled_from([True, False, "yes", "no"])
    if step.kind == "number":
        return st.integers(min_value=0, max_value=20_000)
    if step.kind == "date":
        return st.dates().map(dt.date.isoformat)
    return st.sampled_from(["ada@example.com", "It broke after the update", ""])


def event(data: st.DataObject, session: ScriptSession) -> ScriptEvent:
    script = session.script
    kind = data.draw(st.sampled_from(["answer"] * 6 + ["stale", "objection", "resume", "back"]))
    if kind == "answer":
        step = script.steps[session.step]
        likely = plausible(step) if isinstance(step, Question) else st.none()
        value = data.draw(st.one_of(answers, likely, likely))
        return StepAnswered(step=session.step, answer=value)
    if kind == "stale":
        return StepAnswered(step=data.draw(st.sampled_from(sorted(script.steps))),
                            answer=data.draw(answers))
    if kind == "objection":
        names = [*script.objections, "bogus"]
        return ObjectionRaised(name=data.draw(st.sampled_from(names)))
    return ResumedFromObjection() if kind == "resume" else WentBack()


def check_invariants(session: ScriptSession, script: Script) -> None:
    step = script.steps[session.step]
    assert isinstance(step, Shown)  # never a branch
    assert session.ended is isinstance(step, EndStep)
    if not session.ended:
        expected = State.OBJECTION if session.objection else State.STEP
        assert session.state is expected
    view = session.view()
    assert view.step == session.step and isinstance(view.text, str)
    by_key = {s.key(name): s for name, s in script.steps.items() if isinstance(s, Question)}
    for key, value in session.answers().items():
        assert not isinstance(value, dt.date)
        assert by_key[key].check(value) == value  # a value its question accepts as it is


def snapshot(session: ScriptSession) -> tuple[object, ...]:
    return session.state, session.step, session.answers(), session.view(), session.objection


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(SCRIPTS), merge=crm_data, data=st.data())
def test_any_sequence_of_actions(name: str, merge: dict[str, Any], data: st.DataObject) -> None:
    script = BOOK[name]
    session = ScriptSession(script, merge)
    check_invariants(session, script)
    for _ in range(data.draw(st.integers(min_value=5, max_value=60))):
        before, state = snapshot(session), session.state
        current = event(data, session)
        out = session.handle(current)
        refused = any(isinstance(command, ShowError) for command in out)
        if refused:
            assert len(out) == 1 and snapshot(session) == before
        check_invariants(session, script)
        resumed = state is State.OBJECTION and session.objection is None
        if isinstance(current, StepAnswered) and not refused and not resumed:
            session.handle(WentBack())  # undoes exactly that answer
            assert (session.step, session.answers()) == (before[1], before[2])
            check_invariants(session, script)
            session.handle(current)  # and forward again, as the agent had it
            check_invariants(session, script)


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(SCRIPTS), merge=crm_data, data=st.data())
def test_walks_with_likely_answers(name: str, merge: dict[str, Any],
                                   data: st.DataObject) -> None:
    """A careful agent: answers that mostly pass, so that walks reach the far steps."""
    script = BOOK[name]
    session = ScriptSession(script, merge)
    for _ in range(60):
        if session.ended:
            break
        step = script.steps[session.step]
        if data.draw(st.integers(min_value=0, max_value=9)) == 0:
            session.handle(event(data, session))
        else:
            likely = plausible(step) if isinstance(step, Question) else st.none()
            session.handle(StepAnswered(step=session.step, answer=data.draw(likely)))
        check_invariants(session, script)
