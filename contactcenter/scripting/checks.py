"""What no single step can check: that a script hangs together.

Run by the loader after every step has validated on its own. In order: the
targets exist; every answer has a name of its own; merge fields and branch
fields start with a known root, and ``answers.<name>`` names a question;
a branch on a choice tests values the choice offers; every step can be
reached from ``start`` or from an objection; ``resume`` is only used in
objection detours; and a loop of steps always goes through a question, so
that walking it is the agent's choice and never the script's spin.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from contactcenter.config.files import ConfigError
from contactcenter.scripting.merge import ROOTS, fields_in
from contactcenter.scripting.model import RESUME, Script
from contactcenter.scripting.questions import ChoiceQuestion, Question
from contactcenter.scripting.steps import BranchStep

_ROOTS = ", ".join(sorted(ROOTS))


def check_script(script: Script) -> None:
    """Raise ConfigError, naming file, line and field, for the first thing wrong."""
    _check_targets(script)
    keys = _answer_keys(script)
    _check_merge_fields(script, keys)
    _check_cases(script, keys)
    main = _reachable(script, [script.start])
    detours = _reachable(script, [objection.step for objection in script.objections.values()])
    _check_reachable(script, main | detours)
    _check_resume(script, main)
    _check_loops(script)


def error(script: Script, key: tuple[str | int, ...], reason: str) -> ConfigError:
    """A ConfigError at a key path of the script's file."""
    path, line = script.where(*key)
    return ConfigError(path, line, ".".join(str(part) for part in key), reason)


def _check_targets(script: Script) -> None:
    if script.start not in script.steps:
        raise error(script, ("start",), f"no step named {script.start!r}")
    for name, step in script.steps.items():
        for field, target in step.targets().items():
            if target != RESUME and target not in script.steps:
                key = ("steps", name, *_split(field))
                raise error(script, key, f"no step named {target!r}{_hint(script, target)}")
    for name, objection in script.objections.items():
        if objection.step not in script.steps:
            raise error(script, ("objections", name, "step"),
                        f"no step named {objection.step!r}{_hint(script, objection.step)}")


def _split(field: str) -> tuple[str | int, ...]:
    return tuple(int(part) if part.isdigit() else part for part in field.split("."))


def _hint(script: Script, target: str) -> str:
    close = difflib.get_close_matches(target, list(script.steps), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _answer_keys(script: Script) -> dict[str, str]:
    """Answer name -> the question step that saves it; a name is saved by one step only."""
    keys: dict[str, str] = {}
    for name, step in script.steps.items():
        if isinstance(step, Question):
            key = step.key(name)
            if key in keys:
                field = ("steps", name, "save_as") if step.save_as else ("steps", name)
                raise error(script, field,
                            f"the answer name {key!r} is already saved by step {keys[key]!r}")
            keys[key] = name
    return keys


def _check_merge_fields(script: Script, keys: dict[str, str]) -> None:
    for name, step in script.steps.items():
        for field, template in step.templates().items():
            key = ("steps", name, field)
            try:
                found = fields_in(template)
            except ValueError as exc:
                raise error(script, key, str(exc)) from exc
            for merge in found:
                _check_path(script, key, merge.path, keys, what="merge field")
    for path in script.fallbacks:
        _check_path(script, ("fallbacks", path), tuple(path.split(".")), keys, what="fallback")


def _check_path(script: Script, key: tuple[str | int, ...], path: tuple[str, ...],
                keys: dict[str, str], *, what: str) -> None:
    dotted = ".".join(path)
    if path[0] not in ROOTS:
        raise error(script, key, f"{what} {dotted!r} has an unknown root {path[0]!r}; "
                                 f"use one of {_ROOTS}")
    if path[0] == "answers" and (len(path) != 2 or path[1] not in keys):
        known = ", ".join(sorted(keys)) or "none"
        raise error(script, key, f"{what} {dotted!r} names no question's answer "
                                 f"(answers here: {known})")


def _check_cases(script: Script, keys: dict[str, str]) -> None:
    for name, step in script.steps.items():
        if not isinstance(step, BranchStep):
            continue
        for index, case in enumerate(step.cases):
            key = ("steps", name, "cases", index, "field")
            _check_path(script, key, case.path, keys, what="field")
            if case.path[0] != "answers":
                continue
            question = script.steps[keys[case.path[1]]]
            if isinstance(question, ChoiceQuestion):
                _check_options(script, ("steps", name, "cases", index), question, case.expected())


def _check_options(script: Script, key: tuple[str | int, ...], question: ChoiceQuestion,
                   values: Iterable[object]) -> None:
    """A branch on a choice can only ever see the choice's options."""
    options = {option.casefold() for option in question.options}
    for value in values:
        if str(value).casefold() not in options:
            raise error(script, key, f"{value!r} is not an option of that question "
                                     f"({', '.join(question.options)})")


def _reachable(script: Script, roots: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [root for root in roots if root in script.steps]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(target for target in script.steps[name].targets().values()
                    if target != RESUME)
    return seen


def _check_reachable(script: Script, reached: set[str]) -> None:
    for name in script.steps:
        if name not in reached:
            raise error(script, ("steps", name),
                        "unreachable: no path leads here from start or from an objection")


def _check_resume(script: Script, main: set[str]) -> None:
    for name in script.steps:
        if name not in main:
            continue
        for field, target in script.steps[name].targets().items():
            if target == RESUME:
                raise error(script, ("steps", name, *_split(field)),
                            f"{RESUME!r} returns from an objection, but this step is on the "
                            "main script (reached from start)")


def _check_loops(script: Script) -> None:
    """Refuse a cycle that no question breaks: "next" forever, or branches spinning."""
    finished: set[str] = set()
    for name in script.steps:
        cycle = _find_cycle(script, name, [], finished)
        if cycle:
            raise error(script, ("steps", cycle[0]),
                        f"these steps loop without a question: {' -> '.join(cycle)}")


def _find_cycle(script: Script, name: str, trail: list[str],
                finished: set[str]) -> list[str] | None:
    """Depth-first over steps that are not questions; the first cycle found."""
    if name in finished or isinstance(script.steps[name], Question):
        return None
    if name in trail:
        return [*trail[trail.index(name):], name]
    trail.append(name)
    for target in script.steps[name].targets().values():
        if target != RESUME:
            cycle = _find_cycle(script, target, trail, finished)
            if cycle:
                return cycle
    trail.pop()
    finished.add(name)
    return None
