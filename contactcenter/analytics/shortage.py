"""Bad or too little data for the uplift and cluster models, as errors the API can answer
4xx.

``TooLittleData`` is both the package's ``NotEnoughData`` (so the command prints it as
the lifetime-value errors are printed) and a ``ValueError`` (so a route that turns
ValueError into a 422 needs no new case). The text always says what was needed and
what was found: "uplift needs at least 50 treated ...; found 12 treated ...".
"""

from __future__ import annotations

from contactcenter.analytics.errors import AnalyticsError, NotEnoughData


class TooLittleData(NotEnoughData, ValueError):
    """The data cannot support the model; the text names the need and what was found."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        #: the input at fault, for an API answer that names the field
        self.field = field


class BadInput(AnalyticsError, ValueError):
    """Arrays that do not fit the input contract (shape, NaN, flags not 0 or 1)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        #: the input at fault
        self.field = field
