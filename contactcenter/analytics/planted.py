"""Generated campaigns and customers with known answers, for the tests and the figures of
docs/analytics-uplift.md (``python -m contactcenter.analytics.uplift_report``).

The campaign (``planted_campaign``): five features per contact, the first two flags.
Contacts with ``persuadable`` (flag 0) respond at ``base`` untreated and much more when
treated; ``sleeping dogs`` (flag 1, never both) respond less when treated (a call that
reminds them to cancel); everyone else responds at ``base`` either way. The other three
features are noise with no effect, there to be ignored. Treatment is a coin with
probability ``treated_share``, as a randomised holdout would be.

The customers (``planted_customers``): well-separated groups in RFM-like units, each a
cloud around a known centre, so that the clusters, their sizes and names are known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.analytics.uplift import UpliftSample

Ints = npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class PlantedCampaign:
    """The sample and, per row, the planted truth: 1 persuadable, -1 sleeping dog, 0 not
    moved either way."""

    sample: UpliftSample
    effect: Ints


def planted_campaign(n: int = 8000, *, seed: int = 0, treated_share: float = 0.5,
                     persuadable: float = 0.1, sleeping: float = 0.1,
                     base: float = 0.1) -> PlantedCampaign:
    """``n`` contacts; ``persuadable`` and ``sleeping`` are the planted groups' shares."""
    rng = np.random.default_rng(seed)
    group = rng.choice(3, size=n, p=[persuadable, sleeping, 1 - persuadable - sleeping])
    effect = np.select([group == 0, group == 1], [1, -1], 0).astype(np.intp)
    noise = rng.normal(size=(n, 3))
    features = np.column_stack([effect == 1, effect == -1, noise]).astype(np.float64)
    treated = rng.random(n) < treated_share
    rate = np.full(n, base)
    rate[(effect == 1) & treated] = base + 0.35
    rate[effect == -1] = base + 0.2
    rate[(effect == -1) & treated] = 0.02
    responded = rng.random(n) < rate
    return PlantedCampaign(UpliftSample(features, treated, responded), effect)


#: the planted customer groups: name, share, and centre (recency days, orders, spend,
#: calls, cases)
CUSTOMER_GROUPS: tuple[tuple[str, float, tuple[float, float, float, float, float]], ...] = (
    ("champions", 0.2, (10.0, 25.0, 5000.0, 4.0, 0.5)),
    ("occasional", 0.5, (90.0, 4.0, 400.0, 1.0, 0.2)),
    ("lapsed", 0.3, (500.0, 1.5, 150.0, 0.5, 1.5)),
)
CUSTOMER_FEATURES = ("recency_days", "orders", "spend", "calls", "cases")


def planted_customers(n: int = 1500, *, seed: int = 0) -> tuple[npt.NDArray[np.float64],
                                                                 Ints]:
    """``n`` customers around ``CUSTOMER_GROUPS``' centres (5 % spread) and each one's
    planted group (its index in ``CUSTOMER_GROUPS``)."""
    rng = np.random.default_rng(seed)
    sizes = _sizes(n, [share for _, share, _ in CUSTOMER_GROUPS])
    truth = np.repeat(np.arange(len(sizes)), sizes).astype(np.intp)
    centres = np.array([centre for _, _, centre in CUSTOMER_GROUPS])[truth]
    values = centres * (1 + 0.05 * rng.standard_normal(centres.shape))
    order = rng.permutation(len(truth))
    return np.maximum(values[order], 0.0), truth[order]


def _sizes(n: int, shares: list[float]) -> list[int]:
    """``n`` split by ``shares`` (largest remainders first, ties to the earlier group), so
    that the sizes add up to ``n``: each share rounded alone gave 4 of 3, or none of 1."""
    exact = np.asarray(shares) * n
    sizes = np.floor(exact).astype(int)
    short = n - int(sizes.sum())
    sizes[np.argsort(-(exact - sizes), kind="stable")[:short]] += 1
    return [int(size) for size in sizes]


def planted_band(n: int = 6000, *, seed: int = 0, base: float = 0.1) -> PlantedCampaign:
    """A campaign whose persuadables are a middle band of one continuous feature (|x| <
    0.4, about 31 %: say, customers neither new nor long-standing), treated at half.
    Their response rises by 0.35; nobody else's moves. No straight line in x ranks
    the middle first, which is why the default classifier is boosted trees."""
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(n, 4))
    effect = (np.abs(features[:, 0]) < 0.4).astype(np.intp)
    treated = rng.random(n) < 0.5
    rate = np.where((effect == 1) & treated, base + 0.35, base)
    return PlantedCampaign(UpliftSample(features, treated, rng.random(n) < rate), effect)
