"""Product affinity: planted pairs found with their lift, reasons worked out by hand,
nothing already bought offered again, and too little data said so."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from contactcenter.analytics.affinity import fit_affinity, incidence, matrix, scores, top
from contactcenter.analytics.affinity_offers import ProductInfo, rank_offers
from contactcenter.analytics.errors import NotEnoughData


def _planted(seed: int) -> tuple[list[int], list[str]]:
    """1,000 customers: 200 bought A, 120 of them B; 80 more bought B elsewhere (so B's
    rate is 20 % and A's buyers buy it at 60 %: lift 3); C and D at random, unrelated;
    and all of them Z, so that all 1,000 are customers with a purchase."""
    rng = np.random.default_rng(seed)
    customers: list[int] = []
    products: list[str] = []
    for c in range(1000):
        bought = {"A", "Z"} if c < 200 else {"Z"}
        if c < 120 or 200 <= c < 280:
            bought.add("B")
        bought |= {p for p, rate in (("C", 0.3), ("D", 0.5)) if rng.random() < rate}
        customers += [c] * len(bought)
        products += sorted(bought)
    return customers, products


def test_a_planted_pair_is_found_with_its_lift() -> None:
    model = fit_affinity(incidence(*_planted(3)))
    a, b = model.code("A"), model.code("B")
    assert a is not None and b is not None
    both, confidence, lift = model.pair(a, b)
    assert (both, confidence, lift) == (120, pytest.approx(0.6), pytest.approx(3.0))
    # the other way round: 60 % of B's buyers bought A, 3 times A's 20 %
    assert model.pair(b, a)[1:] == (pytest.approx(0.6), pytest.approx(3.0))
    unrelated = [model.pair(a, c)[2] for c in (model.code("C"), model.code("D")) if c is not None]
    assert all(0.7 < lift < 1.3 for lift in unrelated)


def test_an_a_buyer_without_b_is_offered_b_first_and_a_b_buyer_a() -> None:
    model = fit_affinity(incidence(*_planted(3)))
    catalogue = {p: ProductInfo(name=f"Product {p}") for p in "ABCDZ"}
    first = rank_offers(model, ["A", "Z"], catalogue)[0]
    assert (first.product, first.kind, first.basis, first.because) == ("B", "cross_sell",
                                                                      "affinity", "A")
    assert first.reason == ("bought Product A; 60 % of Product A's buyers also bought "
                            "Product B, 3.0x the usual")
    assert rank_offers(model, ["B", "C", "Z"], catalogue)[0].product == "A"


#: ten customers' histories: who bought what
TINY = {1: "T P", 2: "T P", 3: "T P F", 4: "T F", 5: "P", 6: "P F", 7: "F", 8: "F B",
        9: "F B", 10: "B"}
CATALOGUE = {
    "T": ProductInfo(name="Trailhead 2-person tent", category="outdoor", price=Decimal(189)),
    "T4": ProductInfo(name="Trailhead 4-person tent", category="outdoor", price=Decimal(299)),
    "P": ProductInfo(name="Summit backpack", category="outdoor", price=Decimal(99)),
    "F": ProductInfo(name="Nimbus phone", category="electronics", price=Decimal(499)),
    "B": ProductInfo(name="Nimbus earbuds", category="electronics", price=Decimal(129)),
}


def _tiny(extra: dict[int, str] | None = None) -> tuple[list[int], list[str]]:
    rows = [(c, p) for c, bought in {**TINY, **(extra or {})}.items() for p in bought.split()]
    return [c for c, _ in rows], [p for _, p in rows]


def test_the_reasons_figures_are_the_ones_worked_out_by_hand() -> None:
    model = fit_affinity(incidence(*_tiny()), min_pair=2, min_baskets=5)
    # 4 customers bought the tent, 3 of them the backpack: 75 %; 5 of 10 bought the
    # backpack: 50 %; so 1.5 times the usual
    offer = rank_offers(model, ["T"], CATALOGUE)[0]
    assert (offer.product, offer.confidence, offer.lift, offer.together) == (
        "P", pytest.approx(0.75), pytest.approx(1.5), 3)
    assert offer.reason == ("bought Trailhead 2-person tent; 75 % of Trailhead 2-person "
                            "tent's buyers also bought Summit backpack, 1.5x the usual")
    # the phone's 6 buyers: 2 bought earbuds (33 %, against 3 of 10: 1.1x); the backpack
    # ranks above them (half the customers bought it: 50 % beats 33 %)
    offers = rank_offers(model, ["F"], CATALOGUE)
    assert [offer.product for offer in offers] == ["P", "T", "B"]
    assert offers[0].basis == "popularity" and offers[0].reason.startswith(
        "bought by 50 % of customers")
    buds = offers[2]
    assert buds.reason == ("bought Nimbus phone; 33 % of Nimbus phone's buyers also bought "
                           "Nimbus earbuds, 1.1x the usual")


def test_a_dearer_product_of_a_bought_category_is_an_up_sell_that_says_so() -> None:
    # two backpack buyers moved up to the 4-person tent: 2 of the 7 backpack buyers
    # (29 %), against 2 of 12 customers (17 %): 1.7x
    model = fit_affinity(incidence(*_tiny({11: "P T4", 12: "P T4"})), min_pair=2,
                         min_baskets=5)
    from_pack = next(offer for offer in rank_offers(model, ["P"], CATALOGUE, k=4)
                     if offer.product == "T4")
    assert (from_pack.kind, from_pack.basis, from_pack.because) == ("up_sell", "affinity", "P")
    assert from_pack.reason == (
        "bought Summit backpack (99.00); Trailhead 4-person tent is the step up in outdoor "
        "(299.00); 29 % of Summit backpack's buyers also bought Trailhead 4-person tent, "
        "1.7x the usual")
    # no tent buyer moved up, but the 4-person tent is still the step up from theirs
    offers = rank_offers(model, ["T"], CATALOGUE, k=4)
    up = next(offer for offer in offers if offer.product == "T4")
    assert (up.kind, up.basis, up.because) == ("up_sell", "popularity", "T")
    assert up.reason.startswith("bought Trailhead 2-person tent (189.00); Trailhead "
                                "4-person tent is the step up in outdoor (299.00)")
    # the backpack is cheaper than the tent: a cross-sell, never an up-sell
    assert next(offer for offer in offers if offer.product == "P").kind == "cross_sell"


def test_products_already_bought_are_never_offered() -> None:
    rng = np.random.default_rng(11)
    customers = rng.integers(0, 400, size=3000)
    products = rng.integers(0, 12, size=3000)
    model = fit_affinity(incidence(customers, products), min_pair=3)
    offered = top(scores(model, matrix(customers, products, (400, 12))), 5)
    bought = set(zip(customers.tolist(), products.tolist(), strict=True))
    assert not any((c, int(p)) in bought for c in range(400) for p in offered[c] if p >= 0)
    every = [p for c in range(400) for p in offered[c] if p >= 0]
    assert len(every) > 400 * 3  # most customers still get offers
    catalogue = {p: ProductInfo(name=f"P{p}") for p in range(12)}
    for c in range(0, 400, 37):
        mine = set(products[customers == c].tolist())
        assert not mine & {o.product for o in rank_offers(model, mine, catalogue, k=12)}


def test_a_product_no_longer_sold_is_not_offered() -> None:
    model = fit_affinity(incidence(*_planted(3)))
    catalogue = {p: ProductInfo(name=p, active=p != "B") for p in "ABCDZ"}
    assert "B" not in {offer.product for offer in rank_offers(model, ["A", "Z"], catalogue, k=4)}


def test_too_little_data_says_how_much_is_needed() -> None:
    with pytest.raises(NotEnoughData, match="affinity needs at least 30 customers who "
                                            "bought two or more products; found 7"):
        fit_affinity(incidence(*_tiny()))
