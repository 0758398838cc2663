"""The catalogue of domain events: every type the code publishes is in it, docs/events.md
shows it as it is, and the bus checks each event against it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from contactcenter.events.catalogue import CATALOGUE, Checker, markdown_table
from contactcenter.events.docs import EVENTS_DOC, table_in

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = ("call", "ivr", "agent", "queue", "voicemail", "callback", "screen", "script",
            "endpoint")
#: a type written where an event is made: "type": "x.y", a report's or an emit's first
#: argument, a Report(type=...)
MADE = re.compile(r"""(?:"type":\s*|_report\(\s*|emit\(\s*|_emit\(\s*|type=|kind\s*==\s*)"""
                  rf""""((?:{'|'.join(PREFIXES)})\.[a-z_.]+)\"""")


def test_every_event_type_the_code_makes_is_in_the_catalogue() -> None:
    made: dict[str, str] = {}
    for path in sorted((ROOT / "contactcenter").rglob("*.py")):
        for kind in MADE.findall(path.read_text(encoding="utf-8")):
            made.setdefault(kind, str(path.relative_to(ROOT)))
    assert len(made) > 30  # the scan finds them (a scan that found nothing proves nothing)
    missing = {kind: where for kind, where in made.items() if kind not in CATALOGUE}
    assert not missing, f"published but not in the catalogue: {missing}"


def test_docs_show_the_catalogue_as_it_is() -> None:
    assert table_in(EVENTS_DOC.read_text(encoding="utf-8")) == markdown_table(), (
        "docs/events.md is out of date: run python -m contactcenter.events")


def test_a_field_missing_or_of_the_wrong_type_is_told(caplog: pytest.LogCaptureFixture) -> None:
    checker = Checker(strict=True)
    caplog.set_level(logging.ERROR, "contactcenter.events.catalogue")
    short = {"type": "ivr.hours", "time": 1.0, "call_id": "c1", "node": "hours"}
    assert checker.admit(short)  # still sent: the news is worth more than its shape
    wrong = {**short, "open": "yes"}
    assert checker.admit(wrong)
    assert "ivr.hours without open" in caplog.text
    assert "ivr.hours.open is a str" in caplog.text
    caplog.clear()
    assert checker.admit({**short, "open": True}) and caplog.text == ""


def test_every_spec_names_its_fields_once() -> None:
    for spec in CATALOGUE.values():
        names = [item.name for item in spec.fields]
        assert len(names) == len(set(names)), spec.type
        assert spec.when and spec.type.count(".") >= 1
