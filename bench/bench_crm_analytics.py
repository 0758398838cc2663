"""The analytical CRM at scale: RFM, lifetime value and churn scores over a generated CRM.

For each engine, a CRM of N contacts and M orders from a buy-till-you-die process
(bench/crm_analytics_data.py) is generated once and kept under
~/.cache/contactcenter/crm-analytics/ (PostgreSQL: a database ``bench_crm_<key>``); then a
fresh process per engine (bench/crm_analytics_measure.py) recomputes the RFM scores
(``crm_core.rfm``) and the scores (``crm_core.scores.recompute_scores``), and probes where
the big selects spend their time. This process samples that one's memory and CPU, and the
PostgreSQL server's, every 0.1 s, and prints the tables. Then the CDNOW fit time.
``--probe-python`` also reads each probed select through SQLAlchemy into numpy (as the
scores do), to split the database's time from Python's; at full scale that doubles the
probes, which take minutes each.

    nice -n 5 .venv/bin/python bench/bench_crm_analytics.py            # 1M / 20M, both
    .venv/bin/python bench/bench_crm_analytics.py --contacts 20000 --orders 400000

Generating the default CRM takes a few minutes per engine, once; ``--out`` keeps the
figures (JSON) and the query plans.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from crm_analytics_cache import Dataset, postgresql_dataset, sqlite_dataset
from crm_analytics_cdnow import cdnow_fit_times
from crm_analytics_proc import Sampler, postmaster
from crm_analytics_report import aim_table, phase_rows, phase_table, probe_table, summary

HERE = Path(__file__).resolve().parent


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def measure(engine: str, url: str, out: Path,
            through_python: bool) -> tuple[dict[str, Any], Sampler]:
    """The measurement in a process of its own, sampled from here."""
    command = [sys.executable, str(HERE / "crm_analytics_measure.py"), url, str(out / "plans")]
    child = subprocess.Popen(command + (["through-python"] if through_python else []),
                             stdout=subprocess.PIPE, text=True)
    sampler = Sampler(child.pid, postmaster() if engine == "postgresql" else None)
    sampler.start()
    output, _ = child.communicate()
    sampler.stop()
    if child.returncode:
        raise SystemExit(f"the {engine} measurement failed ({child.returncode})")
    return json.loads(output.strip().splitlines()[-1]), sampler


def run_engine(engine: str, dataset: Dataset, out: Path,
               through_python: bool) -> dict[str, Any]:
    started = time.perf_counter()
    prepare = postgresql_dataset if engine == "postgresql" else sqlite_dataset
    url, marker = asyncio.run(prepare(dataset))
    ready = time.perf_counter() - started
    load_before = load()
    result, sampler = measure(engine, url, out, through_python)
    rows = phase_rows(result, sampler)
    return {"engine": engine, "url": url, "dataset": marker, "ready_s": ready,
            "load_before": load_before, "load_after": load(), "result": result,
            "rows": rows, "summary": summary(engine, result, rows, sampler)}


def print_engine(run: dict[str, Any]) -> None:
    marker, result = run["dataset"], run["result"]
    print(f"\n## {run['engine']}: {marker['contacts']:,} contacts, {marker['orders']:,} orders")
    print(f"dataset {marker['key']} ({marker['bytes'] / 2**30:.2f} GiB): drawn in "
          f"{marker['draw_s']} s, loaded in {marker['load_s']} s (when generated); ready in "
          f"{run['ready_s']:.1f} s this run; load average {run['load_before']} before, "
          f"{run['load_after']} after")
    print(f"rows of the previous run replaced: {result['rows_before']}")
    print(phase_table(run["engine"], run["rows"]))
    print()
    print(probe_table(result))
    stored = result["stored"]
    print(f"\nRFM: {stored['rfm']['customers']:,} customers; scores: "
          f"{json.dumps(stored['scores'], default=str)[:600]}")


def machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo
                if line.startswith("model name")), platform.machine())
    memory = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal"))
    return (f"{cpu}, {os.cpu_count()} cores, {memory / 2**20:.1f} GiB, Python "
            f"{platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=20_000_000)
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cdnow-runs", type=int, default=30)
    parser.add_argument("--out", type=Path, default=Path("/tmp/crm-analytics-bench"))
    parser.add_argument("--probe-python", action="store_true",
                        help="read each probed select through SQLAlchemy too (as long again)")
    args = parser.parse_args()
    dataset = Dataset(args.contacts, args.orders, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    engines = ("postgresql", "sqlite") if args.engine == "both" else (args.engine,)
    print(f"machine: {machine()}; load average at start {load()}")
    runs = [run_engine(engine, dataset, args.out, args.probe_python) for engine in engines]
    for run in runs:
        print_engine(run)
    print("\n## the aim: under 5 minutes and 4 GiB\n")
    print(aim_table([run["summary"] for run in runs]))
    cdnow = cdnow_fit_times(args.cdnow_runs)
    print(f"\nCDNOW ({cdnow['customers']:,} customers), median of {cdnow['runs']}: BG/NBD fit "
          f"{cdnow['bgnbd_median_ms']:.0f} ms (fastest {cdnow['bgnbd_min_ms']:.0f}), "
          f"Gamma-Gamma {cdnow['gamma_gamma_median_ms']:.0f} ms (fastest "
          f"{cdnow['gamma_gamma_min_ms']:.0f}); r, alpha, a, b = {cdnow['r_alpha_a_b']}")
    one = cdnow["one_blas_thread"]
    print(f"the same with BLAS on one thread: BG/NBD {one['bgnbd_median_ms']:.0f} ms (fastest "
          f"{one['bgnbd_min_ms']:.0f}), Gamma-Gamma {one['gamma_gamma_median_ms']:.0f} ms "
          f"(fastest {one['gamma_gamma_min_ms']:.0f})")
    print(f"load average at the end {load()}")
    figures = args.out / f"figures-{dataset.key}.json"
    figures.write_text(json.dumps({"runs": runs, "cdnow": cdnow, "machine": machine()},
                                  indent=1, default=str))
    print(f"figures and plans in {args.out}")


if __name__ == "__main__":
    main()
