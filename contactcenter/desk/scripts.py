"""A call's script on the server: the agent's clicks in, the step to show out.

One ``CallScript`` per call wraps the sans-I/O ``ScriptSession`` (docs/scripting.md):
``act`` turns what the desktop posted into the session's events, and the session's
commands into a result: the answers to record (``RecordAnswers``), the suggested
outcome (``Finish``), or a refusal (``ShowError``) that becomes a 422 naming the field
at fault. A click meant for a step the script has left is a 409: the desktop should
show the current step again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactcenter.desk.errors import DeskError
from contactcenter.scripting import (
    AnswerValue,
    MergeData,
    ObjectionRaised,
    RecordAnswers,
    ResumedFromObjection,
    Script,
    ScriptEvent,
    ScriptSession,
    ShowError,
    StepAnswered,
    WentBack,
)

ACTIONS = ("answer", "objection", "resume", "back")
#: the longest text an answer may have before the question's own rules look at it
MAX_ANSWER = 10_000


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action changed: the answers now on record (None: unchanged)."""

    answers: dict[str, AnswerValue] | None


def _text(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise DeskError(422, f"{key}: required text", key)
    return value


def _answer(body: Mapping[str, Any]) -> object:
    answer = body.get("answer")
    if answer is not None and not isinstance(answer, str | int | float | bool):
        raise DeskError(422, "answer: text, a number, true/false or null", "answer")
    if isinstance(answer, str) and len(answer) > MAX_ANSWER:
        raise DeskError(422, f"answer: at most {MAX_ANSWER} characters", "answer")
    return answer


#: the field a refusal of each event is about
_FIELD: dict[type, str] = {StepAnswered: "answer", ObjectionRaised: "name",
                           ResumedFromObjection: "action", WentBack: "action"}


class CallScript:
    """The script of one call, for the agent the call is with."""

    def __init__(self, script: Script, data: MergeData, agent: str) -> None:
        self.session = ScriptSession(script, data)
        self.agent = agent  #: whose name the steps were rendered with
        self.touched = False  #: the agent has acted on it

    def event(self, body: Mapping[str, Any]) -> ScriptEvent:
        """The session's event for a posted action; DeskError for a malformed one."""
        action = body.get("action")
        if action not in ACTIONS:
            raise DeskError(422, f"action: one of {', '.join(ACTIONS)}", "action")
        if action == "answer":
            step = _text(body, "step")
            answer = _answer(body)
            if step != self.session.step:
                raise DeskError(409, f"step: that was for step {step!r}; the script is at "
                                     f"{self.session.step!r}", "step")
            return StepAnswered(step=step, answer=answer)
        if action == "objection":
            return ObjectionRaised(name=_text(body, "name"))
        return ResumedFromObjection() if action == "resume" else WentBack()

    def act(self, body: Mapping[str, Any]) -> Outcome:
        """Apply one posted action; DeskError (nothing changed) if it is refused."""
        event = self.event(body)
        commands = self.session.handle(event)
        for command in commands:
            if isinstance(command, ShowError):
                field = _FIELD[type(event)]
                raise DeskError(422, command.reason, field)
        self.touched = True
        answers = None
        for command in commands:
            if isinstance(command, RecordAnswers):
                answers = dict(command.answers)
        return Outcome(answers=answers)

    def state(self) -> dict[str, Any]:
        session = self.session
        return {"script": session.script.name, "view": dataclasses.asdict(session.view()),
                "answers": session.answers(), "ended": session.ended,
                "outcome": session.outcome}


#: what GET .../script answers for a call that has no script
NO_SCRIPT: dict[str, Any] = {"script": None, "view": None, "answers": {}, "ended": False,
                             "outcome": None}
