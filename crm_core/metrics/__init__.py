"""The CRM metrics of sales, marketing and service, each one aggregate query.

Every metric is ``async def name(session, period) -> figure`` where the figure
is JSON-ready: counts are ints, ratios and averages floats (None when there is
nothing to divide by or average), money a string with two decimals ("1234.50")
so that no amount is rounded through a float. The registry below names them
for ``GET /api/v1/metrics/{area}?from=&to=``; each function's docstring is the
metric's definition, the same text as ``docs/crm-metrics.md``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.metrics import marketing, sales, service
from crm_core.metrics.period import Period

MetricFunction = Callable[[AsyncSession, Period], Awaitable[object]]

#: the areas, in the order a report shows them
AREAS = ("sales", "marketing", "service")


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    area: str
    compute: MetricFunction

    @property
    def definition(self) -> str:
        """The metric's one written definition: its function's docstring."""
        return " ".join((inspect.getdoc(self.compute) or "").split())


def _build() -> dict[str, Metric]:
    registry: dict[str, Metric] = {}
    for area, module in (("sales", sales), ("marketing", marketing), ("service", service)):
        for function in module.METRICS:
            if function.__name__ in registry:
                raise RuntimeError(f"two metrics are named {function.__name__}")
            registry[function.__name__] = Metric(function.__name__, area, function)
    return registry


#: every metric by name, areas in order and each area's metrics in report order
REGISTRY: dict[str, Metric] = _build()


def metrics_of(area: str) -> list[Metric]:
    """The area's metrics in report order; KeyError for an unknown area."""
    if area not in AREAS:
        raise KeyError(area)
    return [metric for metric in REGISTRY.values() if metric.area == area]


async def compute_area(session: AsyncSession, area: str, period: Period) -> dict[str, object]:
    """Every metric of ``area`` over ``period``, by name (one query after another:
    a session runs one statement at a time)."""
    return {metric.name: await metric.compute(session, period) for metric in metrics_of(area)}


__all__ = ["AREAS", "REGISTRY", "Metric", "MetricFunction", "Period", "compute_area",
           "metrics_of"]
