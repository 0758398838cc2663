"""Customer segments on generated customers with planted groups: the groups are found
with their sizes, described in the original units and named by the rule."""

from __future__ import annotations

import numpy as np
import pytest

from contactcenter.analytics.clusters import cluster_contacts, cluster_customers, name_for
from contactcenter.analytics.planted import (
    CUSTOMER_FEATURES,
    CUSTOMER_GROUPS,
    planted_customers,
)
from contactcenter.analytics.shortage import BadInput, TooLittleData


def test_planted_groups_are_found_with_their_sizes_and_names() -> None:
    values, truth = planted_customers(1500, seed=3)
    found = cluster_customers(values, CUSTOMER_FEATURES, seed=0)
    assert found.k == 3
    assert max(found.silhouettes, key=found.silhouettes.__getitem__) == 3
    assert [(c.name, c.size, c.share) for c in found.clusters] == [
        ("mid value", 750, 0.5),
        ("lapsed, low value, infrequent, many cases", 450, 0.3),
        ("recent, high value, frequent", 300, 0.2)]
    # each cluster is exactly one planted group
    for index, cluster in enumerate(found.clusters):
        groups = set(truth[found.labels == index].tolist())
        assert len(groups) == 1
        centre = CUSTOMER_GROUPS[groups.pop()][2]
        # described in the original units: the planted centre within its 5 % spread
        assert [cluster.centre[name] for name in CUSTOMER_FEATURES] == pytest.approx(
            centre, rel=0.02)


def test_the_same_seed_gives_the_same_segments() -> None:
    values, _ = planted_customers(600, seed=8)
    first = cluster_customers(values, CUSTOMER_FEATURES, seed=4)
    again = cluster_customers(values, CUSTOMER_FEATURES, seed=4)
    assert first.clusters == again.clusters
    np.testing.assert_array_equal(first.labels, again.labels)


def test_the_naming_rule_reads_the_centre_against_the_median_customer() -> None:
    median = {"recency_days": 60.0, "orders": 4.0, "spend": 500.0, "cases": 0.5}
    assert name_for({"recency_days": 200.0, "orders": 1.0, "spend": 100.0, "cases": 0.0},
                    median) == "lapsed, low value, infrequent"
    assert name_for({"recency_days": 50.0, "orders": 9.0, "spend": 1500.0, "cases": 2.0},
                    median) == "high value, frequent, many cases"
    assert name_for({"spend": 600.0}, {"spend": 500.0}) == "mid value"
    assert name_for({"calls": 3.0}, {"calls": 1.0}) == "typical"


def test_too_few_customers_says_how_many_are_needed() -> None:
    values, _ = planted_customers(40, seed=1)
    with pytest.raises(TooLittleData) as raised:
        cluster_customers(values, CUSTOMER_FEATURES)
    assert str(raised.value) == ("clustering into up to 6 segments needs at least 60 "
                                 "customers; found 40")
    assert isinstance(raised.value, ValueError)
    assert raised.value.field == "customers"
    found = cluster_customers(values, CUSTOMER_FEATURES, ks=range(2, 4))  # 30 are enough
    assert found.k in (2, 3)


def test_customers_that_do_not_differ_cannot_be_clustered() -> None:
    with pytest.raises(TooLittleData, match="differ too little"):
        cluster_customers(np.ones((100, 5)), CUSTOMER_FEATURES)


def test_negative_or_misshapen_features_are_refused() -> None:
    values, _ = planted_customers(200, seed=1)
    with pytest.raises(BadInput, match="not negative"):
        cluster_customers(-values, CUSTOMER_FEATURES)
    with pytest.raises(BadInput, match="one column per name"):
        cluster_customers(values[:, :3], CUSTOMER_FEATURES)
    with pytest.raises(BadInput, match="k must be 2 or more"):
        cluster_customers(values, CUSTOMER_FEATURES, ks=[1, 2])


def test_a_clusters_contacts_are_listed_by_name() -> None:
    values, truth = planted_customers(600, seed=2)
    found = cluster_customers(values, CUSTOMER_FEATURES)
    ids = np.arange(5000, 5600)
    chosen = cluster_contacts(ids, found, "recent, high value, frequent")
    assert chosen == sorted(ids[truth == 0].tolist())  # the planted champions
    with pytest.raises(BadInput, match="no cluster 'whales' \\(have: mid value, "):
        cluster_contacts(ids, found, "whales")
    with pytest.raises(BadInput, match="one id per clustered row"):
        cluster_contacts(ids[:10], found, "mid value")
