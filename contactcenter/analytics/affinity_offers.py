"""One customer's cross-sell and up-sell offers, each with the figures that make it.

The ranking is the affinity score (``affinity.scores``): the estimated chance the
customer buys the product, from the strongest rule out of what they bought or, lacking
one, the product's own rate. Each offer then says why, in the agent's words:

- cross-sell from a rule: "bought X; 34 % of X's buyers also bought Y, 3.1x the usual"
- up-sell: the offer is a dearer product in the category of one they bought: "bought X
  (189.00); Y is the step up in outdoor (299.00)", and the rule's figures when there
  is one
- no rule: "bought by 41 % of customers" (the popularity the score fell back on)

Products the customer already bought are never offered, nor products nobody bought
(there is nothing to say about them), nor products the catalogue marks as no longer
sold.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import numpy as np

from contactcenter.analytics.affinity import Affinity, best_rules, matrix, scores

Kind = Literal["cross_sell", "up_sell"]
Basis = Literal["affinity", "popularity"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProductInfo:
    """What the agent is told about a product, and what up-sells are judged on."""

    name: str
    sku: str = ""
    category: str = ""
    price: Decimal = Decimal(0)
    #: a product no longer sold is never offered
    active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class AffinityOffer:
    """One product to offer and why; the figures are the ones in ``reason``."""

    product: Any
    kind: Kind
    basis: Basis
    #: the estimated chance of a purchase that ranked it
    score: float
    reason: str
    #: the bought product the rule (or the step up) comes from
    because: Any | None = None
    confidence: float | None = None
    lift: float | None = None
    #: customers who bought both
    together: int | None = None

    def as_pop(self, catalogue: Mapping[Any, ProductInfo]) -> dict[str, Any]:
        """The offer as the screen-pop's ``next_best_offer`` is shaped (name, kind,
        pitch, product, sku), with the reason and figures beside it."""
        info = catalogue.get(self.product) or ProductInfo(name=str(self.product))
        cause = catalogue.get(self.because) if self.because is not None else None
        return {"id": None, "source": "affinity", "name": info.name, "kind": self.kind,
                "pitch": self.reason, "reason": self.reason, "product": info.name,
                "product_id": self.product, "sku": info.sku, "discount_percent": "0",
                "basis": self.basis, "score": round(self.score, 4),
                "because": cause.name if cause else None,
                "confidence": None if self.confidence is None else round(self.confidence, 4),
                "lift": None if self.lift is None else round(self.lift, 2),
                "together": self.together}


def plain(value: Any) -> Any:
    """A numpy scalar as the Python one, so that offers serialize as JSON."""
    return value.item() if isinstance(value, np.generic) else value


def percent(share: float) -> str:
    return f"{round(share * 100)} %"


def rank_offers(model: Affinity, bought: Iterable[Any],
                catalogue: Mapping[Any, ProductInfo], k: int = 3) -> list[AffinityOffer]:
    """The ``k`` best offers for a customer who bought ``bought`` (product labels)."""
    codes = sorted({c for c in (model.code(p) for p in bought) if c is not None})
    row = matrix(np.zeros(len(codes)), codes, (1, len(model.products)))
    scored = scores(model, row)[0]
    retired = [c for c, p in enumerate(model.products)
               if (info := catalogue.get(plain(p))) is not None and not info.active]
    scored[retired] = -np.inf
    best = best_rules(model, row)
    source = dict(zip(best.candidates.tolist(), best.sources.tolist(), strict=True))
    picks = [int(c) for c in np.argsort(-scored, kind="stable")[:k] if np.isfinite(scored[c])]
    return [_offer(model, catalogue, codes, b, float(scored[b]), source.get(b))
            for b in picks]


def _offer(model: Affinity, catalogue: Mapping[Any, ProductInfo], bought: list[int],
           b: int, score: float, rule_from: int | None) -> AffinityOffer:
    """The offer of product code ``b``: up-sell or cross-sell, rule or popularity."""
    name = _name(model, catalogue, b)
    step = _step_down(model, catalogue, bought, b, rule_from)
    basis: Basis = "affinity" if rule_from is not None and (
        score > model.support[b]) else "popularity"
    figures: dict[str, Any] = {}
    clause = ""
    if basis == "affinity" and rule_from is not None:
        both, confidence, lift = model.pair(rule_from, b)
        figures = {"confidence": float(confidence), "lift": float(lift), "together": both}
        clause = (f"{percent(confidence)} of {_name(model, catalogue, rule_from)}'s buyers "
                  f"also bought {name}, {lift:.1f}x the usual")
    if step is not None:
        low, high = catalogue[model.products[step]], catalogue[model.products[b]]
        reason = (f"bought {low.name} ({low.price:.2f}); {name} is the step up in "
                  f"{high.category} ({high.price:.2f})" + (f"; {clause}" if clause else ""))
        source = rule_from if clause and rule_from is not None else step
        return AffinityOffer(product=plain(model.products[b]), kind="up_sell", basis=basis,
                             score=score, reason=reason, because=plain(model.products[source]),
                             **figures)
    if basis == "affinity" and rule_from is not None:
        return AffinityOffer(product=plain(model.products[b]), kind="cross_sell", basis=basis,
                             score=score, because=plain(model.products[rule_from]),
                             reason=f"bought {_name(model, catalogue, rule_from)}; {clause}",
                             **figures)
    return AffinityOffer(product=plain(model.products[b]), kind="cross_sell", basis=basis,
                         score=score, reason=f"bought by {percent(model.support[b])} of "
                         f"customers; nothing they bought points elsewhere more strongly")


def _step_down(model: Affinity, catalogue: Mapping[Any, ProductInfo], bought: list[int],
               b: int, rule_from: int | None) -> int | None:
    """The bought product that ``b`` is an up-sell of: same category, lower price; the
    rule's own source when it qualifies, else the dearest such product."""
    target = catalogue.get(model.products[b])
    if target is None or not target.category:
        return None
    lower = [a for a in bought if (info := catalogue.get(model.products[a])) is not None
             and info.category == target.category and info.price < target.price]
    if not lower:
        return None
    if rule_from in lower:
        return rule_from
    return max(lower, key=lambda a: (catalogue[model.products[a]].price, -a))


def _name(model: Affinity, catalogue: Mapping[Any, ProductInfo], code: int) -> str:
    info = catalogue.get(model.products[code])
    return info.name if info is not None else str(model.products[code])
