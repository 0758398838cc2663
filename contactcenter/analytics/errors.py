"""What can go wrong in an analysis, as exceptions a command can print as they are.

Three kinds, because the user does three different things about them: fix the file
(``TransactionsError``), gather more history (``NotEnoughData``), or look at the data
and the model (``FitError``).
"""

from __future__ import annotations


class AnalyticsError(Exception):
    """Any analysis that cannot give an answer; its text is meant for the user."""


class TransactionsError(AnalyticsError):
    """A transactions file that cannot be read: the text names the file and the line."""


class NotEnoughData(AnalyticsError):
    """Too little history for a model to say anything; the text says how much it needs."""


class FitError(AnalyticsError):
    """The likelihood had no maximum the optimizer could find; the text says why."""
