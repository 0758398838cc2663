"""Maximum likelihood with scipy for models whose parameters are all positive.

The parameters are searched on a log scale, which keeps them positive without
constraints and makes the steps of the optimizer comparable whether a parameter is
0.2 or 4,000. The objective is the mean negative log-likelihood with its gradient, so
that the optimizer's tolerances mean the same for 500 customers and for a million.

The log parameters are bounded (``LOG_BOUND``) only to keep a likelihood that rises
without end from overflowing: a fit that runs off towards a limit (``RUNAWAY``) has no
maximum inside, which is an error naming the parameter, as is a run that does not
converge from any start.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from scipy.optimize import OptimizeResult, minimize

from contactcenter.analytics.errors import FitError

Floats = npt.NDArray[np.float64]
#: a mean negative log-likelihood and its gradient, at log parameters
Objective = Callable[[Floats], tuple[float, Floats]]
#: the log parameters stay within +-this: e**18 is about 6.6e7, far beyond any fitted value
LOG_BOUND = 18.0
#: a fitted parameter past 1e6 or under 1e-6 has run off towards a limit of the model
#: (one rate for all, nobody dropping out) where the likelihood flattens out; the fitted
#: values of published data sets lie between about 0.1 and a few hundred
RUNAWAY = float(np.log(1e6))


def maximize(objective: Objective, starts: Sequence[Sequence[float]], names: Sequence[str],
             model: str) -> tuple[Floats, float]:
    """The parameters at the highest likelihood found from the ``starts`` (given as
    parameters, not logs), and the mean log-likelihood there."""
    results = [minimize(objective, np.log(np.asarray(start, dtype=np.float64)), jac=True,
                        method="L-BFGS-B", bounds=[(-LOG_BOUND, LOG_BOUND)] * len(names),
                        options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000})
               for start in starts]
    finite = [result for result in results if np.isfinite(result.fun)]
    if finite:  # the highest point reached, converged or not, tells of a runaway
        _check_inside(min(finite, key=lambda result: float(result.fun)), names, model)
    converged = [result for result in finite if result.success]
    if not converged:
        reasons = [str(result.message) if np.isfinite(result.fun)
                   else "the log-likelihood is not a finite number" for result in results]
        raise FitError(f"{model}: the optimizer did not converge from any of {len(starts)} "
                       f"starting points: {'; '.join(dict.fromkeys(reasons))}")
    best = min(converged, key=lambda result: float(result.fun))
    return np.exp(best.x), -float(best.fun)


def _check_inside(result: OptimizeResult, names: Sequence[str], model: str) -> None:
    """FitError when a parameter has run off towards a limit of the model."""
    edge = np.flatnonzero(np.abs(result.x) > RUNAWAY)
    if len(edge):
        name, value = names[edge[0]], float(np.exp(result.x[edge[0]]))
        raise FitError(f"{model}: the likelihood has no maximum: {name} ran off to "
                       f"{value:.3g}; a limit of the model (customers all alike, or none "
                       "leaving) fits the data better than any proper value")
