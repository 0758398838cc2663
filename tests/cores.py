"""Reading what a sans-I/O core answered: its commands of one kind, or the one of a kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

C = TypeVar("C")


def of(kind: type[C], out: Sequence[object]) -> list[C]:
    """The commands of ``kind`` among ``out``, in order."""
    return [c for c in out if isinstance(c, kind)]


def one(kind: type[C], out: Sequence[object]) -> C:
    """The single command of ``kind`` among ``out`` (fails, showing them all, otherwise)."""
    found = of(kind, out)
    assert len(found) == 1, (kind.__name__, out)
    return found[0]
