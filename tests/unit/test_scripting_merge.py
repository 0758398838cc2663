"""Merge fields: filled from CRM data, with fallbacks, never crashing, never escaping."""

from __future__ import annotations

import datetime as dt

import pytest

from contactcenter.scripting.conditions import Case
from contactcenter.scripting.merge import fields_in, render

DATA = {
    "contact": {"first_name": "Ada", "vip": True, "score": 12.0, "ratio": 0.25,
                "phones": ["+15550001001", "+15550001002"], "since": dt.date(2020, 5, 1),
                "empty": "", "address": {"city": "London"}},
    "account": {"name": "Lovelace <Engines> & Co"},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello {{ contact.first_name }}!", "Hello Ada!"),
        ("Hello {{contact.first_name}}!", "Hello Ada!"),
        ("VIP: {{ contact.vip }}", "VIP: yes"),
        ("{{ contact.score }} / {{ contact.ratio }}", "12 / 0.25"),
        ("{{ contact.phones }}", "+15550001001, +15550001002"),
        ("{{ contact.phones.1 }}", "+15550001002"),
        ("{{ contact.since }}", "2020-05-01"),
        ("{{ contact.address.city }}", "London"),
        ("{{ account.name }}", "Lovelace <Engines> & Co"),  # plain text: the page escapes
        ("Hi {{ contact.last_name }}.", "Hi ."),
        ("Hi {{ contact.last_name | default(\"friend\") }}.", "Hi friend."),
        ("Hi {{ contact.last_name | default('friend') }}.", "Hi friend."),
        ("{{ contact.empty | default(none) }}", "none"),
        ("{{ contact.address }}", ""),  # a mapping has no text
        ("{{ contact.first_name.x }}", ""),  # through a text: missing
        ("{{ contact.phones.9 }}", ""),
        ("{{ call.queue }}", ""),  # a whole root missing
        ("no fields at all", "no fields at all"),
    ],
)
def test_render(template: str, expected: str) -> None:
    assert render(template, DATA) == expected


def test_fallbacks_come_after_the_inline_default() -> None:
    fallbacks = {"contact.last_name": "Smith"}
    assert render("{{ contact.last_name }}", DATA, fallbacks) == "Smith"
    assert render('{{ contact.last_name | default("X") }}', DATA, fallbacks) == "X"
    assert render("{{ contact.first_name }}", DATA, fallbacks) == "Ada"


def test_fields_in() -> None:
    fields = fields_in('Hi {{ contact.first_name | default("you") }}, {{ answers.plan }}')
    assert [(f.name, f.root, f.fallback) for f in fields] == [
        ("contact.first_name", "contact", "you"), ("answers.plan", "answers", None)]


@pytest.mark.parametrize("template", ["{{ contact.first_name }", "{{ }}", "x }} y",
                                      "{{ contact first }}", "{{ a.b | upper }}"])
def test_malformed_fields(template: str) -> None:
    with pytest.raises(ValueError, match="malformed merge field"):
        fields_in(template)


@pytest.mark.parametrize(
    ("case", "value", "holds"),
    [
        ({"equals": True}, True, True),
        ({"equals": True}, "yes", True),
        ({"equals": True}, "No", False),
        ({"equals": True}, None, False),
        ({"equals": 5}, "5.0", True),
        ({"equals": 5}, True, False),
        ({"equals": "Gold"}, "gold", True),
        ({"in": ["gold", "platinum"]}, "Platinum", True),
        ({"in": ["gold", "platinum"]}, "silver", False),
        ({"greater_than": 100}, 150, True),
        ({"greater_than": 100}, "99", False),
        ({"greater_than": 100}, "lots", False),
        ({"less_than": 100}, 99.5, True),
        ({"greater_than": dt.date(2026, 1, 1)}, "2026-02-01", True),
        ({"less_than": "2026-01-01"}, dt.date(2025, 12, 31), True),
        ({"exists": True}, "x", True),
        ({"exists": True}, "", False),
        ({"exists": False}, None, True),
        ({"exists": False}, 0, False),
    ],
)
def test_case_tests(case: dict[str, object], value: object, holds: bool) -> None:
    model = Case.model_validate({"field": "contact.x", "goto": "next", **case})
    assert model.holds(value) is holds
