"""The figures of docs/analytics-uplift.md, measured on the planted data:
``python -m contactcenter.analytics.uplift_report [--seed N]``.

Per campaign (planted flags treated at half and at 30 %; a middle band of a continuous
feature treated at half), method and classifier: the held-out Qini area and
coefficient, uplift at 10 % and 30 %, the share of planted persuadables in the top
decile and of sleeping dogs in the bottom one; then the planted customers' clusters.
``held_out_figures`` gives the same figures for a campaign of the CRM, for
``POST /api/v1/campaigns/{id}/uplift``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import numpy as np

from contactcenter.analytics.clusters import cluster_customers
from contactcenter.analytics.planted import (
    CUSTOMER_FEATURES,
    PlantedCampaign,
    planted_band,
    planted_campaign,
    planted_customers,
)
from contactcenter.analytics.qini import qini_curve, uplift_at_k
from contactcenter.analytics.uplift import (
    FITS,
    Classifier,
    UpliftSample,
    check_enough,
    fit_uplift,
    split,
)

CLASSIFIERS: tuple[Classifier, ...] = ("boosting", "logistic")


def _held_out(planted: PlantedCampaign, seed: int) -> tuple[UpliftSample, UpliftSample,
                                                            np.ndarray]:
    """Training and held-out samples, and the held-out rows' planted effects."""
    rows = np.arange(len(planted.effect), dtype=np.float64)[:, None]
    numbered = UpliftSample(np.hstack([planted.sample.features, rows]),
                            planted.sample.treated, planted.sample.responded)
    train, test = split(numbered, seed=seed)
    effect = planted.effect[test.features[:, -1].astype(np.intp)]
    return (UpliftSample(train.features[:, :-1], train.treated, train.responded),
            UpliftSample(test.features[:, :-1], test.treated, test.responded), effect)


def held_out_figures(sample: UpliftSample, *, classifier: Classifier = "boosting",
                     seed: int = 0) -> dict[str, dict[str, float]]:
    """Per method: fitted on 70 % of the sample, on the held-out 30 % the Qini area and
    coefficient and the observed uplift in the top 10 % and 30 % (a campaign's figures,
    as ``campaign_lines`` gives them for the planted data). TooLittleData when the
    sample is too small (``check_enough``)."""
    check_enough(sample)
    train, test = split(sample, seed=seed)
    figures: dict[str, dict[str, float]] = {}
    for method in FITS:
        uplift = fit_uplift(train, method, classifier=classifier,
                            seed=seed).predict(test.features)
        curve = qini_curve(uplift, test.treated, test.responded)
        figures[method] = {
            "qini_area": curve.area, "qini_coefficient": curve.coefficient,
            **{f"uplift_at_{round(k * 100)}": uplift_at_k(uplift, test.treated,
                                                         test.responded, k)
               for k in (0.1, 0.3)}}
    return figures


def campaign_lines(seed: int) -> list[str]:
    """One line per campaign, method and classifier."""
    lines = [("data   method                classifier  qini-area  qini-coef  u@10%  u@30%  "
              "top10-persuadable  bottom10-sleeping")]
    campaigns = {"0.5": planted_campaign(8000, seed=seed, treated_share=0.5),
                 "0.3": planted_campaign(8000, seed=seed, treated_share=0.3),
                 "band": planted_band(6000, seed=seed)}
    for data, planted in campaigns.items():
        train, test, effect = _held_out(planted, seed)
        tenth = len(effect) // 10
        for method in FITS:
            for classifier in CLASSIFIERS:
                uplift = fit_uplift(train, method, classifier=classifier,
                                    seed=seed).predict(test.features)
                curve = qini_curve(uplift, test.treated, test.responded)
                order = np.argsort(-uplift, kind="stable")
                at = [uplift_at_k(uplift, test.treated, test.responded, k) for k in (0.1, 0.3)]
                lines.append(
                    f"{data:<6} {method:<21} {classifier:<11} {curve.area:>9.1f} "
                    f"{curve.coefficient:>10.3f} {at[0]:>6.3f} {at[1]:>6.3f} "
                    f"{(effect[order[:tenth]] == 1).mean():>18.2f} "
                    f"{(effect[order[-tenth:]] == -1).mean():>18.2f}")
    return lines


def cluster_lines(seed: int) -> list[str]:
    values, _ = planted_customers(1500, seed=seed)
    found = cluster_customers(values, CUSTOMER_FEATURES, seed=seed)
    lines = ["silhouette by k: " + ", ".join(f"{k}: {value:.3f}"
                                             for k, value in found.silhouettes.items())]
    for cluster in found.clusters:
        centre = ", ".join(f"{name} {value:.1f}" for name, value in cluster.centre.items())
        lines.append(f"{cluster.name}: {cluster.size} ({cluster.share:.0%}); {centre}")
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seed", type=int, default=7)
    seed = parser.parse_args(argv).seed
    print("\n".join([*campaign_lines(seed), "", *cluster_lines(seed)]))


if __name__ == "__main__":
    main()
