"""How good an uplift ranking is, on held-out contacts: the Qini curve and uplift at k.

Theory of operation (Radcliffe 2007, "Using control groups to target on predicted
lift"): rank the held-out contacts by predicted uplift, best first, and target the
first t. The incremental responses among them are

    Q(t) = R_T(t) - R_C(t) * N_T(t) / N_C(t)

the treated responders less the control responders scaled to as many contacts as
were treated (0 while no control contact is among them). The Qini curve is Q against
the targeted fraction t / n. Targeting at random gains in proportion: the straight
line from (0, 0) to (1, Q(n)). The Qini area is the area between the curve and that
line (trapezoids over the fraction); the Qini coefficient divides it by the same area
of the best possible ranking (every treated responder first, every control responder
last), so that 0 is random, 1 is perfect and a negative value worse than random.

Contacts with the same predicted uplift are taken together (the curve has a point at
the end of each tie only; uplift at k counts a tie cut by k as a share of each of its
contacts), so the figures do not depend on the order of equal scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from contactcenter.analytics.shortage import BadInput, TooLittleData

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class QiniCurve:
    """The curve's points (``fraction`` from 0 to 1, ``gain`` the incremental responses)
    and its summary figures."""

    fraction: Floats
    gain: Floats
    area: float  #: between the curve and the random line, in responses x fraction
    coefficient: float  #: ``area`` over the best ranking's area


def _arrays(uplift: npt.ArrayLike, treated: npt.ArrayLike,
            responded: npt.ArrayLike) -> tuple[Floats, Floats, Floats]:
    score = np.asarray(uplift, dtype=np.float64)
    t = np.asarray(treated).astype(bool)
    y = np.asarray(responded).astype(bool)
    if not score.ndim == 1 or t.shape != score.shape or y.shape != score.shape:
        raise BadInput("uplift, treated and responded must be 1-d and of one length",
                       field="uplift")
    if not np.isfinite(score).all():
        raise BadInput("the predicted uplift must be finite numbers", field="uplift")
    if t.all() or not t.any():
        raise TooLittleData(f"the Qini curve needs treated and control contacts; found "
                            f"{int(t.sum())} treated, {int((~t).sum())} control",
                            field="treated")
    return score, t.astype(np.float64), y.astype(np.float64)


def _gain(score: Floats, t: Floats, y: Floats) -> tuple[Floats, Floats]:
    """The curve at the end of each group of equal scores, best first, from (0, 0)."""
    order = np.argsort(-score, kind="stable")
    ranked = score[order]
    ends = np.append(np.flatnonzero(ranked[1:] != ranked[:-1]), len(ranked) - 1)
    n_t = np.cumsum(t[order])[ends]
    n_c = np.cumsum(1 - t[order])[ends]
    r_t = np.cumsum((t * y)[order])[ends]
    r_c = np.cumsum(((1 - t) * y)[order])[ends]
    scaled = np.divide(r_c * n_t, n_c, out=np.zeros_like(r_c), where=n_c > 0)
    fraction = np.concatenate(([0.0], (ends + 1) / len(score)))
    return fraction, np.concatenate(([0.0], r_t - scaled))


def _area(fraction: Floats, gain: Floats) -> float:
    """Between the curve and the straight line to its end, by trapezoids."""
    above = gain - fraction * gain[-1]
    return float(np.sum((above[1:] + above[:-1]) * np.diff(fraction)) / 2)


def qini_curve(uplift: npt.ArrayLike, treated: npt.ArrayLike,
               responded: npt.ArrayLike) -> QiniCurve:
    """The Qini curve of ranking the contacts by ``uplift``, with area and coefficient."""
    score, t, y = _arrays(uplift, treated, responded)
    fraction, gain = _gain(score, t, y)
    area = _area(fraction, gain)
    # the best ranking: treated responders, then everyone else, control responders last
    best = t * y - (1 - t) * y
    best_area = _area(*_gain(best, t, y))
    coefficient = area / best_area if best_area > 0 else math.nan
    return QiniCurve(fraction, gain, area, coefficient)


def uplift_at_k(uplift: npt.ArrayLike, treated: npt.ArrayLike, responded: npt.ArrayLike,
                k: float) -> float:
    """The observed uplift among the top ``k`` (a fraction, 0.1 for 10 %) by predicted
    uplift: the treated's response rate there less the control's."""
    if not 0 < k <= 1:
        raise BadInput(f"k must be a fraction in (0, 1], not {k}", field="k")
    score, t, y = _arrays(uplift, treated, responded)
    weight = _top_weights(score, math.ceil(k * len(score) - 1e-9))
    n_t, n_c = float(weight @ t), float(weight @ (1 - t))
    if n_t == 0 or n_c == 0:
        raise TooLittleData(f"the top {k:.0%} has {n_t:.3g} treated and {n_c:.3g} control "
                            "contacts: uplift at k needs both", field="k")
    return float(weight @ (t * y) / n_t - weight @ ((1 - t) * y) / n_c)


def _top_weights(score: Floats, size: int) -> Floats:
    """Each contact's share in the top ``size`` by score: 1 above the cut, 0 below, and
    for the contacts tied at the cut the places left over shared among them all, so that
    the result does not depend on the order of equal scores."""
    ranked = np.sort(score)[::-1]
    cut = ranked[size - 1]
    above = score > cut
    tied = score == cut
    weight: Floats = above.astype(np.float64)
    weight[tied] = (size - int(above.sum())) / int(tied.sum())
    return weight
