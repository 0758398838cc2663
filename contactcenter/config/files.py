"""YAML config files whose errors name the file, the line and the field.

PyYAML's composer keeps a mark (line, column) on every node; we walk the node
tree once and remember the line of every key path, so that a pydantic
validation error on ``menus.main.options.2.target`` can be reported as
``config/ivr/main.yaml:14: menus.main.options.2.target: ...``.

A value may come from outside the file, so that secrets need not be written in it:
``!env NAME`` reads an environment variable, ``!file PATH`` a file (its last line end
dropped; a relative path is relative to the YAML file's folder), as Docker and
Kubernetes hand secrets over. A missing or empty one is an error at that line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

KeyPath = tuple[str | int, ...]
LineMap = dict[KeyPath, int]
ModelT = TypeVar("ModelT", bound=BaseModel)


class ConfigError(Exception):
    """A config file is wrong; says where and why, so that a person can fix it."""

    def __init__(self, path: Path | str, line: int | None, field: str, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {field or '(top level)'}: {reason}")


class _SafeLineLoader(yaml.SafeLoader):
    """A safe loader; we only add line bookkeeping and the two references on top of it."""


@dataclass(frozen=True, slots=True)
class _Reference:
    """A value to read at load: an environment variable or a file."""

    tag: str
    target: str
    line: int


def _reference(loader: yaml.SafeLoader, node: yaml.Node) -> _Reference:
    if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
        raise yaml.constructor.ConstructorError(
            None, None, f"{node.tag} takes a name (e.g. {node.tag} CC_ADMIN_PASSWORD)",
            node.start_mark)
    return _Reference(node.tag, str(loader.construct_scalar(node)).strip(),
                      node.start_mark.line + 1)


_SafeLineLoader.add_constructor("!env", _reference)
_SafeLineLoader.add_constructor("!file", _reference)


def _read_reference(ref: _Reference, path: Path, environ: Mapping[str, str]) -> str:
    """The value a reference names; raises ValueError with the reason if there is none."""
    if ref.tag == "!env":
        if ref.target not in environ:
            raise ValueError(f"environment variable {ref.target} is not set")
        if not environ[ref.target]:
            raise ValueError(f"environment variable {ref.target} is empty")
        return environ[ref.target]
    source = path.parent / Path(ref.target).expanduser()
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise ValueError(f"cannot read {source}: {reason}") from None
    value = text.removesuffix("\n").removesuffix("\r")
    if not value:
        raise ValueError(f"{source} is empty")
    return value


def _resolve(data: Any, at: KeyPath, path: Path, environ: Mapping[str, str]) -> Any:
    """``data`` with every reference replaced by what it names."""
    if isinstance(data, _Reference):
        try:
            return _read_reference(data, path, environ)
        except ValueError as exc:
            raise ConfigError(path, data.line, ".".join(map(str, at)), str(exc)) from None
    if isinstance(data, dict):
        return {key: _resolve(value, (*at, str(key)), path, environ)
                for key, value in data.items()}
    if isinstance(data, list):
        return [_resolve(item, (*at, index), path, environ) for index, item in enumerate(data)]
    return data


class _Duplicate(Exception):
    def __init__(self, at: KeyPath, line: int, first: int) -> None:
        super().__init__(f"{str(at[-1])!r} is already defined on line {first} (one of the "
                         "two would be dropped without a word)")
        self.at, self.line = at, line


def _identity(key: yaml.Node) -> str:
    """What a key becomes once read, as text: ``1``, ``01`` and ``"1"`` are one key to a
    loader that reads keys as text (a menu's options), ``~`` and ``null`` one too."""
    if isinstance(key, yaml.ScalarNode) and key.style is None:
        try:
            return str(yaml.safe_load(key.value))
        except yaml.YAMLError:
            pass
    return str(key.value)


def _walk(node: yaml.Node, path: KeyPath, lines: LineMap) -> None:
    """Remember the line of every key path; a key given twice in one mapping is an error
    (YAML would keep the last one, and a node or a queue would vanish unseen)."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            same = _identity(key_node)
            if same in seen and key_node.tag != "tag:yaml.org,2002:merge":
                raise _Duplicate((*path, key), line, seen[same])
            seen[same] = line
            child = (*path, key)
            _walk(value_node, child, lines)
            lines[child] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def load_yaml(path: Path, environ: Mapping[str, str] | None = None) -> tuple[Any, LineMap]:
    """Parse a YAML file; return its data, references read (from ``environ``, by default
    the process's), and the line of every key path."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, None, "", f"cannot read: {exc.strerror}") from exc
    try:
        node = yaml.compose(text, Loader=_SafeLineLoader)
        data = yaml.load(text, Loader=_SafeLineLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise ConfigError(path, line, "", f"not valid YAML: {exc.problem}") from exc
    lines: LineMap = {}
    if node is not None:
        try:
            _walk(node, (), lines)
        except _Duplicate as twice:
            raise ConfigError(path, twice.line, ".".join(map(str, twice.at)),
                              str(twice)) from None
    return _resolve(data, (), path, os.environ if environ is None else environ), lines


def line_of(lines: LineMap, key_path: KeyPath) -> int | None:
    """The line of the deepest known prefix of ``key_path``."""
    for end in range(len(key_path), -1, -1):
        line = lines.get(tuple(key_path[:end]))
        if line is not None:
            return line
    return None


def _pydantic_field(loc: tuple[Any, ...]) -> KeyPath:
    # pydantic adds tags for discriminated unions ("queue", "function-after[...]")
    # that are not keys in the file; keep only parts that are.
    return tuple(part for part in loc if isinstance(part, int | str) and "[" not in str(part))


def validate(
    model: type[ModelT],
    data: Any,
    *,
    path: Path,
    lines: LineMap,
    prefix: KeyPath = (),
    context: Mapping[str, Any] | None = None,
) -> ModelT:
    """Validate ``data`` with ``model``; turn the first error into a ConfigError."""
    try:
        return model.model_validate(data if data is not None else {}, context=context)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = (*prefix, *_pydantic_field(tuple(error["loc"])))
        lines_loc = [p for p in loc if not (isinstance(p, str) and p not in _known_keys(lines))]
        field = ".".join(str(part) for part in loc)
        raise ConfigError(path, line_of(lines, tuple(lines_loc)), field, error["msg"]) from exc


def _known_keys(lines: LineMap) -> set[str | int]:
    return {part for key in lines for part in key}


def load_model(path: Path, model: type[ModelT], **kwargs: Any) -> ModelT:
    """Read and validate one YAML file in one step."""
    data, lines = load_yaml(path)
    return validate(model, data, path=path, lines=lines, **kwargs)
