"""The held-out figures of affinity against popularity, on a CRM database.

    python -m contactcenter.analytics.affinity_report [--database URL] [--k 3]

Without ``--database`` it seeds a new SQLite database with the demo's synthetic company
(``--customers``, ``--seed``, ``--today``: the same company each time) and measures on
it, reading the incidence through the same query the offers use. The figures in
docs/analytics-offers.md come from this command.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from contactcenter.analytics.affinity import MIN_PAIR
from contactcenter.analytics.affinity_crm import read_incidence
from contactcenter.analytics.affinity_eval import Evaluation, evaluate
from contactcenter.analytics.errors import AnalyticsError
from crm_core.db import make_engine, migrate, sessions
from crm_core.seed import DEFAULT_CUSTOMERS, DEFAULT_SEED, seed_demo


async def measure(url: str, *, k: int, min_pair: int) -> Evaluation:
    """Read the incidence from the database at ``url`` and evaluate on it."""
    engine = make_engine(url)
    try:
        async with sessions(engine)() as session:
            data = await read_incidence(session)
    finally:
        await engine.dispose()
    return evaluate(data, k=k, min_pair=min_pair)


async def seeded(folder: Path, *, customers: int, seed: int, today: dt.date) -> str:
    """A new SQLite database holding the synthetic company; its URL."""
    url = f"sqlite+aiosqlite:///{folder / 'crm.db'}"
    engine = make_engine(url)
    try:
        await migrate(engine)
        await seed_demo(sessions(engine), customers=customers, seed=seed, today=today)
    finally:
        await engine.dispose()
    return url


def _at_least_one(option: str) -> Callable[[str], int]:
    """An option's whole number of 1 or more: a bad one is a usage error (status 2), said
    before a company is seeded, not a traceback after."""
    def parse(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or int(text) < 1:
            raise argparse.ArgumentTypeError(f"{option}: a whole number, 1 or more, not {text!r}")
        return int(text)
    return parse


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m contactcenter.analytics.affinity_report",
                                     description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database", help="a CRM database URL (default: a seeded SQLite)")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument("--k", type=_at_least_one("--k"), default=3, help="offers per customer")
    parser.add_argument("--min-pair", type=_at_least_one("--min-pair"), default=MIN_PAIR,
                        help="customers a pair needs in common to be a rule")
    return parser.parse_args(argv)


async def _run(options: argparse.Namespace) -> Evaluation:
    if options.database:
        return await measure(options.database, k=options.k, min_pair=options.min_pair)
    with tempfile.TemporaryDirectory() as folder:
        url = await seeded(Path(folder), customers=options.customers, seed=options.seed,
                           today=options.today)
        return await measure(url, k=options.k, min_pair=options.min_pair)


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    try:
        result = asyncio.run(_run(options))
    except AnalyticsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:  # not a CRM's database, or not reachable
        print(f"error: the CRM database cannot be read: {exc.args[0] if exc.args else exc}",
              file=sys.stderr)
        return 1
    print("\n".join(result.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
