"""docs/events.md's event table, made from the catalogue between two markers."""

from __future__ import annotations

from pathlib import Path

from contactcenter.events.catalogue import markdown_table

EVENTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "events.md"
START = "<!-- catalogue: start (python -m contactcenter.events writes it) -->"
END = "<!-- catalogue: end -->"


def table_in(text: str) -> str:
    """The table between the markers."""
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def with_table(text: str) -> str:
    """``text`` with the catalogue's table between the markers."""
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    return f"{before}{START}\n{markdown_table()}\n{END}{after}"
