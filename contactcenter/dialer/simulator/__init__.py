"""The outbound campaign simulator: a day of a campaign in virtual time, any pacer.

Use::

    from contactcenter.dialer.simulator import Cell, simulate

    cell = Cell(human=0.2, agents=20, hours=8.0)
    result = simulate(cell, seed=1, strategy="progressive")
    result.talk_minutes_per_agent_hour, result.abandoned_rate, result.worst_24h
    simulate(cell, 1, "power", power_ratio=3.0)  # any Campaign field overrides
    simulate(cell, 1, "adapt_average")  # VICIdial's ADAPT_AVERAGE (adapt.py)
    simulate(cell, 1, "oracle")  # the bound: every person answers as an agent frees

``strategy`` is a name in ``pacing.PACERS`` (the campaigns' pacers: a pacer
registered there, such as ``predictive``, runs here as it is) or in ``BASELINES``
(pacers kept for comparison only), or ``oracle``. The same (cell, seed) gives every
mode the same records in the same order (``world.py``), so that modes compare on
common random numbers. The core is driven only through its documented events and
commands (``docs/dialer.md``, ``run.py``), with the law's abandon budget fed from an
``AbandonLedger`` at the campaign's ``target`` (3 % by default). ``MODES`` are the
benchmark's modes by name (``bench/bench_dialer_pacing.py``).
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import fields
from fractions import Fraction
from typing import Any

from contactcenter.dialer.pacing import PACERS, Pacer
from contactcenter.dialer.simulator.adapt import BASELINES, AdaptAverage
from contactcenter.dialer.simulator.metrics import Result
from contactcenter.dialer.simulator.oracle import oracle
from contactcenter.dialer.simulator.run import Day, SimulationError, Watch
from contactcenter.dialer.simulator.world import Cell, World
from contactcenter.dialer.states import Campaign

__all__ = ["BASELINES", "EXTRA_MODES", "MODES", "AdaptAverage", "Cell", "Result", "SimulationError",
           "World", "modes", "simulate"]

CALLER_ID = "+15550000000"


def simulate(cell: Cell, seed: int, strategy: str = "progressive", *,
             target: Fraction | float = Fraction(3, 100), mode: str | None = None,
             watch: Watch | None = None, ledger: str = "settled", **campaign: Any) -> Result:
    """One day of ``cell`` on ``seed`` paced by ``strategy``; ``campaign``: fields of
    ``Campaign`` (``power_ratio``, ``max_lines``, ``ring_timeout``, ``machine``...).
    Lines default to eight per agent, so that the pacer, not the trunk, sets the pace.
    ``mode`` names the result (the strategy's name by default); ``watch(now, command)``
    sees every command the core gives; ``ledger``: when the law's ledger is fed
    (``settled``: as docs/dialer.md says and the engine does; ``outcome``: at each
    dial's end, as the engine did before, see ``run.py``)."""
    world = World(cell, seed)
    settings = {"max_lines": max(10, 8 * cell.agents), **campaign}
    unknown = set(settings) - {f.name for f in fields(Campaign)}
    if unknown:
        raise TypeError(f"not campaign settings: {', '.join(sorted(unknown))}")
    name = mode or strategy
    if strategy == "oracle":
        return oracle(world, ring_timeout=float(settings.get("ring_timeout", 20.0)))
    setup = Campaign(name="sim", caller_id=CALLER_ID, strategy=strategy, **settings)
    return Day(world, setup, _pacer(setup), mode=name, target=target, watch=watch,
               ledger=ledger).run()


def _pacer(campaign: Campaign) -> Pacer:
    _register_predictive()
    if campaign.strategy in PACERS:
        return PACERS[campaign.strategy](campaign)
    if campaign.strategy in BASELINES:
        return BASELINES[campaign.strategy](campaign)
    known = sorted({*PACERS, *BASELINES, "oracle"})
    raise ValueError(f"no pacer {campaign.strategy!r} (known: {', '.join(known)})")


def _register_predictive() -> None:
    """The model-based pacer registers itself in ``PACERS`` when its module is imported;
    import it when it is there, so that the simulator and the benchmark see it."""
    if "predictive" not in PACERS and importlib.util.find_spec(
            "contactcenter.dialer.predictive") is not None:
        importlib.import_module("contactcenter.dialer.predictive")


#: the benchmark's modes: name -> (strategy, Campaign overrides)
MODES: dict[str, tuple[str, dict[str, Any]]] = {
    "progressive": ("progressive", {}),
    "power 2:1": ("power", {"power_ratio": 2.0}),
    "power 3:1": ("power", {"power_ratio": 3.0}),
    "adapt_average": ("adapt_average", {}),
    "oracle": ("oracle", {}),
}


#: modes run only when asked for by name: ADAPT_AVERAGE as VICIdial runs it, with no
#: cap from the law's budget (a ledger at 99 %: its own halving of the dial level over
#: 3 % of the day's answers is all that holds it)
EXTRA_MODES: dict[str, tuple[str, dict[str, Any]]] = {
    "adapt_average uncapped": ("adapt_average", {"target": Fraction(99, 100)}),
}


def modes(*, extra: bool = False) -> dict[str, tuple[str, dict[str, Any]]]:
    """``MODES``, and ``predictive`` once it is registered in ``PACERS``; with ``extra``,
    the ``EXTRA_MODES`` too."""
    _register_predictive()
    found = dict(MODES) | (EXTRA_MODES if extra else {})
    if "predictive" in PACERS:
        found["predictive"] = ("predictive", {})
    return found
