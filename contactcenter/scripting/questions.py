"""Question steps, one model per ``kind``, and the validation of answers.

The desktop sends what a form sends (mostly text), so each question turns an
answer into its value or refuses it with a reason the agent can act on
(``AnswerError``). Only values that passed ``check`` reach the call's record:
text (choices, text, ISO dates), booleans (yes/no) and numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import abstractmethod
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from contactcenter.scripting.conditions import as_flag, as_number
from contactcenter.scripting.steps import Name, Shown, Target, Text
from contactcenter.scripting.view import AnswerValue, QuestionKind, QuestionView


class AnswerError(ValueError):
    """A bad answer; its message tells the agent what is expected instead."""


def _blank(answer: object) -> bool:
    return answer is None or (isinstance(answer, str) and not answer.strip())


def _bound(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


class Question(Shown):
    """What every question has: the answer's name, whether it is required, the next step."""

    type: Literal["question"]
    kind: QuestionKind
    save_as: Name | None = None
    """The name of the answer on the call's record; defaults to the step's name."""
    required: bool = True
    """An optional question may be passed with no answer; nothing is saved then."""
    next: Target

    def targets(self) -> dict[str, str]:
        return {"next": self.next}

    def key(self, step: str) -> str:
        """The answer's name in ``answers()``."""
        return self.save_as or step

    def check(self, answer: object) -> AnswerValue | None:
        """The answer's value, None for a skipped optional question; AnswerError if bad."""
        if _blank(answer):
            if self.required:
                raise AnswerError("an answer is needed")
            return None
        return self._value(answer)

    @abstractmethod
    def _value(self, answer: object) -> AnswerValue:
        """The checked value of a non-blank answer (each kind its own)."""

    def view(self, key: str, previous: AnswerValue | None) -> QuestionView:
        return QuestionView(kind=self.kind, key=key, required=self.required, previous=previous)


class ChoiceQuestion(Question):
    """One of a list of options."""

    kind: Literal["choice"]
    options: Annotated[tuple[Text, ...], Field(min_length=2)]

    @field_validator("options")
    @classmethod
    def _distinct(cls, options: tuple[str, ...]) -> tuple[str, ...]:
        seen: set[str] = set()
        for option in options:
            if not option.strip():
                raise ValueError("an option cannot be empty")
            if option.casefold() in seen:
                raise ValueError(f"option {option!r} is listed twice")
            seen.add(option.casefold())
        return options

    def _value(self, answer: object) -> AnswerValue:
        if isinstance(answer, str | int) and not isinstance(answer, bool):
            wanted = str(answer).strip().casefold()
            for option in self.options:
                if option.casefold() == wanted:
                    return option
        raise AnswerError(f"choose one of: {', '.join(self.options)}")

    def view(self, key: str, previous: AnswerValue | None) -> QuestionView:
        return QuestionView(kind=self.kind, key=key, required=self.required,
                            options=self.options, previous=previous)


class YesNoQuestion(Question):
    """Yes or no; saved as true or false."""

    kind: Literal["yes_no"]

    def _value(self, answer: object) -> AnswerValue:
        flag = as_flag(answer)
        if flag is None:
            raise AnswerError("answer yes or no")
        return flag


class TextQuestion(Question):
    """Free text, trimmed; ``pattern`` (a regular expression) must match all of it."""

    kind: Literal["text"]
    min_length: int = Field(1, ge=1, le=100_000)
    max_length: int = Field(2000, ge=1, le=100_000)
    pattern: str | None = None
    pattern_hint: Text | None = None
    """What ``pattern`` expects, in words, told to the agent when an answer does not match."""

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return pattern

    @model_validator(mode="after")
    def _lengths(self) -> TextQuestion:
        if self.min_length > self.max_length:
            raise ValueError(f"min_length ({self.min_length}) exceeds max_length "
                             f"({self.max_length})")
        return self

    def _value(self, answer: object) -> AnswerValue:
        if not isinstance(answer, str):
            raise AnswerError("expected text")
        text = answer.strip()
        if len(text) < self.min_length:
            raise AnswerError(f"at least {self.min_length} characters, please")
        if len(text) > self.max_length:
            raise AnswerError(f"at most {self.max_length} characters, please")
        if self.pattern is not None and re.fullmatch(self.pattern, text) is None:
            raise AnswerError(self.pattern_hint or "that does not look right for this question")
        return text

    def view(self, key: str, previous: AnswerValue | None) -> QuestionView:
        return QuestionView(kind=self.kind, key=key, required=self.required,
                            max_length=self.max_length, previous=previous)


class NumberQuestion(Question):
    """A number, within ``min`` and ``max`` (both included); ``integer`` for whole numbers."""

    kind: Literal["number"]
    min: float | None = None
    max: float | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _bounds(self) -> NumberQuestion:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({_bound(self.min)}) exceeds max ({_bound(self.max)})")
        return self

    def _value(self, answer: object) -> AnswerValue:
        number = as_number(answer)
        if number is None:
            raise AnswerError("expected a number, e.g. 1500 or 12.5")
        if self.integer and not number.is_integer():
            raise AnswerError("expected a whole number")
        if self.min is not None and number < self.min:
            raise AnswerError(f"at least {_bound(self.min)}")
        if self.max is not None and number > self.max:
            raise AnswerError(f"at most {_bound(self.max)}")
        return int(number) if number.is_integer() and abs(number) < 2**53 else number

    def view(self, key: str, previous: AnswerValue | None) -> QuestionView:
        return QuestionView(kind=self.kind, key=key, required=self.required, minimum=self.min,
                            maximum=self.max, integer=self.integer, previous=previous)


class DateQuestion(Question):
    """A calendar date, ``2026-03-31``; saved as that ISO text."""

    kind: Literal["date"]
    min: dt.date | None = None
    max: dt.date | None = None

    @model_validator(mode="after")
    def _bounds(self) -> DateQuestion:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is after max ({self.max})")
        return self

    def _value(self, answer: object) -> AnswerValue:
        day = _date(answer)
        if self.min is not None and day < self.min:
            raise AnswerError(f"{self.min.isoformat()} or later")
        if self.max is not None and day > self.max:
            raise AnswerError(f"{self.max.isoformat()} or earlier")
        return day.isoformat()

    def view(self, key: str, previous: AnswerValue | None) -> QuestionView:
        earliest = self.min.isoformat() if self.min else None
        latest = self.max.isoformat() if self.max else None
        return QuestionView(kind=self.kind, key=key, required=self.required,
                            minimum=earliest, maximum=latest, previous=previous)


def _date(answer: object) -> dt.date:
    if isinstance(answer, dt.datetime):
        return answer.date()
    if isinstance(answer, dt.date):
        return answer
    if isinstance(answer, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", answer.strip()):
        try:
            return dt.date.fromisoformat(answer.strip())
        except ValueError:
            pass
    raise AnswerError("expected a date like 2026-03-31")


#: question ``kind`` -> its model
QUESTION_TYPES: dict[str, type[Question]] = {
    "choice": ChoiceQuestion,
    "yes_no": YesNoQuestion,
    "text": TextQuestion,
    "number": NumberQuestion,
    "date": DateQuestion,
}
