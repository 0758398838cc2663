"""The Twilio webhook benchmark's figures as Markdown (to stdout), with the machine and
the commit they were measured on."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.strip()
    changed = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                             cwd=ROOT, capture_output=True, text=True, check=False).stdout.splitlines()
    if changed:  # others' edits in the shared tree were measured too
        commit += f" + {len(changed)} files changed in the working tree"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "kernel": platform.release(),
            "python": platform.python_version(), "commit": commit,
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def _spread(values: list[float]) -> str:
    """Median (min-max) of the seeds' values, in ms."""
    if len(values) == 1:
        return _ms(values[0])
    return f"{_ms(statistics.median(values))} ({_ms(min(values))}-{_ms(max(values))})"


def _trial_rows(trials: list[Any]) -> list[str]:
    rows = [("| rate/s | seed | calls | webhooks | achieved/s | p50 ms | p99 ms | max ms "
            "| errors | platform CPU (cores) | send lag p99 ms | load | p99 < 100 ms |"),
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in trials:
        cores = t.server["cpu"] / t.server["wall"]
        rows.append(f"| {t.rate:.0f} | {t.seed} | {t.calls} | {len(t.latencies)} "
                    f"| {t.achieved:.1f} | {_ms(t.p(0.5))} | {_ms(t.p(0.99))} "
                    f"| {_ms(max(t.latencies, default=None))} | {t.errors} | {cores:.2f} "
                    f"| {_ms(t.lag_p99)} | {t.load:.1f} | {'yes' if t.holds() else 'no'} |")
    return rows


def _summary(fixed: list[Any]) -> list[str]:
    rows = ["| rate/s | trials | p50 ms, median (range) | p99 ms, median (range) |",
            "| --- | --- | --- | --- |"]
    for rate in sorted({t.rate for t in fixed}):
        of = [t for t in fixed if t.rate == rate]
        rows.append(f"| {rate:.0f} | {len(of)} | {_spread([t.p(0.5) for t in of])} "
                    f"| {_spread([t.p(0.99) for t in of])} |")
    return rows


def _kinds(fixed: list[Any]) -> list[str]:
    from twilio_replay import percentile
    rows = ["| rate/s | webhook | share | p50 ms | p99 ms |", "| --- | --- | --- | --- | --- |"]
    for rate in sorted({t.rate for t in fixed}):
        pooled: dict[str, list[float]] = {}
        for t in (t for t in fixed if t.rate == rate):
            for kind, values in t.by_kind.items():
                pooled.setdefault(kind, []).extend(values)
        total = sum(len(v) for v in pooled.values())
        for kind, values in sorted(pooled.items(), key=lambda kv: -len(kv[1])):
            rows.append(f"| {rate:.0f} | {kind} | {len(values) / total:.1%} "
                        f"| {_ms(percentile(values, 0.5))} | {_ms(percentile(values, 0.99))} |")
    return rows


def _pooled(trials: list[Any]) -> tuple[dict[str, float], dict[str, int]]:
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    for t in trials:
        for key, value in t.server["seconds"].items():
            seconds[key] = seconds.get(key, 0.0) + value
        for key, value in t.server["counts"].items():
            counts[key] = counts.get(key, 0) + value
    return seconds, counts


def _phases(fixed: list[Any]) -> list[str]:
    rows = [("| rate/s | handler, per webhook | signature | translate | engine callback "
            "| answered with a document | its wait for it | then the settle "
            "| answered with none, after answer_within | REST requests per webhook, time each |"),
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for rate in sorted({t.rate for t in fixed}):
        sec, cnt = _pooled([t for t in fixed if t.rate == rate])
        hooks = cnt.get("request", 0) or 1

        def mean(key: str, per: int | None = None, sec: dict[str, float] = sec,
                 cnt: dict[str, int] = cnt) -> float:
            return sec.get(key, 0.0) / max(cnt.get(key, 0) if per is None else per, 1) * 1000

        given, none = cnt.get("held_with_document", 0), cnt.get("held_without", 0)
        settle = mean("held_with_document") - mean("to_document")
        rows.append(f"| {rate:.0f} | {mean('request'):.2f} ms | {mean('signature', hooks):.3f} ms "
                    f"| {mean('translate', hooks):.3f} ms | {mean('engine_callback', hooks):.3f} ms "
                    f"| {given / hooks:.1%} | {mean('to_document'):.2f} ms | {settle:.1f} ms "
                    f"| {none / hooks:.1%}, {mean('held_without'):.0f} ms "
                    f"| {cnt.get('rest', 0) / hooks:.2f}, {mean('rest'):.2f} ms |")
    return rows


def _stalls(fixed: list[Any]) -> list[str]:
    rows = [("| rate/s | loop stalls > 20 ms, busy: count, s | not running: count, s "
            "| longest ms | collector pauses, gen 0 / 1 / 2: count, s |"),
            "| --- | --- | --- | --- | --- |"]
    for rate in sorted({t.rate for t in fixed}):
        trials = [t for t in fixed if t.rate == rate]
        sec, cnt = _pooled(trials)
        longest = max(t.server["seconds"].get("stall_max", 0.0) for t in trials)
        gcs = " / ".join(f"{cnt.get(f'gc_gen{g}', 0)}, {sec.get(f'gc_gen{g}', 0.0):.2f}"
                         for g in range(3))
        rows.append(f"| {rate:.0f} | {cnt.get('stall_busy', 0)}, {sec.get('stall_busy', 0):.2f} "
                    f"| {cnt.get('stall_descheduled', 0)}, "
                    f"{sec.get('stall_descheduled', 0):.2f} | {longest * 1000:.0f} "
                    f"| {gcs} |")
    return rows


def _replays(fixed: list[Any]) -> list[str]:
    rows = [("| rate/s | seed | webhooks | platform on Twilio, CPU ms per webhook "
            "| engine alone, CPU ms per webhook | ratio | engine: event to command p50 / p99 ms |"),
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for t in fixed:
        if t.replay is None:
            continue
        hooks = t.server["counts"].get("request", 0) or 1
        twilio_ms, alone_ms = t.server["cpu"] / hooks, t.replay.cpu / hooks
        rows.append(f"| {t.rate:.0f} | {t.seed} | {hooks} | {twilio_ms * 1000:.2f} | {alone_ms * 1000:.2f} "
                    f"| {twilio_ms / alone_ms:.1f}x | {_ms(t.replay.reaction_p50)} / "
                    f"{_ms(t.replay.reaction_p99)} |")
    return rows


def print_report(runs: Any, elapsed: float, argv: list[str]) -> None:
    facts = machine()
    args = runs.args
    lines = [f"Command: `.venv/bin/python bench/bench_twilio_webhooks.py {' '.join(argv)}`",
             (f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; commit "
             f"{facts['commit']}; {facts['cpu']}, {facts['cores']} cores, kernel "
             f"{facts['kernel']}, Python {facts['python']}; load at the end {facts['load']}; "
             f"{elapsed:.0f} s in all"),
             (f"Settings: answer_within {args.answer_within:g} s, settle {args.settle:g} s, "
             f"quiet {'the driver default' if args.quiet is None else args.quiet}; "
             f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per trial"), "",
             "Fixed rates:", "", *_trial_rows(runs.fixed), "", *_summary(runs.fixed), "",
             "By webhook:", "", *_kinds(runs.fixed), "",
             "Where the time goes (means over the measured parts):", "",
             *_phases(runs.fixed), "", "The platform's event loop (all trials of a rate):", "",
             *_stalls(runs.fixed), ""]
    if any(t.replay for t in runs.fixed):
        lines += ["The same events into the engine alone (one row per trial):", "",
                  *_replays(runs.fixed), ""]
    if args.search:
        lines += ["Sustained rate (p99 < 100 ms):", "", *_trial_rows(runs.search + runs.confirm),
                  "", f"Sustained: {runs.sustained or 'none'} webhooks/s", ""]
    lines += [f"The platform's REST requests: {runs.api}"]
    print("\n".join(lines), flush=True)
