"""Uplift: whom a campaign persuades, from a randomised treated and control group.

Theory of operation: the input is an ``UpliftSample``, one row per contact: the
features known before the campaign, whether the contact was treated (on the list
that was contacted) or control (held out at random), and a binary outcome measured
alike in both groups (an order within the campaign's window, not a campaign response,
which a control contact cannot give). Two models estimate, per contact, the uplift
tau(x) = P(respond | x, treated) - P(respond | x, control):

- ``two_model``: one classifier on the treated, one on the control; tau is the
  difference of their predicted probabilities. Simple and unbiased, but it fits each
  group's response, not the difference, so the noise of both adds up.
- ``class_transformation`` (Jaskowski and Jaroszewicz 2012): Z = 1 for a treated
  responder or a control non-responder; with half the contacts treated at random,
  tau = 2 P(Z = 1 | x) - 1, one classifier on the difference itself. With another
  split the formula is wrong; here the rows are weighted so that each group weighs
  half (weights 1 / (2 p) and 1 / (2 (1 - p)), p the treated share), which restores
  the 50/50 case exactly, and ``weighted`` says it was done.

The classifier is scikit-learn's histogram gradient boosting by default: shallow
trees find a persuadable group defined by a threshold or an interaction (a group
logistic regression cannot express without hand-made terms), it needs no scaling,
and with early stopping off it is deterministic for a seed. ``logistic`` is there
for small lists, where the boosted trees would fit noise. Evaluation is ``qini``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from sklearn.ensemble import HistGradientBoostingClassifier  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]
from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]

from contactcenter.analytics.one_thread import one_thread
from contactcenter.analytics.shortage import BadInput, TooLittleData

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]
Method = Literal["two_model", "class_transformation"]
Classifier = Literal["boosting", "logistic"]
#: the fewest contacts per group, and responders and non-responders within each, that a
#: model is fitted on: under these the predicted difference is mostly noise
MIN_PER_GROUP = 50
MIN_PER_OUTCOME = 10


@dataclass(frozen=True, slots=True)
class UpliftSample:
    """The input contract: ``features`` (n rows, d columns, floats, no NaN), and per
    row ``treated`` (True: on the contacted list; False: held out) and ``responded``."""

    features: Floats
    treated: Flags
    responded: Flags

    @classmethod
    def of(cls, features: npt.ArrayLike, treated: npt.ArrayLike,
           responded: npt.ArrayLike) -> UpliftSample:
        """The arrays checked for shape and values; ValueError naming the one at fault."""
        x = np.asarray(features, dtype=np.float64)
        if x.ndim != 2:
            raise BadInput(f"features must be a table (n rows, d columns), not {x.ndim}-d",
                           field="features")
        if not np.isfinite(x).all():
            raise BadInput("features must be finite numbers (no NaN)", field="features")
        flags = {name: np.asarray(value) for name, value in
                 (("treated", treated), ("responded", responded))}
        for name, value in flags.items():
            if value.shape != (x.shape[0],):
                raise BadInput(f"{name} must have one value per row ({x.shape[0]}), "
                               f"not shape {value.shape}", field=name)
            if not np.isin(value, (0, 1)).all():
                raise BadInput(f"{name} must be true or false (1 or 0)", field=name)
        return cls(x, flags["treated"].astype(bool), flags["responded"].astype(bool))

    def subset(self, rows: npt.NDArray[np.intp]) -> UpliftSample:
        """The sample's ``rows``, in that order."""
        return UpliftSample(self.features[rows], self.treated[rows], self.responded[rows])


def check_enough(sample: UpliftSample, *, per_group: int = MIN_PER_GROUP,
                 per_outcome: int = MIN_PER_OUTCOME) -> None:
    """TooLittleData unless each group has ``per_group`` contacts, ``per_outcome`` of them
    responders and ``per_outcome`` non-responders."""
    counts = {}
    for name, group in (("treated", sample.treated), ("control", ~sample.treated)):
        size, yes = int(group.sum()), int((sample.responded & group).sum())
        counts[name] = (size, yes, size - yes)
    short = any(size < per_group or min(yes, no) < per_outcome
                for size, yes, no in counts.values())
    if short:
        found = ", ".join(f"{size} {name} ({yes} responded, {no} did not)"
                          for name, (size, yes, no) in counts.items())
        raise TooLittleData(
            f"uplift needs at least {per_group} treated and {per_group} control contacts, "
            f"each group with at least {per_outcome} who responded and {per_outcome} who "
            f"did not; found {found}", field="campaign")


def _classifier(kind: Classifier, seed: int) -> Any:
    """A fresh, unfitted classifier of ``kind``, deterministic for ``seed``."""
    if kind == "boosting":
        # shallow, slow and with large leaves: an uplift is a small difference of two
        # probabilities, and deep trees fit the noise of each group instead
        return HistGradientBoostingClassifier(
            max_depth=3, learning_rate=0.05, max_iter=150, min_samples_leaf=40,
            l2_regularization=1.0, early_stopping=False, random_state=seed)
    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    raise ValueError(f"no classifier {kind!r} (have: boosting, logistic)")


def _positive(model: Any, features: Floats) -> Floats:
    """The fitted model's probability of the positive class, per row."""
    with one_thread():
        return np.asarray(model.predict_proba(features)[:, 1], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class UpliftModel:
    """A fitted model: ``predict`` gives each row's estimated uplift (-1 to 1)."""

    method: Method
    classifier: Classifier
    #: the class transformation's rows were weighted to a 50/50 split
    weighted: bool
    predict: Callable[[npt.ArrayLike], Floats]


def fit_two_model(sample: UpliftSample, *, classifier: Classifier = "boosting",
                  seed: int = 0) -> UpliftModel:
    """One classifier per group; uplift = P(treated model) - P(control model)."""
    check_enough(sample)
    with one_thread():
        treated = _classifier(classifier, seed).fit(
            sample.features[sample.treated], sample.responded[sample.treated])
        control = _classifier(classifier, seed).fit(
            sample.features[~sample.treated], sample.responded[~sample.treated])

    def predict(features: npt.ArrayLike) -> Floats:
        x = np.asarray(features, dtype=np.float64)
        return _positive(treated, x) - _positive(control, x)

    return UpliftModel("two_model", classifier, False, predict)


def transformed_class(sample: UpliftSample) -> tuple[Flags, Floats]:
    """Z (treated responders and control non-responders) and the row weights that make
    the treated and the control weigh half each."""
    z = sample.treated == sample.responded
    share = float(sample.treated.mean())
    weights = np.where(sample.treated, 0.5 / share, 0.5 / (1.0 - share))
    return z, weights


def fit_class_transformation(sample: UpliftSample, *, classifier: Classifier = "boosting",
                             seed: int = 0) -> UpliftModel:
    """One classifier of Z; uplift = 2 P(Z = 1) - 1, on rows weighted to a 50/50 split."""
    check_enough(sample)
    z, weights = transformed_class(sample)
    model = _classifier(classifier, seed)
    step = "logisticregression__" if classifier == "logistic" else ""
    with one_thread():
        model.fit(sample.features, z, **{f"{step}sample_weight": weights})
    balanced = bool(abs(float(sample.treated.mean()) - 0.5) < 1e-12)

    def predict(features: npt.ArrayLike) -> Floats:
        return 2.0 * _positive(model, np.asarray(features, dtype=np.float64)) - 1.0

    return UpliftModel("class_transformation", classifier, not balanced, predict)


FITS: dict[Method, Callable[..., UpliftModel]] = {
    "two_model": fit_two_model, "class_transformation": fit_class_transformation}


def fit_uplift(sample: UpliftSample, method: Method, *, classifier: Classifier = "boosting",
               seed: int = 0) -> UpliftModel:
    """The model of ``method`` (a name of ``FITS``) fitted on ``sample``."""
    if method not in FITS:
        raise ValueError(f"no uplift method {method!r} (have: {', '.join(FITS)})")
    return FITS[method](sample, classifier=classifier, seed=seed)


def split(sample: UpliftSample, *, test_share: float = 0.3,
          seed: int = 0) -> tuple[UpliftSample, UpliftSample]:
    """Training and held-out rows, stratified by group and outcome so that both halves
    keep the split and the response rates."""
    if not 0 < test_share < 1:
        raise ValueError(f"test_share must be between 0 and 1, not {test_share}")
    rng = np.random.default_rng(seed)
    cell = sample.treated.astype(np.intp) * 2 + sample.responded.astype(np.intp)
    held: list[npt.NDArray[np.intp]] = []
    for value in range(4):
        rows = rng.permutation(np.flatnonzero(cell == value))
        held.append(rows[:round(len(rows) * test_share)])
    test = np.sort(np.concatenate(held))
    train = np.setdiff1d(np.arange(len(cell)), test)
    return sample.subset(train), sample.subset(test)
