"""Merge fields: ``{{ contact.first_name }}`` in a script's text, filled from CRM data.

A merge field is a dotted path under a known root (``ROOTS``); an optional
``| default("...")`` gives the text to show when the value is missing. The
rendered text is plain text: escaping it is the page's job, so a customer
named ``<b>`` reads as such. Rendering never fails: a missing or odd value
renders as the fallback, else as nothing, because an agent mid-call needs the
rest of the sentence more than an error.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: the roots a merge field or a branch condition may start with: the screen-pop's
#: contact, account and next best offer, the call, the agent, and the answers so far
ROOTS = frozenset({"contact", "account", "offer", "call", "agent", "answers"})

_PATH = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*"
#: a dotted path as written in a condition's ``field`` or a ``fallbacks`` key
PATH_PATTERN = rf"^{_PATH}$"
_FIELD = re.compile(
    r"\{\{\s*(?P<path>" + _PATH + r")\s*"
    r"(?:\|\s*default\(\s*(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>[^\s\"'()]+))"
    r"\s*\)\s*)?\}\}"
)


@dataclass(frozen=True, slots=True)
class MergeField:
    """One ``{{ path | default("fallback") }}`` in a template."""

    path: tuple[str, ...]
    fallback: str | None = None

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def root(self) -> str:
        return self.path[0]


def _parsed(match: re.Match[str]) -> MergeField:
    fallback = next((text for text in match.group("dq", "sq", "bare") if text is not None), None)
    return MergeField(tuple(match.group("path").split(".")), fallback)


def fields_in(template: str) -> list[MergeField]:
    """The merge fields of a template; ValueError if a ``{{ ... }}`` is malformed."""
    matches = list(_FIELD.finditer(template))
    covered = [match.span() for match in matches]
    for marker in ("{{", "}}"):
        at = template.find(marker)
        while at >= 0:
            if not any(begin <= at < end for begin, end in covered):
                near = template[at : at + 40].split("\n")[0]
                raise ValueError(
                    f"malformed merge field {near!r}; write {{{{ contact.first_name }}}} "
                    f'or {{{{ contact.first_name | default("there") }}}}'
                )
            at = template.find(marker, at + 2)
    return [_parsed(match) for match in matches]


def lookup(data: Mapping[str, object], path: Sequence[str]) -> object | None:
    """The value at a dotted path through mappings (and lists, by index); None if absent."""
    value: object = data
    for part in path:
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list | tuple) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
        if value is None:
            return None
    return value


def as_text(value: object) -> str | None:
    """A value as the agent should read it; None when there is nothing to read."""
    text: str | None
    if value is None or isinstance(value, Mapping):
        text = None
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, float):
        text = None if not math.isfinite(value) else _number(value)
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        parts = [as_text(item) for item in value]
        text = ", ".join(part for part in parts if part)
    else:
        text = str(value)
    return text if text else None


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else str(value)


def render(
    template: str,
    data: Mapping[str, object],
    fallbacks: Mapping[str, str] | None = None,
) -> str:
    """Fill in a template: the value, else its inline default, else ``fallbacks``, else ``""``."""
    if "{{" not in template:
        return template
    fallbacks = fallbacks or {}

    def fill(match: re.Match[str]) -> str:
        field = _parsed(match)
        text = as_text(lookup(data, field.path))
        if text is not None:
            return text
        if field.fallback is not None:
            return field.fallback
        return fallbacks.get(field.name, "")

    return _FIELD.sub(fill, template)
