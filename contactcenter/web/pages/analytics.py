"""The managers' analytics pages: ``/analytics`` (the contact center's history, forecast
and staffing) and ``/analytics/customers`` (RFM segments; lifetime value and churn once
they are scored).

Theory of operation. Each page is a shell: the pickers, an empty canvas and table
per figure, and the definition of every figure (``analytics_figures``, the docs'
own texts). Its script (``static/analytics.js``, ``static/analytics_customers.js``)
reads the JSON routes the figures come from, draws the charts with Chart.js (the
``charts.js`` bundle ``make dashboards`` builds) and fills the tables from the same
rows, so a chart, its table and its CSV (the same route with ``format=csv``) show
one set of figures. Who may open them: ``call_history`` read for the first (managers,
supervisors, admins), ``analytics`` read for the second; agents get the forbidden page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp import web

from contactcenter.web.pages.analytics_figures import (
    CALL_FIGURES,
    RFM_FIGURES,
    SCORE_FIGURES,
    STAFFING_FIGURES,
)
from contactcenter.web.pages.metrics import Metric
from contactcenter.web.pages.render import Markup, fill, join, page, tag
from contactcenter.web.pages.views import _config, _who, csrf_for, nav
from crm_core.metrics.buckets import INTERVALS
from crm_core.metrics.calls_history import GROUPINGS
from crm_core.rfm import SEGMENTS

#: the history a page opens on: the last four weeks, day by day
DEFAULT_DAYS = 28
DEFAULT_INTERVAL = "day"
#: the charts of /analytics: (figure, kind, unit); the table shows every figure
CALL_CHARTS = (("offered", "bar", "calls"), ("service_level", "line", "share"),
               ("asa", "line", "seconds"), ("aht", "line", "seconds"),
               ("abandon_rate", "line", "share"), ("occupancy", "line", "share"),
               ("fcr", "line", "share"))
#: the exports of the scored tables, as Parquet (``analytics_export``)
PARQUET = {"rfm": "/api/v1/analytics/export/rfm.parquet",
           "scores": "/api/v1/analytics/export/scores.parquet"}


def definitions(figures: tuple[Metric, ...], prefix: str) -> Markup:
    """A definition list's items, one per figure, each with an id a chart can point to."""
    return join(Markup(tag("dt", m.label, id=f"{prefix}-{m.key}") + tag("dd", m.definition))
                for m in figures)


def _options(choices: tuple[str, ...], chosen: str) -> Markup:
    return join(tag("option", choice, value=choice, selected=choice == chosen)
                for choice in choices)


def _labels(figures: tuple[Metric, ...]) -> dict[str, dict[str, str]]:
    return {m.key: {"label": m.label, "definition": m.definition} for m in figures}


async def calls_page(request: web.Request) -> web.Response:
    """The contact center's history by interval and queue (or agent), and one day's staffing."""
    today = dt.datetime.now(dt.UTC).date()
    start = today - dt.timedelta(days=DEFAULT_DAYS - 1)
    queues = sorted(_config(request)["queues"])
    data = _who(request) | {
        "from": start.isoformat(), "to": (today + dt.timedelta(days=1)).isoformat(),
        "day": today.isoformat(), "interval": DEFAULT_INTERVAL, "by": "queue",
        "queues": queues, "charts": [list(chart) for chart in CALL_CHARTS],
        "figures": _labels(CALL_FIGURES), "staffing_figures": _labels(STAFFING_FIGURES)}
    queue_options = join([tag("option", "all queues", value=""),
                          *(tag("option", name, value=name) for name in queues)])
    main = fill("analytics.html", start=data["from"], end=data["to"], day=data["day"],
                intervals=_options(tuple(INTERVALS), DEFAULT_INTERVAL),
                groupings=_options(GROUPINGS, "queue"), queues=queue_options,
                call_definitions=definitions(CALL_FIGURES, "def"),
                staffing_definitions=definitions(STAFFING_FIGURES, "def-staffing"))
    return page(title="Contact center analytics", body_class="analytics", main=main,
                script="analytics.js", data=data, nav=nav(request, "/analytics"),
                csrf=csrf_for(request))


def _segments() -> list[dict[str, Any]]:
    return [{"name": rule.name, "r": list(rule.r), "f": list(rule.f), "meaning": rule.meaning}
            for rule in SEGMENTS]


async def customers_page(request: web.Request) -> web.Response:
    """RFM segment sizes and the last run; lifetime value and churn when they are scored."""
    data = _who(request) | {"segments": _segments(), "parquet": PARQUET}
    main = fill("analytics_customers.html", rfm_definitions=definitions(RFM_FIGURES, "def"),
                score_definitions=definitions(SCORE_FIGURES, "def-scores"),
                rfm_parquet=PARQUET["rfm"], scores_parquet=PARQUET["scores"])
    return page(title="Customer analytics", body_class="analytics", main=main,
                script="analytics_customers.js", data=data,
                nav=nav(request, "/analytics/customers"), csrf=csrf_for(request))
