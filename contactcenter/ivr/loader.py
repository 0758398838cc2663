"""Load IVR flows from ``config/ivr/*.yaml``; every error names the file, line and field.

Validation runs in three steps: the top level (``FlowFile``), each node with
the model its ``type`` names, then the checks that need the whole flow
(targets exist, menu keys are DTMF keys, a menu's phrases are its options' and
each option's own, no loop of nodes that never wait).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from contactcenter.config.files import ConfigError, LineMap, line_of, load_yaml, validate
from contactcenter.ivr.model import BACK, MENU_KEYS, NODE_TYPES, Flow, FlowFile, MenuNode, Node
from contactcenter.ivr.speech import normalize

__all__ = ["Flow", "load_flow", "load_flows", "parse_flow"]

_SUFFIXES = (".yaml", ".yml")


def load_flows(directory: Path) -> dict[str, Flow]:
    """Every flow in ``directory``, by name (the file's stem)."""
    if not directory.is_dir():
        raise ConfigError(directory, None, "", "not a directory of IVR flows")
    flows: dict[str, Flow] = {}
    for path in sorted(p for p in directory.iterdir() if p.suffix in _SUFFIXES):
        flow = load_flow(path)
        if flow.name in flows:
            raise ConfigError(path, None, "", f"a flow named {flow.name!r} is already defined")
        flows[flow.name] = flow
    return flows


def load_flow(path: Path) -> Flow:
    """One flow file; the flow is named after the file."""
    data, lines = load_yaml(path)
    return parse_flow(data, name=path.stem, path=path, lines=lines)


def parse_flow(
    data: Any, *, name: str, path: Path | None = None, lines: LineMap | None = None
) -> Flow:
    """Validate already-parsed flow data (a file's, or one built in a test)."""
    where = path if path is not None else Path(f"<{name}>")
    lines = lines if lines is not None else {}
    header = validate(FlowFile, data, path=where, lines=lines)
    nodes = {key: _node(key, raw, where, lines) for key, raw in header.nodes.items()}
    flow = Flow(
        name=name,
        start=header.start,
        nodes=nodes,
        variables=dict(header.variables),
        max_prompt_seconds=header.max_prompt_seconds,
    )
    _check(flow, where, lines)
    return flow


def _node(name: str, raw: dict[str, Any], path: Path, lines: LineMap) -> Node:
    prefix = ("nodes", name)
    if name == BACK:
        raise _error(
            path, lines, prefix, f"{BACK!r} is reserved for going back to the previous menu"
        )
    kind = raw.get("type")
    model = NODE_TYPES.get(kind) if isinstance(kind, str) else None
    if model is None:
        reason = f"unknown node type {kind!r}; use one of {', '.join(NODE_TYPES)}"
        if kind is None:
            reason = f"missing; use one of {', '.join(NODE_TYPES)}"
        raise _error(path, lines, (*prefix, "type"), reason)
    _known_fields(model, raw, path, lines, prefix)
    return validate(model, raw, path=path, lines=lines, prefix=prefix)


def _known_fields(
    model: type[Node], raw: dict[str, Any], path: Path, lines: LineMap, prefix: tuple[str, str]
) -> None:
    """Name a misspelt field before pydantic reports the field it hides as missing."""
    fields = set(model.model_fields)
    for key in raw:
        if key not in fields:
            close = difflib.get_close_matches(str(key), fields, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(sorted(fields))}"
            raise _error(path, lines, (*prefix, str(key)), f"unknown field {key!r}; {hint}")


def _check(flow: Flow, path: Path, lines: LineMap) -> None:
    """What no single node can check: the flow hangs together."""
    if flow.start not in flow.nodes:
        raise _error(path, lines, ("start",), f"no node named {flow.start!r}")
    for name, node in flow.nodes.items():
        for field, target in node.targets().items():
            if target != BACK and target not in flow.nodes:
                where = ("nodes", name, *field.split(".", 1))
                raise _error(path, lines, where, f"no node named {target!r}")
        if isinstance(node, MenuNode):
            for key in node.options:
                if key not in MENU_KEYS:
                    reason = "a menu key is one of 0-9, * or # (quote * and #)"
                    raise _error(path, lines, ("nodes", name, "options", key), reason)
            _check_say(name, node, path, lines)
    _check_loops(flow, path, lines)


def _check_say(name: str, node: MenuNode, path: Path, lines: LineMap) -> None:
    """Phrases belong to options the menu has, only with ``speech``, each to one option
    (the same words for two options could never pick either)."""
    owner: dict[tuple[str, ...], str] = {}
    for key, phrases in node.say.items():
        where = ("nodes", name, "say", key)
        if not node.speech:
            raise _error(path, lines, where, "phrases need speech: true on the menu")
        if key not in node.options:
            raise _error(path, lines, where, f"the menu has no option {key!r}")
        for index, phrase in enumerate(phrases):
            words = normalize(phrase)
            if owner.get(words, key) != key:
                reason = f"{phrase!r} is said for option {owner[words]!r} already"
                raise _error(path, lines, (*where, index), reason)
            owner[words] = key


def _check_loops(flow: Flow, path: Path, lines: LineMap) -> None:
    """Refuse a cycle of nodes that never wait (set, branch, hours): it would spin forever."""
    finished: set[str] = set()
    for name in flow.nodes:
        cycle = _find_cycle(flow, name, [], finished)
        if cycle:
            reason = f"these nodes loop without waiting for the caller: {' -> '.join(cycle)}"
            raise _error(path, lines, ("nodes", cycle[0]), reason)


def _find_cycle(flow: Flow, name: str, trail: list[str], finished: set[str]) -> list[str] | None:
    """A depth-first walk over instant nodes only; returns the first cycle found."""
    if name in finished or not flow.nodes[name].instant:
        return None
    if name in trail:
        return [*trail[trail.index(name) :], name]
    trail.append(name)
    for target in flow.nodes[name].targets().values():
        if target != BACK:
            cycle = _find_cycle(flow, target, trail, finished)
            if cycle:
                return cycle
    trail.pop()
    finished.add(name)
    return None


def _error(path: Path, lines: LineMap, key: tuple[str | int, ...], reason: str) -> ConfigError:
    return ConfigError(path, line_of(lines, key), ".".join(map(str, key)), reason)
