"""The table of who may do what in ``docs/api.md`` is the permission table in
``contactcenter/web/permissions.py``, cell for cell: a change to one without the
other fails here, so the documentation cannot promise less (or more) than the code
allows."""

from __future__ import annotations

import re
from pathlib import Path

from contactcenter.web.permissions import PERMISSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
LETTERS = {"r": "read", "c": "create", "u": "update", "d": "delete"}

Table = dict[str, dict[str, frozenset[str]]]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _names(cell: str) -> list[str]:
    """``desk (a call's screen-pop, ...)``, ``contacts, accounts`` -> the resources."""
    bare = re.sub(r"\([^)]*\)", "", cell).replace("`", "")
    return [name.strip() for name in bare.split(",") if name.strip()]


def _actions(cell: str) -> frozenset[str]:
    if cell == "-":
        return frozenset()
    assert cell and set(cell) <= set(LETTERS), f"{cell!r}: letters of rcud, or -"
    return frozenset(LETTERS[letter] for letter in cell)


def documented() -> tuple[list[str], Table]:
    """The roles in the table's header, and resource -> role -> actions from its rows."""
    section = DOC.read_text(encoding="utf-8").split("## Who may do what", 1)[1]
    section = section.split("\n## ", 1)[0]
    header, _rule, *rows = [line for line in section.splitlines() if line.startswith("|")]
    first, *roles = _cells(header)
    assert first == "resource"
    table: Table = {}
    for row in rows:
        names, *grants = _cells(row)
        assert len(grants) == len(roles), row
        for name in _names(names):
            assert name not in table, f"{name} is in two rows"
            table[name] = {role: _actions(grant) for role, grant in zip(roles, grants)}
    return roles, table


def in_code() -> Table:
    resources = {name for granted in PERMISSIONS.values() for name in granted}
    return {name: {role: frozenset(PERMISSIONS[role].get(name, frozenset()))
                   for role in PERMISSIONS} for name in resources}


def test_the_documented_table_names_every_role_in_order() -> None:
    roles, _ = documented()
    assert roles == list(PERMISSIONS)


def test_the_documented_table_is_the_permission_table() -> None:
    _, table = documented()
    code = in_code()
    assert sorted(table) == sorted(code), "resources missing from the doc, or not in code"
    differences = {(name, role): (sorted(table[name][role]), sorted(code[name][role]))
                   for name in code for role in PERMISSIONS
                   if table[name][role] != code[name][role]}
    assert differences == {}, "(resource, role): (documented, in code)"


def test_agents_may_add_a_contact_and_the_doc_says_so() -> None:
    _, table = documented()
    assert table["contacts"]["agent"] == {"read", "create"}
