"""One call's walk through a call script: a sans-I/O state machine.

See ``states.py`` for the theory of operation. The tables at the end of this
module are the transitions as data: which events each state acts on, and the
reason the agent is given for an event its state refuses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from contactcenter.scripting.commands import (
    Finish,
    RecordAnswers,
    ScriptCommand,
    ShowError,
    ShowStep,
)
from contactcenter.scripting.events import (
    ObjectionRaised,
    ResumedFromObjection,
    ScriptEvent,
    StepAnswered,
    WentBack,
)
from contactcenter.scripting.merge import lookup, render
from contactcenter.scripting.model import RESUME, Script
from contactcenter.scripting.questions import AnswerError, Question
from contactcenter.scripting.states import State
from contactcenter.scripting.steps import BranchStep, EndStep, SayStep, Shown
from contactcenter.scripting.view import AnswerValue, ObjectionView, StepView

_log = logging.getLogger(__name__)

_EVENTS = (StepAnswered, ObjectionRaised, ResumedFromObjection, WentBack)

#: what the CRM knows about the call: ``{"contact": {...}, "account": {...}, "call": {...}}``;
#: a root may be None (an unknown caller has no contact)
MergeData = Mapping[str, object]


class ScriptUsageError(Exception):
    """The engine used a session wrongly: our bug, unlike an agent's bad answer."""


@dataclass(frozen=True, slots=True)
class _Visit:
    """A step left by an answer, and what ``WentBack`` needs to undo that answer."""

    step: str
    key: str | None = None
    replaced: AnswerValue | None = None
    given: AnswerValue | None = None


@dataclass(frozen=True, slots=True)
class _Detour:
    """An objection being handled, and where the main script resumes."""

    name: str
    return_to: str
    main_history: tuple[_Visit, ...]


class ScriptSession:
    """One call in one script: feed it the agent's actions, show what it returns."""

    __slots__ = ("_answers", "_data", "_detour", "_history", "_path", "_previous", "_script",
                 "_state", "_step")

    def __init__(self, script: Script, data: MergeData | None = None) -> None:
        self._script = script
        self._data: dict[str, object] = dict(data or {})
        self._answers: dict[str, AnswerValue] = {}
        self._previous: dict[str, AnswerValue] = {}  # answers undone by going back
        self._history: list[_Visit] = []
        self._detour: _Detour | None = None
        self._path: list[str] = []
        self._step = ""
        self._state = State.STEP
        self._enter(script.start)

    # -- the API the engine uses ------------------------------------------------

    def handle(self, event: ScriptEvent) -> list[ScriptCommand]:
        """Act on what the agent did; return what to show and to record."""
        if not isinstance(event, _EVENTS):
            raise ScriptUsageError(f"not a script event: {event!r}")
        out: list[ScriptCommand] = []
        before = self._state, self._step
        handler = _ON_EVENT[self._state].get(type(event))
        if handler is None:
            out.append(ShowError(step=self._step, reason=_REFUSED[self._state]))
        else:
            handler(self, event, out)
        if _log.isEnabledFor(logging.DEBUG) and before != (self._state, self._step):
            _log.debug("%s %s:%s -[%s]-> %s:%s", self._script.name, before[0].value, before[1],
                       type(event).__name__, self._state.value, self._step)
        return out

    def view(self) -> StepView:
        """The step shown now, rendered with the call's data and the answers so far."""
        name, step = self._step, self._shown()
        data = {**self._data, "answers": self._answers}
        fallbacks = self._script.fallbacks
        question, outcome = None, None
        if isinstance(step, Question):
            key = step.key(name)
            question = step.view(key, self._previous.get(key, self._answers.get(key)))
        elif isinstance(step, EndStep):
            outcome = step.outcome
        ended = self._state is State.ENDED
        return StepView(
            script=self._script.name,
            step=name,
            kind="question" if question else "end" if isinstance(step, EndStep) else "say",
            title=step.title,
            text=render(step.text, data, fallbacks),
            hint=render(step.hint, data, fallbacks) if step.hint is not None else None,
            question=question,
            objections=() if ended else self._objection_views(),
            objection=self._detour.name if self._detour else None,
            can_go_back=bool(self._history) or self._detour is not None,
            can_resume=self._state is State.OBJECTION,
            outcome=outcome,
        )

    def answers(self) -> dict[str, AnswerValue]:
        """The validated answers along the path walked, for the call's record."""
        return dict(self._answers)

    @property
    def script(self) -> Script:
        return self._script

    @property
    def state(self) -> State:
        return self._state

    @property
    def step(self) -> str:
        """The step shown now."""
        return self._step

    @property
    def ended(self) -> bool:
        return self._state is State.ENDED

    @property
    def outcome(self) -> str | None:
        """The disposition the end step suggests; None before the end."""
        step = self._shown()
        return step.outcome if isinstance(step, EndStep) else None

    @property
    def objection(self) -> str | None:
        """The objection being handled, if any."""
        return self._detour.name if self._detour else None

    @property
    def path(self) -> list[str]:
        """Every step shown, in order, detours and steps shown again included."""
        return list(self._path)

    # -- events -------------------------------------------------------------------

    def _on_answered(self, event: StepAnswered, out: list[ScriptCommand]) -> None:
        if event.step != self._step:  # a late click on a step the script has left
            reason = f"that was for step {event.step!r}; the script is at {self._step!r}"
            out.append(ShowError(step=self._step, reason=reason))
            return
        step = self._shown()
        if isinstance(step, Question):
            try:
                value = step.check(event.answer)
            except AnswerError as exc:
                out.append(ShowError(step=self._step, reason=str(exc)))
                return
            self._history.append(self._save(step.key(self._step), value))
            self._enter(step.next)
            self._emit(out, recorded=True)
        elif isinstance(step, SayStep):
            self._history.append(_Visit(self._step))
            self._enter(step.next)
            self._emit(out)

    def _on_objection(self, event: ObjectionRaised, out: list[ScriptCommand]) -> None:
        objection = self._script.objections.get(event.name)
        if objection is None:
            have = ", ".join(self._script.objections) or "none"
            reason = f"no objection named {event.name!r} in this script (have: {have})"
            out.append(ShowError(step=self._step, reason=reason))
            return
        if self._detour is None:
            self._detour = _Detour(event.name, self._step, tuple(self._history))
        else:  # another objection: same way back to the script
            self._detour = replace(self._detour, name=event.name)
        self._history = []
        self._enter(objection.step)
        self._emit(out)

    def _on_resumed(self, event: ResumedFromObjection, out: list[ScriptCommand]) -> None:
        self._resume()
        self._emit(out)

    def _on_back(self, event: WentBack, out: list[ScriptCommand]) -> None:
        if self._history:
            visit = self._history.pop()
            if visit.key is not None:
                self._restore(visit.key, visit)
            self._show(visit.step)
            self._emit(out, recorded=visit.key is not None)
        elif self._detour is not None:
            self._resume()
            self._emit(out)
        else:
            out.append(ShowError(step=self._step, reason="this is the first step"))

    # -- moving -------------------------------------------------------------------

    def _enter(self, target: str) -> None:
        """Go to ``target``, through branches and ``resume``, and show where it lands."""
        for _ in range(len(self._script.steps) + 1):
            if target == RESUME:
                self._resume()
                return
            step = self._script.steps.get(target)
            if step is None:
                raise ScriptUsageError(f"script {self._script.name!r} has no step {target!r}")
            if not isinstance(step, BranchStep):
                self._show(target)
                return
            target = step.choose(self._value)
        raise ScriptUsageError(f"script {self._script.name!r}: branches loop at {target!r}")

    def _show(self, name: str) -> None:
        self._step = name
        if isinstance(self._script.steps[name], EndStep):
            self._state = State.ENDED
        else:
            self._state = State.OBJECTION if self._detour else State.STEP
        self._path.append(name)

    def _resume(self) -> None:
        detour = self._detour
        if detour is None:
            raise ScriptUsageError(f"script {self._script.name!r}: {RESUME!r} outside an "
                                   "objection")
        self._detour = None
        self._history = list(detour.main_history)
        self._show(detour.return_to)

    def _save(self, key: str, value: AnswerValue | None) -> _Visit:
        """Keep an answer (None: a skipped optional question); the visit can undo it."""
        visit = _Visit(self._step, key, self._answers.get(key), value)
        self._answers.pop(key, None)  # re-inserted last: answers in the order given
        if value is not None:
            self._answers[key] = value
        self._previous.pop(key, None)
        return visit

    def _restore(self, key: str, visit: _Visit) -> None:
        self._answers.pop(key, None)
        if visit.replaced is not None:
            self._answers[key] = visit.replaced
        if visit.given is not None:
            self._previous[key] = visit.given
        else:
            self._previous.pop(key, None)

    def _emit(self, out: list[ScriptCommand], *, recorded: bool = False) -> None:
        if recorded:
            out.append(RecordAnswers(answers=self.answers()))
        out.append(ShowStep(view=self.view()))
        if self._state is State.ENDED:
            out.append(Finish(outcome=self.outcome, answers=self.answers()))

    # -- reading ------------------------------------------------------------------

    def _shown(self) -> Shown:
        step = self._script.steps[self._step]
        if not isinstance(step, Shown):
            raise ScriptUsageError(f"step {self._step!r} is not one to show")
        return step

    def _value(self, path: tuple[str, ...]) -> object:
        if path[0] == "answers":
            return lookup(self._answers, path[1:])
        return lookup(self._data, path)

    def _objection_views(self) -> tuple[ObjectionView, ...]:
        return tuple(ObjectionView(name=name, label=self._script.label(name))
                     for name in self._script.objections)


_Handler = Callable[[ScriptSession, Any, list[ScriptCommand]], None]

_ANSWERED: dict[type, _Handler] = {StepAnswered: ScriptSession._on_answered}
_OBJECTION: dict[type, _Handler] = {ObjectionRaised: ScriptSession._on_objection}
_BACK: dict[type, _Handler] = {WentBack: ScriptSession._on_back}

#: state -> event type -> handler; an event missing here is refused with ``_REFUSED``
_ON_EVENT: dict[State, dict[type, _Handler]] = {
    State.STEP: {**_ANSWERED, **_OBJECTION, **_BACK},
    State.OBJECTION: {**_ANSWERED, **_OBJECTION, **_BACK,
                      ResumedFromObjection: ScriptSession._on_resumed},
    State.ENDED: {**_BACK},
}

#: state -> what the agent is told when an event does not apply there
_REFUSED: dict[State, str] = {
    State.STEP: "there is no objection to return from",
    State.OBJECTION: "that does not apply here",
    State.ENDED: "the script has ended; go back to change an answer",
}
