"""Dialer pacing in simulation: agents' talk and abandoned calls for each pacing mode.

Runs the outbound campaign simulator (``contactcenter/dialer/simulator``) over a grid of
cells, human answer rate x agents, for a shift on several seeds, in every mode:
progressive, power 2:1 and 3:1, VICIdial's ADAPT_AVERAGE, the oracle (the physical
limit: every person answers as an agent frees), and ``predictive`` once it is
registered in ``pacing.PACERS``. Each (cell, seed) is one world: every mode meets the
same records in the same order (common random numbers), so differences between modes
are the pacers'. The law's abandon budget (3 % of live answers over every rolling 24 h
and 30 days) caps every mode, through the core, as in production.

Reported per cell and mode: agent talk minutes per logged-in agent hour (mean over the
seeds), the abandoned share of live answers over the day (mean), the worst rolling 24 h
and the worst rolling hour (the worst over the seeds), and the ratios predictive/oracle
and predictive/adapt_average of the talk.

    python bench/bench_dialer_pacing.py [--rates 0.1,0.2,0.3,0.4] [--agents 5,10,20,50,100]
        [--seeds 3] [--hours 8] [--modes progressive,oracle] [--jobs 1] [--save RUNS.jsonl]
        [--write-docs [PATH]]

Figures go to stdout as Markdown; ``--write-docs`` also puts them into
docs/benchmarks.md, in the section "Dialer pacing in simulation", between markers of
this grid's own (a grid run again replaces its part; another grid adds one).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import re
import shlex
import sys
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import fmean

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from contactcenter.dialer.simulator import Cell, Result, modes, simulate

HEADING = "## Dialer pacing in simulation"
DOCS = ROOT / "docs" / "benchmarks.md"


@dataclass(frozen=True, slots=True)
class Task:
    human: float
    agents: int
    hours: float
    seed: int
    mode: str


@dataclass(frozen=True, slots=True)
class Done:
    task: Task
    result: Result
    seconds: float  #: wall time of the run, for the cost of each mode


def run(task: Task) -> Done:
    """One mode's day on one (cell, seed), in a worker."""
    strategy, settings = modes(extra=True)[task.mode]
    cell = Cell(human=task.human, agents=task.agents, hours=task.hours)
    began = time.perf_counter()
    result = simulate(cell, task.seed, strategy, mode=task.mode, **settings)
    return Done(task, result, time.perf_counter() - began)


def tasks(args: argparse.Namespace) -> list[Task]:
    """The biggest cells first, so that the pool's last minutes are not one long run."""
    grid = [Task(human, agents, args.hours, seed, mode)
            for agents in sorted(args.agents, reverse=True) for human in args.rates
            for seed in range(1, args.seeds + 1) for mode in args.modes]
    return grid


def main() -> None:
    args = parse()
    done = saved(args) if args.save else []
    finished = {item.task for item in done}
    grid = [task for task in tasks(args) if task not in finished]
    print(f"{len(grid)} runs ({len(done)} kept from {args.save}): modes "
          f"{', '.join(args.modes)}; {args.jobs} process(es)", file=sys.stderr)
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        for item in pool.imap_unordered(run, grid):
            done.append(item)
            t, r = item.task, item.result
            print(f"  {t.human:.0%} {t.agents:3d} agents seed {t.seed} {t.mode:14s} "
                  f"{r.talk_minutes_per_agent_hour:6.2f} min/h  abandoned "
                  f"{r.abandoned_rate:.2%}  ({item.seconds:.1f} s)", file=sys.stderr)
            if args.save:
                with open(args.save, "a") as out:
                    out.write(json.dumps({"task": asdict(t), "result": asdict(r),
                                            "seconds": item.seconds}) + "\n")
    markdown = report(done, args)
    print(markdown)
    if args.write_docs is not None:
        write(markdown, Path(args.write_docs), args)


def saved(args: argparse.Namespace) -> list[Done]:
    """The runs of this grid already in ``--save``'s file: a run cut short goes on."""
    path = Path(args.save)
    if not path.exists():
        return []
    wanted = set(tasks(args))
    found = []
    for line in path.read_text().splitlines():
        item = json.loads(line)
        task = Task(**item["task"])
        if task in wanted:
            found.append(Done(task, Result(**item["result"]), item["seconds"]))
    return found


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=floats, default=[0.1, 0.2, 0.3, 0.4],
                        help="human answer rates, comma-separated")
    parser.add_argument("--agents", type=ints, default=[5, 10, 20, 50, 100])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 1 to N")
    parser.add_argument("--hours", type=float, default=8.0, help="the shift")
    parser.add_argument("--modes", type=names, default=None,
                        help="a subset of the modes (default: all, predictive when there)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--save", metavar="PATH",
                        help="append each run to PATH (JSON lines); runs there are kept")
    parser.add_argument("--write-docs", nargs="?", const=str(DOCS), default=None,
                        metavar="PATH", help=f"put the section into PATH (default {DOCS})")
    args = parser.parse_args()
    known = list(modes(extra=True))
    args.modes = list(modes()) if args.modes is None else args.modes
    unknown = [mode for mode in args.modes if mode not in known]
    if unknown:
        parser.error(f"unknown modes {unknown} (known: {', '.join(known)})")
    return args


def floats(text: str) -> list[float]:
    return [float(part) for part in text.split(",")]


def ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",")]


def names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",")]


# -- the report ------------------------------------------------------------------------------

Key = tuple[float, int]


def report(done: list[Done], args: argparse.Namespace) -> str:
    by: dict[Key, dict[str, list[Done]]] = defaultdict(lambda: defaultdict(list))
    for item in done:
        by[(item.task.human, item.task.agents)][item.task.mode].append(item)
    cells = sorted(by)
    start, end = markers(args)
    lines = [
        start, f"### {title(args)}", "",
        f"Command: `{command(args)}`  ",
        (f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}; "
         f"{len(done)} runs, whose wall times add up to "
         f"{sum(item.seconds for item in done) / 60:.1f} min"), "",
        *grid_note(args), "",
        *talk_table(cells, by, args.modes), "",
        *abandon_table(cells, by, args.modes), "",
        *cost_table(done, args.modes), end]
    return "\n".join(lines) + "\n"


def title(args: argparse.Namespace) -> str:
    shown = "all modes" if args.modes == list(modes()) else ", ".join(args.modes)
    return (f"Answer rates {', '.join(f'{r:.0%}' for r in args.rates)} x agents "
            f"{', '.join(map(str, args.agents))}, {args.hours:g} h, {args.seeds} seed(s), "
            f"{shown}")


def markers(args: argparse.Namespace) -> tuple[str, str]:
    """Markers of this grid's part: a run of the same grid replaces its own part only."""
    key = re.sub(r"[^0-9a-z]+", "-", title(args).lower()).strip("-")
    return (f"<!-- bench_dialer_pacing {key}: start (generated by --write-docs) -->",
            f"<!-- bench_dialer_pacing {key}: end -->")


def command(args: argparse.Namespace) -> str:
    parts = [".venv/bin/python bench/bench_dialer_pacing.py",
             f"--rates {','.join(f'{r:g}' for r in args.rates)}",
             f"--agents {','.join(map(str, args.agents))}", f"--seeds {args.seeds}",
             f"--hours {args.hours:g}", f"--jobs {args.jobs}"]
    if args.modes != list(modes()):
        parts.append(f"--modes {shlex.quote(','.join(args.modes))}")
    return " ".join(parts)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", info).group(1)  # type: ignore[union-attr]
    except (OSError, AttributeError):
        pass
    return (f"{cpu}, {multiprocessing.cpu_count()} cores, Python "
            f"{platform.python_version()}")


def grid_note(args: argparse.Namespace) -> list[str]:
    cell = Cell()
    return [
        (f"Cells: human answer rate {', '.join(f'{r:.0%}' for r in args.rates)} x agents "
        f"{', '.join(map(str, args.agents))}; a {args.hours:g} h shift; seeds 1 to "
        f"{args.seeds}. Other shares of dials: machine {cell.machine:.0%}, busy "
        f"{cell.busy:.0%}, failed {cell.failed:.0%}, the rest ring out (20 s). Log-normal "
        f"answer delay (median {cell.answer_median:g} s), talk (median "
        f"{cell.talk_median:g} s, mean {cell.mean(cell.talk_median, cell.talk_sigma):.0f} "
        f"s) and wrap-up (median {cell.wrap_median:g} s); true machine detection; lines: "
        "8 per agent. Talk is minutes with a person per logged-in agent hour (the shift); "
        "abandoned is of live answers. The law's budget (3 %, rolling 24 h and 30 days) "
        "caps every mode but the oracle and `adapt_average uncapped` (VICIdial's own "
        "halving at 3 % of the day is all that holds it).")]


def _talk(items: list[Done]) -> float:
    return fmean(item.result.talk_minutes_per_agent_hour for item in items)


def talk_table(cells: list[Key], by: dict[Key, dict[str, list[Done]]],
               modes_: list[str]) -> list[str]:
    ratios = [(a, b) for a, b in (("predictive", "oracle"), ("predictive", "adapt_average"),
                                  ("predictive", "adapt_average uncapped"))
              if a in modes_ and b in modes_]
    head = ["answer rate", "agents", *modes_, *(f"{a}/{b}" for a, b in ratios)]
    rows = ["Talk minutes per logged-in agent hour (mean over the seeds):", "",
            "| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for key in cells:
        talks = {mode: _talk(by[key][mode]) for mode in modes_ if by[key][mode]}
        cols = [f"{talks[m]:.2f}" if m in talks else "-" for m in modes_]
        cols += [f"{talks[a] / talks[b]:.3f}" if a in talks and talks.get(b) else "-"
                 for a, b in ratios]
        rows.append(f"| {key[0]:.0%} | {key[1]} | " + " | ".join(cols) + " |")
    return rows


def abandon_table(cells: list[Key], by: dict[Key, dict[str, list[Done]]],
                  modes_: list[str]) -> list[str]:
    shown = [mode for mode in modes_ if mode != "oracle"]
    rows = [("Abandoned share of live answers, % (the day's mean over the seeds / the worst "
            "rolling 24 h / the worst rolling hour, both the worst over the seeds):"), "",
            "| answer rate | agents | " + " | ".join(shown) + " |",
            "|" + " --- |" * (len(shown) + 2)]
    for key in cells:
        cols = []
        for mode in shown:
            items = by[key][mode]
            if not items:
                cols.append("-")
                continue
            day = fmean(i.result.abandoned_rate for i in items)
            day24 = max(i.result.worst_24h for i in items)
            hour = max(i.result.worst_hour for i in items)
            cols.append(f"{100 * day:.2f} / {100 * day24:.2f} / {100 * hour:.2f}")
        rows.append(f"| {key[0]:.0%} | {key[1]} | " + " | ".join(cols) + " |")
    return rows


def cost_table(done: list[Done], modes_: list[str]) -> list[str]:
    rows = ["Cost of a run (wall seconds, mean over the grid; calls into the core):", "",
            "| mode | seconds per run | calls into the core per run | dials per run |",
            "| --- | --- | --- | --- |"]
    for mode in modes_:
        items = [item for item in done if item.task.mode == mode]
        if items:
            rows.append(f"| {mode} | {fmean(i.seconds for i in items):.1f} | "
                        f"{fmean(i.result.events for i in items):,.0f} | "
                        f"{fmean(i.result.dials for i in items):,.0f} |")
    return rows


def write(markdown: str, path: Path, args: argparse.Namespace) -> None:
    """Put the grid's part between its markers, else at the end of the section (the
    section's heading added at the end of the page the first time)."""
    start, end = markers(args)
    page = path.read_text() if path.exists() else ""
    found = re.compile(re.escape(start) + r".*?" + re.escape(end) + r"\n?", re.DOTALL)
    if found.search(page):
        page = found.sub(lambda _: markdown, page)
    else:
        if HEADING not in page:
            page = page.rstrip("\n") + f"\n\n{HEADING}\n"
        at = page.find("\n## ", page.index(HEADING) + len(HEADING))
        at = len(page) if at < 0 else at + 1
        page = page[:at].rstrip("\n") + "\n\n" + markdown + "\n" + page[at:]
    path.write_text(page.rstrip("\n") + "\n")
    print(f"written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
