"""The analytical CRM benchmark's figures as tables: per engine, per phase, and the aim.

A phase's CPU columns come from the parent's samples of the measured process and of
the PostgreSQL server (every 0.1 s), so they are good to about 0.1 s; peak memory is the
largest sample within the phase, and the process's own ``ru_maxrss`` over its life.
"""

from __future__ import annotations

from typing import Any

from crm_analytics_proc import Sampler

MIB = 1 << 20
AIM_SECONDS = 300
AIM_BYTES = 4 << 30
#: phases that are not part of the total (set-up and the probes after the runs)
UNCOUNTED = ("warm-up (not counted)", "probes (not counted)", "scores (all phases)",
             "scores: import (not counted)")


def phase_rows(result: dict[str, Any], sampler: Sampler) -> list[dict[str, Any]]:
    rows = []
    for phase in result["phases"]:
        rss, server_private, server_largest = sampler.peaks(phase["start"], phase["end"])
        python_cpu, server_cpu = sampler.cpu_between(phase["start"], phase["end"])
        rows.append({"phase": phase["name"], "seconds": phase["seconds"],
                     "python_cpu_s": python_cpu, "server_cpu_s": server_cpu,
                     "peak_rss_mib": rss / MIB, "server_private_mib": server_private / MIB,
                     "server_largest_mib": server_largest / MIB})
    return rows


def summary(engine: str, result: dict[str, Any], rows: list[dict[str, Any]],
            sampler: Sampler) -> dict[str, Any]:
    counted = [row for row in rows if row["phase"] not in UNCOUNTED]
    total = sum(row["seconds"] for row in counted)
    start = min(p["start"] for p in result["phases"] if p["name"] not in UNCOUNTED)
    end = max(p["end"] for p in result["phases"] if p["name"] not in UNCOUNTED)
    rss, server_private, server_largest = sampler.peaks(start, end)
    peak = result["ru_maxrss_kib"] * 1024
    memory = peak + (server_private if engine == "postgresql" else 0)
    return {"engine": engine, "total_s": total, "ru_maxrss_mib": peak / MIB,
            "sampled_peak_mib": rss / MIB, "server_private_mib": server_private / MIB,
            "server_largest_mib": server_largest / MIB, "memory_mib": memory / MIB,
            "time_ok": total < AIM_SECONDS, "memory_ok": memory < AIM_BYTES}


def _cell(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:,.{digits}f}"


def phase_table(engine: str, rows: list[dict[str, Any]]) -> str:
    server = engine == "postgresql"
    head = ("| phase | seconds | Python CPU s | " + ("server CPU s | " if server else "")
            + "peak RSS of Python, MiB | " + ("server private, MiB |" if server else ""))
    lines = [head, "|" + " --- |" * (head.count("|") - 1)]
    for row in rows:
        cells = [row["phase"], _cell(row["seconds"]), _cell(row["python_cpu_s"])]
        if server:
            cells.append(_cell(row["server_cpu_s"]))
        cells.append(_cell(row["peak_rss_mib"], 0))
        if server:
            cells.append(_cell(row["server_private_mib"], 0))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def probe_table(result: dict[str, Any]) -> str:
    lines = ["| select | in the database alone, s | read into numpy through SQLAlchemy, s |",
             "| --- | --- | --- |"]
    for probe in result["probes"]:
        lines.append(f"| {probe['statement']} | {_cell(probe['database_s'], 2)} | "
                     f"{_cell(probe['through_python_s'], 2) or 'not read'} |")
    return "\n".join(lines)


def aim_table(summaries: list[dict[str, Any]]) -> str:
    lines = [("| engine | RFM + scores, s | peak RSS of Python (ru_maxrss), MiB | "
              "server private peak, MiB | under 5 min | under 4 GiB |"),
             "| --- | --- | --- | --- | --- | --- |"]
    for s in summaries:
        server = _cell(s["server_private_mib"], 0) if s["engine"] == "postgresql" else "n/a"
        lines.append(f"| {s['engine']} | {_cell(s['total_s'])} | {_cell(s['ru_maxrss_mib'], 0)}"
                     f" | {server} | {'yes' if s['time_ok'] else 'no'} | "
                     f"{'yes' if s['memory_ok'] else 'no'} |")
    return "\n".join(lines)
