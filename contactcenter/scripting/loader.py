"""Load call scripts from ``config/scripts/*.yaml``; every error names file, line and field.

Validation runs in four steps: no key twice in a mapping (YAML would
silently keep the last, losing a step), the top level (``ScriptFile``), each
step with the model its ``type`` and ``kind`` name, then the checks that need
the whole script (``checks.py``) and the whole book (``book.py``).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from contactcenter.config.files import ConfigError, LineMap, line_of, load_yaml, validate
from contactcenter.scripting.book import ScriptBook
from contactcenter.scripting.checks import check_script
from contactcenter.scripting.model import (
    QUESTION_TYPES,
    RESUME,
    STEP_TYPES,
    AnyStep,
    Script,
    ScriptFile,
    Source,
)
from contactcenter.scripting.questions import Question

__all__ = ["load_script", "load_scripts", "parse_script"]

_SUFFIXES = (".yaml", ".yml")


def load_scripts(directory: Path) -> ScriptBook:
    """Every script in ``directory`` (named after its file), and which calls get which."""
    if not directory.is_dir():
        raise ConfigError(directory, None, "", "not a directory of call scripts")
    paths = sorted(p for p in directory.iterdir() if p.suffix in _SUFFIXES and p.is_file())
    return ScriptBook.of(load_script(path) for path in paths)


def load_script(path: Path) -> Script:
    """One script file; the script is named after the file."""
    data, lines = load_yaml(path)
    return parse_script(data, name=path.stem, path=path, lines=lines)


def parse_script(
    data: Any, *, name: str, path: Path | None = None, lines: LineMap | None = None
) -> Script:
    """Validate already-parsed script data (a file's, or one built in a test)."""
    where = path if path is not None else Path(f"<{name}>")
    lines = lines if lines is not None else {}
    header = validate(ScriptFile, data, path=where, lines=lines)
    steps = {key: _step(key, raw, where, lines) for key, raw in header.steps.items()}
    script = Script(
        name=name,
        start=header.start,
        steps=steps,
        title=header.title or name.replace("_", " ").capitalize(),
        objections=dict(header.objections),
        fallbacks=dict(header.fallbacks),
        queues=header.queues,
        campaigns=header.campaigns,
        default=header.default,
        source=Source(where, lines),
    )
    check_script(script)
    return script


def _step(name: str, raw: dict[str, Any], path: Path, lines: LineMap) -> AnyStep:
    prefix = ("steps", name)
    if name == RESUME:
        raise _error(path, lines, prefix,
                     f"{RESUME!r} is reserved for returning from an objection")
    model = _model(raw, path, lines, prefix)
    _known_fields(model, raw, path, lines, prefix)
    step: AnyStep = validate(model, raw, path=path, lines=lines, prefix=prefix)
    return step


def _model(raw: dict[str, Any], path: Path, lines: LineMap, prefix: tuple[str, str]) -> type[Any]:
    """The model a step's ``type`` (and a question's ``kind``) names."""
    kind = raw.get("type")
    model = STEP_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        use = f"use one of {', '.join(STEP_TYPES)}"
        reason = f"missing; {use}" if kind is None else f"unknown step type {kind!r}; {use}"
        raise _error(path, lines, (*prefix, "type"), reason)
    if model is Question:
        kind = raw.get("kind")
        model = QUESTION_TYPES.get(kind) if isinstance(kind, str) else None
        if model is None:
            use = f"use one of {', '.join(QUESTION_TYPES)}"
            reason = f"missing; {use}" if kind is None else f"unknown question kind {kind!r}; {use}"
            raise _error(path, lines, (*prefix, "kind"), reason)
    return model


def _known_fields(model: type[Any], raw: dict[str, Any], path: Path, lines: LineMap,
                  prefix: tuple[str, str]) -> None:
    """Name a misspelt field before pydantic reports the field it hides as missing."""
    fields = set(model.model_fields)
    for key in raw:
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(sorted(fields))}"
            raise _error(path, lines, (*prefix, str(key)), f"unknown field {key!r}; {hint}")


def _error(path: Path, lines: LineMap, key: tuple[str, ...], reason: str) -> ConfigError:
    return ConfigError(path, line_of(lines, key), ".".join(key), reason)
