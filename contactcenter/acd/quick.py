"""A faster ``__init__`` for the frozen, slotted command classes the core makes by the
thousand.

A frozen dataclass fills each field through ``object.__setattr__`` (its own
``__setattr__`` refuses), looked up by name on every call; that made building
the five or so commands of one routing decision about a sixth of the
decision's time at 10,000 agents (``bench/bench_acd_core.py``). The slots'
own descriptors set the same fields without the name lookup, in a third of
the time. Everything else stays the dataclass's: keyword-only arguments,
defaults, ``FrozenInstanceError`` on assignment, equality, hashing, repr.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any, TypeVar

T = TypeVar("T")

_MISSING = object()


def quick_init(cls: type[T]) -> type[T]:
    """Replace the ``__init__`` of a frozen, slotted, keyword-only dataclass (no
    ``__post_init__``) by one that sets the slots through their descriptors."""
    if not dataclasses.is_dataclass(cls) or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: not a slotted dataclass")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: __post_init__ is not supported")
    namespace: dict[str, Any] = {"_MISSING": _MISSING}
    arguments, lines = [], []
    for field in dataclasses.fields(cls):
        if not field.kw_only:
            raise TypeError(f"{cls.__name__}.{field.name}: not keyword-only")
        name = field.name
        namespace[f"_set_{name}"] = cls.__dict__[name].__set__
        if field.default is not dataclasses.MISSING:
            namespace[f"_default_{name}"] = field.default
            arguments.append(f"{name}=_default_{name}")
        elif field.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{name}"] = field.default_factory
            arguments.append(f"{name}=_MISSING")
            lines.append(f"if {name} is _MISSING: {name} = _factory_{name}()")
        else:
            arguments.append(name)
        lines.append(f"_set_{name}(self, {name})")
    source = f"def __init__(self, *, {', '.join(arguments)}):\n    " + "\n    ".join(lines)
    exec(source, namespace)  # noqa: S102 - made from the class's own field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    init.__signature__ = inspect.signature(cls.__init__)  # what help() shows: the defaults
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
