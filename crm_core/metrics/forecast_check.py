"""Generated call histories with a known weekly pattern, and the held-out check of the
forecast on them: ``python -m crm_core.metrics.forecast_check``.

The planted history is what a contact center looks like: weekdays busier than the
weekend, a morning and an afternoon peak, nights near zero, a level that grows (or
shrinks) by a fixed share a week, and Poisson noise on every half hour's count.
The tests plant it too (``tests/unit/test_forecast_calls.py``); ``docs/call-history.md``
quotes this command's output.
"""

from __future__ import annotations

import argparse

import numpy as np

from crm_core.metrics.call_forecast import WEEK, Backtest, backtest

#: relative busyness of Monday ... Sunday
_WEEKDAYS = np.array([1.25, 1.1, 1.0, 1.0, 0.95, 0.45, 0.25])


def _day_shape() -> np.ndarray:
    """48 half hours: a morning peak near 10:00, an afternoon one near 14:30, quiet nights."""
    hours = (np.arange(48) + 0.5) / 2
    morning = np.exp(-0.5 * ((hours - 10.0) / 1.5) ** 2)
    afternoon = 0.8 * np.exp(-0.5 * ((hours - 14.5) / 2.0) ** 2)
    return 0.03 + morning + afternoon


def weekly_rates(calls_per_week: float) -> np.ndarray:
    """The expected calls of each of a week's 336 half hours, Monday 00:00 first."""
    shape = np.outer(_WEEKDAYS, _day_shape()).ravel()
    rates: np.ndarray = calls_per_week * shape / shape.sum()
    return rates


def planted_history(weeks: int, calls_per_week: float = 5000.0, growth: float = 0.02,
                    seed: int = 1) -> np.ndarray:
    """``weeks`` weeks of half-hourly Poisson counts around ``weekly_rates``, the level
    multiplied by ``1 + growth`` each week (a trend), from a fixed seed."""
    rng = np.random.default_rng(seed)
    slots = np.arange(weeks * WEEK)
    level = (1.0 + growth) ** (slots / WEEK)
    rates = np.tile(weekly_rates(calls_per_week), weeks) * level
    return rng.poisson(rates).astype(float)


def _line(name: str, result: Backtest) -> str:
    model, base = result.model, result.baseline
    return (f"{name:<34} model MAE {model.mae:6.2f} WAPE {model.wape:6.1%} | "
            f"seasonal naive MAE {base.mae:6.2f} WAPE {base.wape:6.1%}")


def main(argv: list[str] | None = None) -> None:
    """Print the model's and the baseline's held-out errors on several planted histories."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=12, help="weeks of history generated")
    parser.add_argument("--held-out", type=int, default=4, help="last weeks forecast")
    parser.add_argument("--seeds", type=int, default=5, help="histories per setting")
    options = parser.parse_args(argv)
    for calls, growth in ((5000.0, 0.02), (5000.0, 0.0), (1000.0, 0.02), (20000.0, -0.01)):
        for seed in range(1, options.seeds + 1):
            series = planted_history(options.weeks, calls, growth, seed)
            name = f"{calls:.0f}/week growth {growth:+.0%} seed {seed}"
            print(_line(name, backtest(series, options.held_out)))


if __name__ == "__main__":
    main()
