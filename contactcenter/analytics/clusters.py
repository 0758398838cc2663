"""Customer segments found in the data: k-means on RFM-like features, described and named.

Theory of operation: each feature (days since the last order, orders, spend, calls,
cases: all counts or amounts, never negative, with long right tails) is taken as
log(1 + value) and standardised, so that a few customers with a thousand orders do not
become clusters of their own and a day of recency weighs as much as a unit of spend
would after scaling. k-means is run for each k in ``ks`` (10 starts, seeded), and the
k with the best silhouette (mean over customers of how much nearer their own cluster
is than the next; on a seeded sample of at most ``SILHOUETTE_SAMPLE`` for speed) wins.

Why k-means rather than a Gaussian mixture: the segments are read by people, as a
centre and a size, and k-means gives exactly that with hard assignments; a mixture
fitted by likelihood on skewed data tends to spend components on the tails, and its
covariance choices are one more thing to explain. The silhouette is a criterion a
reader can check (docs/analytics-uplift.md).

Each cluster is described in the original units (its members' mean per feature, its
size and share) and named by ``name_for``: a rule over its centre against the median
customer, so the same data and seed always give the same names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.cluster import KMeans  # type: ignore[import-untyped]
from sklearn.metrics import silhouette_score  # type: ignore[import-untyped]

from contactcenter.analytics.one_thread import one_thread
from contactcenter.analytics.shortage import BadInput, TooLittleData

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
#: the k tried by default: fewer than 2 is no segmentation, more than 6 no one reads
KS = range(2, 7)
#: customers per cluster tried, at the least: fewer and a cluster is an anecdote
MIN_PER_CLUSTER = 10
SILHOUETTE_SAMPLE = 3000
#: a centre this many times the median customer's is "high", under its inverse "low"
HIGH = 2.0


@dataclass(frozen=True, slots=True)
class Cluster:
    """One segment: its name, size, share of the customers and centre (original units)."""

    name: str
    size: int
    share: float
    centre: dict[str, float]


@dataclass(frozen=True, slots=True)
class Clustering:
    """The chosen k, each k's silhouette, the clusters (largest first) and each
    customer's cluster (an index into ``clusters``)."""

    k: int
    silhouettes: dict[int, float]
    clusters: tuple[Cluster, ...]
    labels: Ints


def _scaled(values: Floats) -> Floats:
    """log(1 + value), standardised per column (a constant column stays 0)."""
    logged = np.log1p(values)
    spread = logged.std(axis=0)
    return np.asarray((logged - logged.mean(axis=0)) / np.where(spread > 0, spread, 1.0),
                      dtype=np.float64)


def _checked(values: npt.ArrayLike, names: Sequence[str], ks: Sequence[int]) -> Floats:
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != len(names):
        raise BadInput(f"the features must be a table with one column per name "
                       f"({len(names)}), not shape {x.shape}", field="features")
    if not np.isfinite(x).all() or (x < 0).any():
        raise BadInput("the features must be finite and not negative", field="features")
    if not ks or min(ks) < 2:
        raise BadInput(f"k must be 2 or more, not {list(ks)}", field="k")
    need = MIN_PER_CLUSTER * max(ks)
    if len(x) < need:
        raise TooLittleData(f"clustering into up to {max(ks)} segments needs at least "
                            f"{need} customers; found {len(x)}", field="customers")
    if len(np.unique(x, axis=0)) <= max(ks):
        raise TooLittleData(f"the customers differ too little to cluster: "
                            f"{len(np.unique(x, axis=0))} distinct rows", field="customers")
    return x


def _fit(scaled: Floats, ks: Sequence[int], seed: int) -> tuple[dict[int, float], Ints]:
    """Each k's silhouette and the labels of the best k (the smaller k on a tie)."""
    silhouettes: dict[int, float] = {}
    labels: dict[int, Ints] = {}
    sample = min(SILHOUETTE_SAMPLE, len(scaled))
    with one_thread():
        for k in ks:
            model = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(scaled)
            labels[k] = np.asarray(model.labels_, dtype=np.intp)
            silhouettes[k] = float(silhouette_score(scaled, labels[k], sample_size=sample,
                                                    random_state=seed))
    best = max(ks, key=lambda k: (round(silhouettes[k], 6), -k))
    return silhouettes, labels[best]


def cluster_customers(values: npt.ArrayLike, names: Sequence[str], *,
                      ks: Sequence[int] = KS, seed: int = 0) -> Clustering:
    """Segments of the customers (rows of ``values``, columns named by ``names``)."""
    x = _checked(values, names, ks)
    silhouettes, raw = _fit(_scaled(x), list(ks), seed)
    # number the clusters largest first (then by centre) so that the labels do not
    # depend on k-means' own arbitrary numbering
    groups = sorted(np.unique(raw), key=lambda g: (-int((raw == g).sum()),
                                                   tuple(x[raw == g].mean(axis=0))))
    labels = np.empty_like(raw)
    for index, group in enumerate(groups):
        labels[raw == group] = index
    median = dict(zip(names, np.median(x, axis=0), strict=True))
    clusters = [_describe(x[labels == index], names, median, len(x))
                for index in range(len(groups))]
    return Clustering(len(groups), silhouettes, tuple(_unique_names(clusters)), labels)


def _describe(members: Floats, names: Sequence[str], median: dict[str, float],
              total: int) -> Cluster:
    centre = {name: float(value)
              for name, value in zip(names, members.mean(axis=0), strict=True)}
    return Cluster(name_for(centre, median), len(members), len(members) / total, centre)


def _unique_names(clusters: list[Cluster]) -> list[Cluster]:
    """A second cluster of the same name gets " (2)", a third " (3)"."""
    seen: dict[str, int] = {}
    named = []
    for cluster in clusters:
        seen[cluster.name] = seen.get(cluster.name, 0) + 1
        suffix = f" ({seen[cluster.name]})" if seen[cluster.name] > 1 else ""
        named.append(Cluster(cluster.name + suffix, cluster.size, cluster.share,
                             cluster.centre))
    return named


def _level(value: float, median: float) -> int:
    """1 when ``value`` is ``HIGH`` times the median or more, -1 at its inverse or less."""
    if value >= HIGH * median and value > 0:
        return 1
    if value <= median / HIGH and median > 0:
        return -1
    return 0


def name_for(centre: dict[str, float], median: dict[str, float]) -> str:
    """The rule: recency first ("lapsed" at twice the median customer's days or more,
    "recent" at half or less), then value ("high", "mid", "low value" on spend), then
    frequency ("frequent", "infrequent" on orders), then "many cases" (twice the
    median's and at least one). Features a table lacks are left out of the name."""
    parts: list[str] = []
    words = {"recency_days": ("lapsed", "recent"), "spend": ("high value", "low value"),
             "orders": ("frequent", "infrequent")}
    for feature, (high, low) in words.items():
        if feature not in centre:
            continue
        level = _level(centre[feature], median[feature])
        if level or feature == "spend":
            parts.append(high if level > 0 else low if level < 0 else "mid value")
    if "cases" in centre and centre["cases"] >= 1 and _level(centre["cases"],
                                                              median["cases"]) > 0:
        parts.append("many cases")
    return ", ".join(parts) or "typical"


def cluster_contacts(contact_ids: npt.ArrayLike, clustering: Clustering,
                     name: str) -> list[int]:
    """The ids (rows of ``contact_ids``, as clustered) of the cluster named ``name``, in
    id order: what ``crm_uplift.add_to_campaign`` puts on a campaign's list."""
    ids = np.asarray(contact_ids, dtype=np.int64)
    if ids.shape != clustering.labels.shape:
        raise BadInput("contact_ids must have one id per clustered row", field="contact_ids")
    names = [cluster.name for cluster in clustering.clusters]
    if name not in names:
        raise BadInput(f"no cluster {name!r} (have: {', '.join(names)})", field="cluster")
    return sorted(int(contact) for contact in ids[clustering.labels == names.index(name)])
