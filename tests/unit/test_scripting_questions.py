"""Answers, kind by kind: what a question accepts, how it saves it, what it says otherwise."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from contactcenter.scripting import AnswerError
from contactcenter.scripting.questions import QUESTION_TYPES, Question

BASE = {"type": "question", "text": "?", "next": "x"}


def question(kind: str, **fields: Any) -> Question:
    return QUESTION_TYPES[kind].model_validate({**BASE, "kind": kind, **fields})


@pytest.mark.parametrize(
    ("kind", "fields", "answer", "saved"),
    [
        ("choice", {"options": ["Gold", "Silver"]}, " gold ", "Gold"),
        ("choice", {"options": ["1", "2"]}, 2, "2"),
        ("yes_no", {}, "Yes", True),
        ("yes_no", {}, False, False),
        ("yes_no", {}, "n", False),
        ("text", {}, "  hello  ", "hello"),
        ("text", {"pattern": r"\d{8}"}, "12345678", "12345678"),
        ("number", {}, "1500", 1500),
        ("number", {}, 12.5, 12.5),
        ("number", {}, "12.0", 12),
        ("number", {"min": 1, "max": 5}, 5, 5),
        ("date", {}, "2026-03-31", "2026-03-31"),
        ("date", {}, dt.date(2026, 1, 2), "2026-01-02"),
        ("date", {"min": "2026-01-01"}, "2026-01-01", "2026-01-01"),
        ("text", {"required": False}, "   ", None),
        ("number", {"required": False}, None, None),
    ],
)
def test_accepted(kind: str, fields: dict[str, Any], answer: object, saved: object) -> None:
    assert question(kind, **fields).check(answer) == saved


@pytest.mark.parametrize(
    ("kind", "fields", "answer", "reason"),
    [
        ("choice", {"options": ["Gold", "Silver"]}, "Bronze", "choose one of: Gold, Silver"),
        ("yes_no", {}, "perhaps", "answer yes or no"),
        ("yes_no", {}, 2, "answer yes or no"),
        ("text", {}, 42, "expected text"),
        ("text", {"min_length": 5}, "abc", "at least 5 characters"),
        ("text", {"max_length": 3}, "abcd", "at most 3 characters"),
        ("text", {"pattern": r"\d{8}", "pattern_hint": "eight digits"}, "1234", "eight digits"),
        ("number", {}, "12abc", "expected a number"),
        ("number", {}, float("nan"), "expected a number"),
        ("number", {}, "inf", "expected a number"),
        ("number", {"integer": True}, "2.5", "expected a whole number"),
        ("number", {"min": 1}, 0, "at least 1"),
        ("number", {"max": 2.5}, 3, "at most 2.5"),
        ("date", {}, "31/03/2026", "expected a date like 2026-03-31"),
        ("date", {}, 20260331, "expected a date like 2026-03-31"),
        ("date", {"max": "2026-12-31"}, "2027-01-01", "2026-12-31 or earlier"),
        ("date", {"min": "2026-01-01"}, "2025-12-31", "2026-01-01 or later"),
        ("text", {}, "", "an answer is needed"),
        ("choice", {"options": ["a", "b"]}, None, "an answer is needed"),
    ],
)
def test_refused(kind: str, fields: dict[str, Any], answer: object, reason: str) -> None:
    with pytest.raises(AnswerError) as info:
        question(kind, **fields).check(answer)
    assert reason in str(info.value)


def test_views_carry_the_limits() -> None:
    number = question("number", min=0, max=10, integer=True).view("budget", 3)
    assert (number.kind, number.key, number.minimum, number.maximum, number.integer,
            number.previous) == ("number", "budget", 0, 10, True, 3)
    date = question("date", min="2026-01-01").view("on", None)
    assert (date.minimum, date.maximum) == ("2026-01-01", None)
    text = question("text", max_length=80, required=False).view("note", None)
    assert text.max_length == 80 and text.required is False
