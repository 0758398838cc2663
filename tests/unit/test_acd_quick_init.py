"""The core's commands keep every promise of a frozen, keyword-only dataclass with the
faster ``__init__`` of ``contactcenter.acd.quick``."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from contactcenter.acd import AgentId, CallId
from contactcenter.acd.commands import OfferCall, Report
from contactcenter.acd.quick import quick_init


def test_a_command_is_built_by_keyword_and_equal_by_value() -> None:
    offer = OfferCall(call_id=CallId("c1"), agent=AgentId("a1"), ring_timeout=15.0)
    assert offer == OfferCall(call_id=CallId("c1"), agent=AgentId("a1"), ring_timeout=15.0)
    assert hash(offer) == hash(OfferCall(call_id=CallId("c1"), agent=AgentId("a1"),
                                         ring_timeout=15.0))
    assert repr(offer) == "OfferCall(call_id='c1', agent='a1', ring_timeout=15.0)"
    assert pickle.loads(pickle.dumps(offer)) == offer


def test_a_command_cannot_be_changed_or_built_half() -> None:
    offer = OfferCall(call_id=CallId("c1"), agent=AgentId("a1"), ring_timeout=15.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        offer.agent = AgentId("a2")  # type: ignore[misc]
    with pytest.raises(TypeError, match="ring_timeout"):
        OfferCall(call_id=CallId("c1"), agent=AgentId("a1"))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        OfferCall("c1", "a1", 15.0)  # type: ignore[misc]


def test_a_default_factory_gives_each_command_its_own_value() -> None:
    first, second = Report(type="queue.stats"), Report(type="queue.stats")
    assert first.data == {} and first.data is not second.data
    assert Report(type="x", data={"a": 1}).data == {"a": 1}


def test_only_slotted_keyword_only_dataclasses_qualify() -> None:
    class Plain:
        __slots__ = ("a",)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Positional:
        a: int

    with pytest.raises(TypeError, match="slotted dataclass"):
        quick_init(Plain)
    with pytest.raises(TypeError, match="keyword-only"):
        quick_init(Positional)
