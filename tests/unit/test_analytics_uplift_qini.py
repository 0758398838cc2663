"""The Qini curve, its area and coefficient, and uplift at k, against figures worked out
by hand; and the top decile as the list of contact ids a campaign's list takes."""

from __future__ import annotations

import numpy as np
import pytest

from contactcenter.analytics.crm_uplift import top_contacts
from contactcenter.analytics.qini import qini_curve, uplift_at_k
from contactcenter.analytics.shortage import BadInput, TooLittleData

# four contacts: a treated responder, a control non-responder, a treated non-responder
# and a control responder, ranked in that order by the scores
SCORES = [0.9, 0.5, 0.2, 0.1]
TREATED = [1, 0, 1, 0]
RESPONDED = [1, 0, 0, 1]


def test_the_curve_counts_incremental_responses_at_each_cut() -> None:
    curve = qini_curve(SCORES, TREATED, RESPONDED)
    # Q(t) = R_T - R_C * N_T / N_C: 1; 1 - 0; 1 - 0 * 2 / 1; 1 - 1 * 2 / 2
    np.testing.assert_allclose(curve.fraction, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(curve.gain, [0, 1, 1, 1, 0])
    # trapezoids above the random line, which ends at Q(n) = 0
    assert curve.area == pytest.approx(0.125 + 0.25 + 0.25 + 0.125)
    # this ranking is the best possible one, so the coefficient is 1
    assert curve.coefficient == pytest.approx(1.0)


def test_the_worst_ranking_has_a_negative_coefficient() -> None:
    curve = qini_curve(SCORES[::-1], TREATED, RESPONDED)
    # D, C, B, A: Q = 0 (no treated yet), -1, 0 - 1 * 1 / 2, 0
    np.testing.assert_allclose(curve.gain, [0, 0, -1, -0.5, 0])
    assert curve.area == pytest.approx(-0.375)
    assert curve.coefficient == pytest.approx(-0.5)


def test_equal_scores_are_one_point_so_order_does_not_matter() -> None:
    curve = qini_curve([0.3] * 4, TREATED, RESPONDED)
    np.testing.assert_allclose(curve.fraction, [0, 1])
    assert curve.area == 0.0


def test_uplift_at_k_is_the_observed_difference_in_the_top() -> None:
    # top half: the treated responder and the control non-responder: 1/1 - 0/1
    assert uplift_at_k(SCORES, TREATED, RESPONDED, 0.5) == pytest.approx(1.0)
    # everyone: 1/2 - 1/2
    assert uplift_at_k(SCORES, TREATED, RESPONDED, 1.0) == pytest.approx(0.0)


def test_a_top_without_control_contacts_has_no_uplift_to_show() -> None:
    with pytest.raises(TooLittleData, match="top 25% has 1 treated and 0 control"):
        uplift_at_k(SCORES, TREATED, RESPONDED, 0.25)
    with pytest.raises(BadInput, match="k must be a fraction"):
        uplift_at_k(SCORES, TREATED, RESPONDED, 10)


def test_a_curve_needs_both_groups() -> None:
    with pytest.raises(TooLittleData, match="found 4 treated, 0 control"):
        qini_curve(SCORES, [1, 1, 1, 1], RESPONDED)


def test_the_top_decile_is_the_best_tenth_of_contact_ids_best_first() -> None:
    ids = np.arange(100, 120)
    uplift = np.linspace(-0.5, 0.5, 20)
    assert top_contacts(ids, uplift, fraction=0.1) == [119, 118]
    # ties: the lower contact id first, the same every run
    assert top_contacts([7, 3, 5], [0.2, 0.2, 0.1], fraction=0.5) == [3, 7]
    assert top_contacts([7], [0.0], fraction=0.1) == [7]  # at least one
    with pytest.raises(BadInput, match="fraction"):
        top_contacts(ids, uplift, fraction=0)
