"""``contactcenter analytics clv``: fit the lifetime-value models on a transactions CSV,
print them, and write each customer's scores (docs/analytics.md). ``contactcenter
analytics whatif``: run a queue's forecast day on the simulator with a staffing to try
(docs/simulation.md).

The scores are written to a temporary file beside ``--out`` and moved into place only
when complete, so that a failed run leaves nothing, not half a file, behind.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import math
import os
import re
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np
from sqlalchemy.exc import SQLAlchemyError

from contactcenter.analytics.errors import AnalyticsError, TransactionsError
from contactcenter.analytics.summary import DAYS_PER_UNIT, summarize
from contactcenter.analytics.transactions import Columns, read_transactions
from crm_core.csv_cells import escape

if TYPE_CHECKING:  # the models load scipy, which parsing the options does not need
    from contactcenter.analytics.value import Scores
    from crm_core.metrics.call_staffing import Target
    from crm_core.metrics.call_whatif import Override

CLV_EPILOG = """\
the file: a header line naming its columns, one purchase a row; purchases of a
customer on the same day count as one. dates are YYYY-MM-DD (a time of day may
follow) unless --date-format gives another, e.g. %%d/%%m/%%Y; amounts are plain
numbers, 0 or more.
the scores (one row per customer): customer, x (repeat purchases), t_x (first to
last purchase), T (first purchase to the end), monetary (mean repeat spend),
expected_purchases and clv over the horizon, p_alive, expected_spend (per purchase).
exit status: 0 done, 1 the file cannot be read or has bad rows (each named as
file:line: reason; nothing is written), 2 bad options, 3 too little data for the
models or a fit that does not converge"""
#: the most agents a half hour may be given, as on the route
MAX_AGENTS = 5_000
SCORE_COLUMNS = ("customer", "x", "t_x", "T", "monetary", "expected_purchases", "p_alive",
                 "expected_spend", "clv")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``analytics``'s analyses and their options, on the ``analytics`` parser."""
    analyses = parser.add_subparsers(dest="analysis", required=True)
    clv = analyses.add_parser(
        "clv", help="customer lifetime value (BG/NBD and Gamma-Gamma) from transactions",
        epilog=CLV_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    clv.add_argument("--transactions", type=Path, required=True, help="the CSV file")
    clv.add_argument("--customer-column", default="customer")
    clv.add_argument("--date-column", default="date")
    clv.add_argument("--amount-column", default="amount")
    clv.add_argument("--date-format", help="a strptime format (default: ISO 8601)")
    clv.add_argument("--end", type=_day,
                     help="the last day observed, YYYY-MM-DD; later rows are left out "
                          "(default: the last transaction's day)")
    clv.add_argument("--unit", choices=sorted(DAYS_PER_UNIT), default="weeks",
                     help="the time unit of t_x, T and the horizon")
    clv.add_argument("--horizon", type=float, default=39.0, help="in --unit; default 39")
    clv.add_argument("--discount", type=float, default=0.01,
                     help="monthly discount rate for the CLV; default 0.01")
    clv.add_argument("--out", type=Path, default=Path("scores.csv"),
                     help="where the scores go; default scores.csv")
    _add_whatif_arguments(analyses)


WHATIF_EPILOG = """\
the day's calls per half hour are forecast from the queue's weeks before it, with the
handle time and patience of the same weeks, as the staffing plan has them; the
agents are the plan's (Erlang A's, or Erlang C's with --base erlang_c) changed by
each --agents-delta: FROM-TO:+N or FROM-TO:-N (agents more or fewer), FROM-TO:=N
(exactly N), half hours in UTC, the end excluded, e.g. 12:00-14:00:-2.
each half hour: offered, answered, abandoned, service level (answered within
--sl-seconds over offered less short abandons), ASA and occupancy, as mean and
standard deviation over the replications, beside Erlang A's and C's figures.
exit status: 0 done, 1 the CRM cannot answer (unknown queue, no history before the
day), 2 bad options or configuration"""


def _add_whatif_arguments(analyses: argparse._SubParsersAction[argparse.ArgumentParser],
                          ) -> None:
    whatif = analyses.add_parser(
        "whatif", help="a queue's forecast day run on the simulator with a staffing to try",
        epilog=WHATIF_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    whatif.add_argument("--config", type=Path, default=Path("config/demo.yaml"))
    whatif.add_argument("--date", type=_ymd, required=True,
                        help="the day (UTC), YYYY-MM-DD")
    whatif.add_argument("--queue", required=True)
    whatif.add_argument("--agents-delta", action="append", default=[],
                        help="FROM-TO:+N, FROM-TO:-N or FROM-TO:=N; repeat for more")
    whatif.add_argument("--base", choices=("erlang_a", "erlang_c"),
                        help="whose agents per half hour to start from (default: Erlang "
                             "A's, Erlang C's when the history has no abandons)")
    whatif.add_argument("--replications", type=int, default=5)
    whatif.add_argument("--seed", type=int, default=1)
    whatif.add_argument("--format", choices=("table", "csv"), default="table")
    whatif.add_argument("--sl-seconds", type=float, default=20.0)
    whatif.add_argument("--target", type=float, default=0.8,
                        help="the plan's service-level target, a share below 1")
    whatif.add_argument("--short-abandon", type=float, default=5.0)
    whatif.add_argument("--weeks", type=int, default=8, help="weeks of history, 2 to 26")
    whatif.add_argument("--patience", type=float,
                        help="callers' mean patience, s (default: from the history)")


def _check_whatif_ranges(args: argparse.Namespace) -> None:
    """The what-if's numeric options within their ranges; ``WhatIfInput`` naming one not."""
    from crm_core.metrics.call_whatif import WhatIfInput

    if not 1 <= args.replications <= 1000:
        raise WhatIfInput("--replications", "1 to 1000")
    if not 0 <= args.seed <= 2**31 - 1:  # Random(-1) draws what Random(1) draws
        raise WhatIfInput("--seed", "0 to 2,147,483,647")
    if not 2 <= args.weeks <= 26:
        raise WhatIfInput("--weeks", "2 to 26")
    if args.patience is not None and not 1 <= args.patience <= 86_400:
        raise WhatIfInput("--patience", "1 to 86,400 seconds")


def whatif_command(args: argparse.Namespace, out: TextIO) -> int:
    """The what-if of ``args``; the exit status of its epilog."""
    from contactcenter.config.files import ConfigError
    from contactcenter.config.settings import load_settings
    from crm_core.metrics.call_staffing import Target
    from crm_core.metrics.call_whatif import WhatIfInput, parse_override

    try:
        overrides = [parse_override(text) for text in args.agents_delta]
        _check_whatif_ranges(args)
        target = Target(level=args.target, within=args.sl_seconds,
                        short_abandon=args.short_abandon)
        settings = load_settings(args.config)
    except (ValueError, ConfigError) as error:
        print(f"analytics whatif: {error}", file=sys.stderr)
        return 2
    try:
        table, heading = asyncio.run(_whatif(args, settings.database, target, overrides))
    except WhatIfInput as error:  # an option's (--...) fault is a bad option, else the CRM's
        print(f"analytics whatif: {error}", file=sys.stderr)
        return 2 if error.field.startswith("--") else 1
    except ValueError as error:  # more calls than the simulator's cap
        print(f"analytics whatif: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:  # no CRM there (not migrated, not reachable)
        reason = error.args[0] if error.args else error
        print(f"analytics whatif: the CRM database cannot be read ({reason}); "
              "`contactcenter db migrate` makes its tables, `db seed` the demo's",
              file=sys.stderr)
        return 1
    from contactcenter.telephony.sim.whatif_report import as_csv, as_table

    out.write(as_csv(table) if args.format == "csv" else heading + as_table(table))
    return 0


async def _whatif(args: argparse.Namespace, database: str, target: Target,
                  overrides: list[Override]) -> tuple[list[dict[str, Any]], str]:
    """Read the day's inputs from the CRM, run the day: its rows, and a heading that
    says what was run."""
    from contactcenter.telephony.sim.whatif import Day, run_whatif
    from contactcenter.telephony.sim.whatif_report import rows
    from crm_core.db import make_engine, sessions
    from crm_core.metrics.call_whatif import (
        base_of,
        check_agents,
        day_inputs,
        planned_agents,
        staffing,
    )

    engine = make_engine(database)
    try:
        async with sessions(engine)() as session:
            inputs = await day_inputs(session, args.date, args.queue,
                                      today=datetime.now(UTC).date(), target=target,
                                      weeks=args.weeks, patience=args.patience)
    finally:
        await engine.dispose()
    base = base_of(inputs.slots, args.base)
    agents = staffing(planned_agents(inputs.slots, base), overrides)
    check_agents(agents, MAX_AGENTS, "--agents-delta")  # each agent is simulated
    day = Day(calls=tuple(inputs.calls), agents=tuple(agents), aht=inputs.target.aht,
              patience=inputs.target.patience, sl_seconds=args.sl_seconds,
              short_abandon=args.short_abandon)
    result = run_whatif(day, replications=args.replications, seed=args.seed)
    found, period = inputs.found, inputs.history
    heading = (f"{args.queue} on {args.date}: forecast from {found.offered:,} calls "
               f"{period.start:%Y-%m-%d} to {period.end:%Y-%m-%d}; AHT {day.aht:.0f} s, "
               f"patience {'-' if day.patience is None else f'{day.patience:.0f} s'}\n"
               f"agents: {base}'s plan{''.join(f', {o}' for o in args.agents_delta)}; "
               f"{result.replications} replications from seed {result.seed}, "
               f"{result.simulated_calls:,} calls simulated; figures: mean±sd\n")
    return rows(result, args.date), heading


def _ymd(text: str) -> date:
    """An option's day as YYYY-MM-DD only: date.fromisoformat also takes 20261123 and
    2026-W48-1 (Python 3.11), which the help does not promise."""
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _day(text: str) -> np.datetime64:
    """An option's ISO date (numpy alone would take "2014" for 2014-01-01)."""
    try:
        return np.datetime64(date.fromisoformat(text), "D")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def analytics_command(args: argparse.Namespace, out: TextIO) -> int:
    """Run the analysis ``args`` names; the exit status of its epilog."""
    if args.analysis == "whatif":
        return whatif_command(args, out)
    from contactcenter.analytics.value import MAX_HORIZON_DAYS

    longest = MAX_HORIZON_DAYS / DAYS_PER_UNIT[args.unit]
    if not 0 < args.horizon <= longest or not 0 <= args.discount < math.inf:
        print(f"analytics clv: --horizon must be positive and at most a century "
              f"({longest:g} {args.unit}), and --discount 0 or more", file=sys.stderr)
        return 2
    columns = Columns(customer=args.customer_column, date=args.date_column,
                      amount=args.amount_column)
    try:
        rows = read_transactions(args.transactions, columns, date_format=args.date_format)
    except TransactionsError as error:
        print(error, file=sys.stderr)
        return 1
    from contactcenter.analytics.value import score

    try:
        summary = summarize(rows.customers, rows.days, rows.amounts, end=args.end,
                            unit=args.unit)
        scores = score(summary, horizon=args.horizon, discount=args.discount)
    except AnalyticsError as error:
        print(f"analytics clv: {error}", file=sys.stderr)
        return 3
    try:
        _write(scores, args.out)
    except OSError as error:
        print(f"analytics clv: cannot write {args.out}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    _report(scores, args.transactions, len(rows.amounts), out)
    print(f"scores of {len(summary):,} customers written to {args.out}", file=out)
    return 0


def _report(scores: Scores, path: Path, transactions: int, out: TextIO) -> None:
    """The fitted models and the totals they predict, for a person to read."""
    summary, bg, gg = scores.summary, scores.bgnbd, scores.gamma_gamma
    repeat = summary.repeat_buyers
    x, spent = summary.x[repeat], summary.monetary[repeat]
    # undefined (not a warning and nan) when every repeat buyer bought as often or spent alike
    correlation = (f"{np.corrcoef(x, spent)[0, 1]:.2f}" if x.std() > 0 and spent.std() > 0
                   else "undefined")
    print(f"{path}: {transactions:,} transactions of {len(summary):,} customers up to "
          f"{summary.end}; times in {summary.unit}", file=out)
    print(f"BG/NBD on {bg.customers:,} customers ({bg.repeat_buyers:,} repeat buyers): "
          f"r {bg.r:.4g}, alpha {bg.alpha:.4g}, a {bg.a:.4g}, b {bg.b:.4g}; "
          f"log-likelihood {bg.log_likelihood:.1f}", file=out)
    print(f"Gamma-Gamma on {gg.customers:,} repeat buyers: p {gg.p:.4g}, q {gg.q:.4g}, "
          f"gamma {gg.gamma:.4g}; log-likelihood {gg.log_likelihood:.1f}; mean spend per "
          f"purchase {gg.mean_spend:.2f}; correlation of spend with repeat purchases "
          f"{correlation} (the model assumes none)", file=out)
    print(f"over {scores.horizon:g} {summary.unit}: {scores.expected_purchases.sum():,.1f} "
          f"purchases expected, CLV {scores.clv.sum():,.2f} in all at "
          f"{scores.discount:.2%} a month; {int((scores.p_alive < 0.5).sum()):,} customers "
          "more likely gone than alive", file=out)


def _write(scores: Scores, path: Path) -> None:
    """Write the scores to ``path`` whole or not at all."""
    summary = scores.summary
    columns = (
        (escape(str(customer)) for customer in summary.customers),
        (str(int(x)) for x in summary.x),
        *((f"{value:.4f}" for value in array) for array in (summary.t_x, summary.T,
                                                            summary.monetary)),
        (f"{value:.6f}" for value in scores.expected_purchases),
        (f"{value:.6f}" for value in scores.p_alive),
        *((f"{value:.4f}" for value in array) for array in (scores.expected_spend,
                                                            scores.clv)),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with temporary.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(SCORE_COLUMNS)
            writer.writerows(zip(*columns, strict=True))
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
