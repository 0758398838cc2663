"""A what-if's figures as flat rows (CSV, a JSON table) and as a table for a person.

One row per half hour, then the day's (``start`` = ``day``). Each simulated figure has
its mean over the replications and, as ``<figure>_sd``, its standard deviation; the
models' figures follow with their name in front (``erlang_a_service_level``...).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

from contactcenter.telephony.sim.whatif import Outcome, Prediction, WhatIf

SIMULATED = ("offered", "answered", "abandoned", "service_level", "asa", "occupancy")
MODELS = {"erlang_a": ("service_level", "abandon_rate", "asa", "occupancy"),
          "erlang_c": ("service_level", "asa", "occupancy")}
COLUMNS = ("start", "end", "calls", "agents",
           *(f"{name}{part}" for name in SIMULATED for part in ("", "_sd")),
           *(f"{model}_{name}" for model, names in MODELS.items() for name in names))


def _row(start: str, end: str, outcome: Outcome) -> dict[str, Any]:
    row: dict[str, Any] = {"start": start, "end": end, "calls": outcome.calls,
                           "agents": outcome.agents}
    for name in SIMULATED:
        spread = outcome.simulated[name]
        row[name], row[f"{name}_sd"] = spread.mean, spread.sd
    for model, names in MODELS.items():
        prediction: Prediction | None = getattr(outcome, model)
        for name in names:
            row[f"{model}_{name}"] = None if prediction is None else getattr(prediction, name)
    return row


def rows(result: WhatIf, day: dt.date, slot_seconds: float = 1800.0) -> list[dict[str, Any]]:
    """Each half hour (UTC), then the whole day."""
    first = dt.datetime.combine(day, dt.time(0), dt.UTC)
    out = []
    for index, outcome in enumerate(result.slots):
        start = first + dt.timedelta(seconds=index * slot_seconds)
        end = start + dt.timedelta(seconds=slot_seconds)
        out.append(_row(start.isoformat(), end.isoformat(), outcome))
    after = first + dt.timedelta(seconds=len(result.slots) * slot_seconds)
    out.append(_row(day.isoformat(), after.isoformat(), result.day))
    return out


def as_csv(table: list[dict[str, Any]]) -> str:
    """The rows as CSV, empty cells where a figure has no value."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table:
        writer.writerow({k: "" if v is None else (repr(v) if isinstance(v, float) else v)
                         for k, v in row.items()})
    return buffer.getvalue()


def _percent(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1%}"


def _seconds(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1f}"


def _spread(value: float | None, sd: float | None, show: Any) -> str:
    return show(value) if sd is None else f"{show(value)}±{show(sd).rstrip('%')}"


_HEADER = (f"{'slot':<11} {'calls':>6} {'agents':>6} {'offered':>8} {'answered':>8} "
           f"{'abandon':>7} {'SL sim':>13} {'SL A':>6} {'SL C':>6} {'ASA sim':>11} "
           f"{'ASA A':>6} {'occ sim':>13} {'occ A':>6}")


def as_table(table: list[dict[str, Any]]) -> str:
    """The rows for a terminal: one line a half hour with calls forecast, then the day."""
    lines = [_HEADER]
    for row in table:
        if not row["calls"] and row is not table[-1]:
            continue  # nothing forecast, nobody called: a line of dashes says nothing
        slot = (f"{row['start'][11:16]}-{row['end'][11:16]}" if "T" in row["start"]
                else "day")
        lines.append(
            f"{slot:<11} {row['calls']:>6.1f} {row['agents']:>6.3g} {row['offered']:>8.1f} "
            f"{row['answered']:>8.1f} {row['abandoned']:>7.1f} "
            f"{_spread(row['service_level'], row['service_level_sd'], _percent):>13} "
            f"{_percent(row['erlang_a_service_level']):>6} "
            f"{_percent(row['erlang_c_service_level']):>6} "
            f"{_spread(row['asa'], row['asa_sd'], _seconds):>11} "
            f"{_seconds(row['erlang_a_asa']):>6} "
            f"{_spread(row['occupancy'], row['occupancy_sd'], _percent):>13} "
            f"{_percent(row['erlang_a_occupancy']):>6}")
    return "\n".join(lines) + "\n"
