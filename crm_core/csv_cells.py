"""What one CSV cell may say, both ways: yes/no spellings, control characters, and
the quote an export puts before a cell a spreadsheet would run as a formula.

Export and import must agree on the escaping, so both halves live here. The rule is
OWASP's for CSV injection (https://owasp.org/www-community/attacks/CSV_Injection): a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
with a single quote in front, so that a spreadsheet shows it as text instead of
evaluating it (``=cmd|' /C calc'!A0`` would start a program). A plain number
(``+15550001001``, ``-3``) is left as it is: it cannot hold a formula, and an E.164
phone number stays E.164 for the dialers and tools that read an export. An import
takes that one quote off again, so an export imports back as it was.
"""

from __future__ import annotations

import re

#: the first characters that make a spreadsheet evaluate a cell (OWASP)
FORMULA_STARTS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
#: C0 control characters and DEL, but tab, line feed and carriage return, which a
#: quoted field may hold; PostgreSQL cannot store a NUL at all
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

#: the spellings a yes/no column accepts, in any case; an empty cell says nothing
YES = ("yes", "true", "y", "1")
NO = ("no", "false", "n", "0")
_FLAG = {**dict.fromkeys(YES, True), **dict.fromkeys(NO, False)}
_SPELLINGS = ", ".join((*YES, *NO))

#: how much of a value a reason quotes: a reason is one short line, whatever the value
SHOWN = 40


def escape(value: str) -> str:
    """The cell to write for ``value``: quoted against formula injection when needed."""
    if _formula_after_quotes(value) and (value[:1] == "'" or not _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value  # quotes already there get one more: the import strips one
    return value


def _formula_after_quotes(value: str) -> bool:
    """Whether ``value``, past any leading quotes, starts as a spreadsheet formula."""
    first = value.lstrip("'")[:1]
    return first != "" and first in FORMULA_STARTS


def unescape(cell: str) -> str:
    """A cell's value, stripped, without the one quote ``escape`` put before a formula start."""
    value = cell.strip()
    if value[:1] == "'" and _formula_after_quotes(value):
        return value[1:].strip()
    return value


def control_character(value: str) -> str | None:
    """The first control character in ``value`` as ``U+0000``, or None when it has none."""
    found = _CONTROL.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def flag(column: str, value: str) -> bool | None:
    """A yes/no cell: True, False, or None for an empty one; ValueError for anything else.

    Anything else (``maybe``, ``x``, a tick) is refused, never read as "no": on a
    do-not-call column that would make a number callable that someone meant to bar.
    """
    if not value:
        return None
    try:
        return _FLAG[value.lower()]
    except KeyError:
        raise ValueError(f"{column} {shown(value)} is not one of {_SPELLINGS} "
                         "(or empty)") from None


def shown(value: str) -> str:
    """``value`` quoted for a reason, cut to ``SHOWN`` characters."""
    if len(value) <= SHOWN:
        return repr(value)
    return f"{value[:SHOWN]!r}... ({len(value):,} characters)"
