"""The cases of a ``branch`` step: one field, one test, one target.

A case reads a field (``answers.budget``, ``contact.vip``, ``call.queue``...)
and applies exactly one test: ``equals``, ``in``, ``greater_than``,
``less_than`` or ``exists``. CRM data comes as whatever the CRM stores, so the
tests compare the way a person would: ``equals: true`` matches ``True``,
``"yes"`` and ``"1"``; ``equals: 5`` matches ``"5.0"``; text compares without
regard to case; ``greater_than`` compares numbers, or ISO dates as text. A
missing field fails every test but ``exists: false``.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from contactcenter.scripting.merge import PATH_PATTERN, as_text

#: the tests a case may use; exactly one per case
OPERATORS = ("equals", "in", "greater_than", "less_than", "exists")

_TRUE = frozenset({"yes", "y", "true", "1", "on"})
_FALSE = frozenset({"no", "n", "false", "0", "off"})

Scalar = str | bool | int | float
#: an operator whose field has another name (``in`` is a Python keyword)
_FIELD_OF = {"in": "in_"}


def _scalar(value: Any) -> Any:
    """Dates (YAML reads ``2026-01-31`` as one) compare as ISO text."""
    return value.isoformat() if isinstance(value, dt.date) else value


Value = Annotated[Scalar, BeforeValidator(_scalar)]
Bound = Annotated[float | str, BeforeValidator(_scalar)]


def as_number(value: object) -> float | None:
    """A number from a number or numeric text; None for anything else (booleans too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def as_flag(value: object) -> bool | None:
    """True or False from a boolean, yes/no text, or 0/1; None if it is neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        folded = value.strip().casefold()
        if folded in _TRUE:
            return True
        if folded in _FALSE:
            return False
    return None


def same(actual: object, expected: object) -> bool:
    """``actual`` (CRM data or an answer) equals ``expected`` (from the script)."""
    if actual is None or expected is None:
        return actual is None and expected is None
    if isinstance(expected, bool):
        return as_flag(actual) is expected
    if isinstance(expected, int | float):
        return as_number(actual) == expected
    text = as_text(actual)
    return text is not None and text.casefold() == str(expected).casefold()


def _compare(actual: object, bound: float | str) -> int | None:
    """-1, 0 or 1 as ``actual`` is below, at or above ``bound``; None if incomparable."""
    if isinstance(bound, str):
        text = as_text(actual)
        if text is None:
            return None
        return (text > bound) - (text < bound)
    number = as_number(actual)
    if number is None:
        return None
    return (number > bound) - (number < bound)


class Case(BaseModel):
    """``{field: answers.budget, greater_than: 5000, goto: premium}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    field: Annotated[str, Field(pattern=PATH_PATTERN)]
    """The value tested: ``answers.<question>``, ``contact.<field>``, ``call.queue``..."""
    equals: Value | None = None
    in_: Annotated[tuple[Value, ...], Field(min_length=1)] | None = Field(None, alias="in")
    greater_than: Bound | None = None
    less_than: Bound | None = None
    exists: bool | None = None
    goto: Annotated[str, Field(min_length=1)]
    """The step to go to when the test holds."""

    @model_validator(mode="before")
    @classmethod
    def _one_test(cls, data: Any) -> Any:
        if isinstance(data, dict):
            tests = [name for name in OPERATORS if name in data or _FIELD_OF.get(name) in data]
            if len(tests) != 1:
                found = f"found {', '.join(tests)}" if tests else "found none"
                raise ValueError(f"a case needs exactly one of {', '.join(OPERATORS)}; {found}")
        return data

    @property
    def operator(self) -> str:
        fields = self.model_fields_set
        return next(name for name in OPERATORS if _FIELD_OF.get(name, name) in fields)

    @property
    def path(self) -> tuple[str, ...]:
        return tuple(self.field.split("."))

    def holds(self, actual: object) -> bool:
        """Whether the test holds for ``actual`` (None when the field is missing)."""
        operator = self.operator
        if operator == "exists":
            return (as_text(actual) is not None) is bool(self.exists)
        if operator == "equals":
            return same(actual, self.equals)
        if operator == "in":
            return any(same(actual, option) for option in self.in_ or ())
        bound = self.greater_than if operator == "greater_than" else self.less_than
        order = None if bound is None else _compare(actual, bound)
        if order is None:
            return False
        return order > 0 if operator == "greater_than" else order < 0

    def expected(self) -> tuple[Scalar, ...]:
        """The values ``equals`` and ``in`` expect (for the loader's cross-checks)."""
        if self.operator == "equals" and self.equals is not None:
            return (self.equals,)
        return tuple(self.in_ or ())
