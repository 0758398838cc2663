"""A call's script, step by step: rendering, answers, branches, objections, going back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from contactcenter.scripting import (
    Finish,
    ObjectionRaised,
    RecordAnswers,
    ResumedFromObjection,
    Script,
    ScriptCommand,
    ScriptSession,
    ScriptUsageError,
    ShowError,
    ShowStep,
    State,
    StepAnswered,
    WentBack,
    load_scripts,
)

BOOK = load_scripts(Path(__file__).resolve().parents[2] / "config" / "scripts")
SALES: Script = BOOK["sales"]
SUPPORT: Script = BOOK["support"]

ADA: dict[str, Any] = {
    "contact": {"first_name": "Ada", "email": "ada@example.com", "vip": True},
    "account": {"name": "Lovelace Engines", "segment": "gold"},
    "agent": {"name": "Sam"},
}
GRACE: dict[str, Any] = {
    "contact": {"first_name": "Grace", "vip": False},
    "account": {"segment": "silver"},
}


def answer(session: ScriptSession, value: object = None) -> list[ScriptCommand]:
    return session.handle(StepAnswered(step=session.step, answer=value))


def walk(session: ScriptSession, *answers: object) -> None:
    for value in answers:
        out = answer(session, value)
        assert not any(isinstance(command, ShowError) for command in out), (value, out)


def errors(out: list[ScriptCommand]) -> list[str]:
    return [command.reason for command in out if isinstance(command, ShowError)]


def frozen(session: ScriptSession) -> tuple[object, ...]:
    """Everything the agent could see or the record could hold."""
    return session.state, session.step, session.answers(), session.view(), session.path


# -- rendering -------------------------------------------------------------------

def test_the_first_step_greets_the_contact_by_name() -> None:
    session = ScriptSession(SALES, ADA)
    view = session.view()
    assert view.step == "greeting" and view.kind == "say" and view.title == "Greeting"
    assert view.text.startswith("Hello Ada, thank you for calling. My name is Sam.")
    assert not view.can_go_back and not view.can_resume
    assert [o.name for o in view.objections] == ["too_expensive", "not_interested",
                                                  "call_me_later"]
    assert view.objections[0].label == "Too expensive"


@pytest.mark.parametrize("data", [{}, {"contact": None, "account": None}])
def test_missing_crm_data_renders_the_fallbacks(data: dict[str, Any]) -> None:
    view = ScriptSession(SALES, data).view()
    assert view.text.startswith("Hello there, thank you for calling. My name is your sales "
                                "advisor.")
    assert view.hint == "Customer since (new caller), segment none."


def test_a_question_shows_its_kind_and_limits() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None)
    question = session.view().question
    assert question is not None and question.kind == "choice" and question.key == "needs"
    assert question.options == ("A new product", "An upgrade", "Pricing information",
                                "Something else")
    walk(session, "An upgrade", None)
    question = session.view().question
    assert question is not None and question.kind == "number"
    assert (question.minimum, question.maximum) == (0, 10_000_000)


# -- answers and branches --------------------------------------------------------

def test_a_sale_from_greeting_to_end() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None, "an upgrade", "  For the lab  ", "12000")
    assert session.step == "offer_premium"  # budget above 5000
    walk(session, None, "yes", "card")
    out = answer(session, "not an address")
    assert errors(out) == ["an e-mail address, like name@example.com"]
    out = answer(session, "ada@example.com")
    assert [type(command) for command in out] == [RecordAnswers, ShowStep, Finish]
    assert session.ended and session.state is State.ENDED and session.outcome == "sale"
    expected = {"needs": "An upgrade", "needs_details": "For the lab", "budget": 12000,
                "interested": True, "payment": "Card", "confirmation_email": "ada@example.com"}
    assert session.answers() == expected
    finish = out[-1]
    assert isinstance(finish, Finish) and finish.outcome == "sale" and finish.answers == expected
    view = session.view()
    assert view.kind == "end" and view.outcome == "sale" and view.objections == ()
    assert "confirmation is on its way to ada@example.com" in view.text


@pytest.mark.parametrize(
    ("data", "budget", "offer"),
    [
        (ADA, 6000, "offer_premium"),
        ({**ADA, "offer": {"name": "Gold plan", "pitch": "It pays."}}, 100, "offer_best"),
        (ADA, 100, "offer_standard"),
    ],
)
def test_branch_on_an_answer_and_on_crm_data(data: dict[str, Any], budget: int,
                                             offer: str) -> None:
    session = ScriptSession(SALES, data)
    walk(session, None, "A new product", "", budget)
    assert session.step == offer


def test_an_optional_question_can_be_skipped() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None, "An upgrade", "")
    assert "needs_details" not in session.answers()
    assert session.step == "budget"


def test_no_sale() -> None:
    session = ScriptSession(SALES, GRACE)
    walk(session, None, "Something else", "", "0", None, "no", "yes")
    assert session.outcome == "no_sale"
    assert session.answers()["interested"] is False
    assert session.answers()["send_information"] is True


@pytest.mark.parametrize(
    ("data", "vip"),
    [(ADA, True), (GRACE, False), ({"contact": {"vip": "yes"}}, True),
     ({"account": {"segment": "Platinum"}}, True), ({}, False)],
)
def test_support_branches_on_vip_crm_data(data: dict[str, Any], vip: bool) -> None:
    session = ScriptSession(SUPPORT, data)
    walk(session, None, "yes", "Billing", "I was charged twice")
    assert session.step == ("vip_priority" if vip else "kb_billing")


def test_support_knowledge_base_hint_follows_the_problem_area() -> None:
    session = ScriptSession(SUPPORT, GRACE)
    walk(session, None, "yes", "account access", "Locked out of my account")
    view = session.view()
    assert view.step == "kb_access" and view.hint is not None and "password" in view.hint
    walk(session, None, "no", "Book a callback")
    assert session.outcome == "escalated"
    assert "Done: Book a callback." in session.view().text


def test_support_unverified_caller_ends_the_script() -> None:
    session = ScriptSession(SUPPORT, GRACE)
    walk(session, None, "no")
    assert session.ended and session.outcome == "not_verified"
    assert session.answers() == {"identity_verified": False}


# -- bad answers -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("step_answers", "bad", "reason"),
    [
        ([None], "A spaceship", "choose one of: A new product, An upgrade"),
        ([None], None, "an answer is needed"),
        ([None], True, "choose one of"),
        ([None, "An upgrade", ""], "lots", "expected a number"),
        ([None, "An upgrade", ""], "-5", "at least 0"),
        ([None, "An upgrade", ""], "1e9", "at most 10000000"),
        ([None, "An upgrade", ""], True, "expected a number"),
        ([None, "An upgrade", "", 10, None], "maybe", "answer yes or no"),
    ],
)
def test_a_bad_answer_changes_nothing(step_answers: list[object], bad: object,
                                      reason: str) -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, *step_answers)
    before = frozen(session)
    out = answer(session, bad)
    assert len(out) == 1 and isinstance(out[0], ShowError)
    assert reason in out[0].reason and out[0].step == session.step
    assert frozen(session) == before


def test_a_late_click_on_a_step_already_left_changes_nothing() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None)
    before = frozen(session)
    out = session.handle(StepAnswered(step="greeting"))
    assert errors(out) == ["that was for step 'greeting'; the script is at 'needs'"]
    assert frozen(session) == before


def test_a_date_question() -> None:
    session = ScriptSession(SALES, ADA)
    session.handle(ObjectionRaised(name="call_me_later"))
    assert session.view().question is not None
    assert errors(answer(session, "next tuesday")) == ["expected a date like 2026-03-31"]
    assert errors(answer(session, "2026-02-30")) == ["expected a date like 2026-03-31"]
    walk(session, "2026-03-31", "afternoon")
    assert session.outcome == "callback"
    assert session.answers() == {"callback_on": "2026-03-31", "callback_window": "Afternoon"}
    assert "call you on 2026-03-31, in the Afternoon" in session.view().text


# -- objections ------------------------------------------------------------------

def test_an_objection_jumps_and_returns_where_the_agent_was() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None, "An upgrade", "")
    assert session.step == "budget"
    out = session.handle(ObjectionRaised(name="too_expensive"))
    assert [type(command) for command in out] == [ShowStep]
    view = session.view()
    assert session.state is State.OBJECTION and session.objection == "too_expensive"
    assert view.step == "price_reframe" and view.objection == "too_expensive"
    assert view.can_resume and view.can_go_back
    walk(session, None, "convinced")  # -> resume
    assert session.state is State.STEP and session.step == "budget"
    assert session.objection is None
    assert session.answers()["price_objection"] == "Convinced"
    session.handle(WentBack())  # the main script's history survived the detour
    assert session.step == "needs_details"


def test_a_discount_then_back_to_the_script() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None)
    session.handle(ObjectionRaised(name="too_expensive"))
    walk(session, None, "Would like a discount")
    assert session.step == "price_discount"
    walk(session, None)
    assert session.step == "needs" and session.state is State.STEP


def test_the_agent_resumes_at_any_step_of_the_detour() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None, "An upgrade")
    session.handle(ObjectionRaised(name="call_me_later"))
    out = session.handle(ResumedFromObjection())
    assert [type(command) for command in out] == [ShowStep]
    assert session.step == "needs_details" and session.state is State.STEP


def test_an_objection_can_end_the_call() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None)
    session.handle(ObjectionRaised(name="not_interested"))
    out = answer(session, "No need right now")
    assert isinstance(out[-1], Finish) and out[-1].outcome == "not_interested"
    assert session.ended and session.objection == "not_interested"
    assert errors(session.handle(ResumedFromObjection())) == [
        "the script has ended; go back to change an answer"]


def test_a_second_objection_keeps_the_way_back() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None, "An upgrade", "")
    session.handle(ObjectionRaised(name="too_expensive"))
    session.handle(ObjectionRaised(name="call_me_later"))
    assert session.objection == "call_me_later" and session.step == "callback_date"
    session.handle(ResumedFromObjection())
    assert session.step == "budget" and session.objection is None


def test_unknown_objection_and_nothing_to_resume() -> None:
    session = ScriptSession(SALES, ADA)
    before = frozen(session)
    have = "too_expensive, not_interested, call_me_later"
    assert errors(session.handle(ObjectionRaised(name="too_cheap"))) == [
        f"no objection named 'too_cheap' in this script (have: {have})"]
    assert errors(session.handle(ResumedFromObjection())) == [
        "there is no objection to return from"]
    assert frozen(session) == before


# -- going back ------------------------------------------------------------------

def test_back_undoes_one_answer_and_prefills_it() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None, "An upgrade", "", "12000")
    out = session.handle(WentBack())
    assert [type(command) for command in out] == [RecordAnswers, ShowStep]
    assert session.step == "budget" and "budget" not in session.answers()
    question = session.view().question
    assert question is not None and question.previous == 12000
    walk(session, "100")
    assert session.step == "offer_standard" and session.answers()["budget"] == 100


def test_back_from_the_end_reopens_the_script() -> None:
    session = ScriptSession(SUPPORT, GRACE)
    walk(session, None, "no")
    assert session.ended
    session.handle(WentBack())
    assert not session.ended and session.step == "verify_identity"
    assert session.answers() == {}
    walk(session, "yes")
    assert session.step == "problem_area"


def test_back_at_the_first_step() -> None:
    session = ScriptSession(SALES, ADA)
    before = frozen(session)
    assert errors(session.handle(WentBack())) == ["this is the first step"]
    assert frozen(session) == before


def test_back_from_the_first_step_of_a_detour_leaves_it() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None)
    session.handle(ObjectionRaised(name="too_expensive"))
    walk(session, None)
    session.handle(WentBack())
    assert session.step == "price_reframe" and session.state is State.OBJECTION
    session.handle(WentBack())
    assert session.step == "needs" and session.state is State.STEP


def test_the_path_lists_every_step_shown() -> None:
    session = ScriptSession(SALES, ADA)
    walk(session, None, "An upgrade")
    session.handle(WentBack())
    assert session.path == ["greeting", "needs", "needs_details", "needs"]


# -- misuse ----------------------------------------------------------------------

def test_not_an_event_is_our_bug() -> None:
    session = ScriptSession(SALES, ADA)
    with pytest.raises(ScriptUsageError):
        session.handle("next")  # type: ignore[arg-type]


def test_the_ended_script_refuses_answers_and_objections() -> None:
    session = ScriptSession(SUPPORT, GRACE)
    walk(session, None, "no")
    before = frozen(session)
    assert errors(answer(session, "x")) == ["the script has ended; go back to change an answer"]
    assert errors(session.handle(ObjectionRaised(name="caller_upset")))
    assert frozen(session) == before
