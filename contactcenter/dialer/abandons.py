"""The abandoned-call rate over rolling windows, and the abandons a campaign can still afford.

The rule: abandoned calls stay at or below the target (3 % by default) of live answers
over the campaign's rolling 30 days (US TSR 16 CFR 310.4(b)(4)(i) measures successive
30-day periods of a campaign; every rolling 30 days is stricter and covers them) and
over every rolling 24 hours (Ofcom, *Revised statement of policy on the persistent
misuse of an electronic communications network or service*, 2016). The dialer throttles
itself rather than reporting a breach afterwards: before risking an abandon the pacer
asks ``budget``, how many more abandons the campaign may afford now.

Theory of operation: the ledger is fed, in time order, each live answer once its fate
is settled: connected to an agent in time, or abandoned (``law.classify_attempt``;
an abandon is a live answer too). A window of length L ending at ``t`` holds the
answers settled at ``at`` with ``t - L < at <= t``: an answer counts until ``at + L``.
Each window keeps a deque of its answers and running counts; time moving on drops the
answers that left, so each answer is added and dropped once (linear in the events).
The worst share of each window is kept as it goes, for the reports: a window's contents
change only when an answer enters or leaves, so looking after every such instant sees
every window there was.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from contactcenter.dialer.law import AttemptOutcome

DAY = 24 * 3600.0
THIRTY_DAYS = 30 * DAY
#: the abandoned share of live answers a campaign stays at or under (TSR 310.4(b)(4)(i))
DEFAULT_TARGET = Fraction(3, 100)


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowShare:
    """The live answers and abandons in the window of ``length`` seconds ending at ``end``."""

    length: float
    end: float
    answers: int
    abandons: int

    @property
    def ratio(self) -> Fraction:
        """The abandoned share, exactly; 0 without live answers."""
        return Fraction(self.abandons, self.answers) if self.answers else Fraction(0)

    @property
    def share(self) -> float:
        return float(self.ratio)


class _Window:
    """One rolling window: its answers (time, abandoned) and their counts."""

    __slots__ = ("abandons", "answers", "events", "length", "time", "worst")

    def __init__(self, length: float) -> None:
        self.length = length
        self.events: deque[tuple[float, bool]] = deque()
        self.answers = 0
        self.abandons = 0
        self.time = -math.inf  #: the latest instant the window was moved to
        self.worst: WindowShare | None = None  #: of the windows ending before ``time``

    def current(self) -> WindowShare:
        return WindowShare(length=self.length, end=self.time, answers=self.answers,
                           abandons=self.abandons)

    def advance(self, now: float) -> None:
        """Move the window's end to ``now``, dropping what left it and noting the worst
        of every window that ended on the way (not ``now``'s: more may come at ``now``)."""
        if now < self.time:
            raise ValueError(f"time went back: {now} after {self.time}")
        if now == self.time:
            return
        self._note(self.current())  # the window ending at the old time is complete
        while self.events and self.events[0][0] + self.length <= now:
            left = self.events[0][0]
            while self.events and self.events[0][0] == left:
                self._drop()
            if left + self.length < now:  # a window with these contents ended before now
                self._note(WindowShare(length=self.length, end=left + self.length,
                                       answers=self.answers, abandons=self.abandons))
        self.time = now

    def add(self, at: float, abandoned: bool) -> None:
        self.advance(at)
        self.events.append((at, abandoned))
        self.answers += 1
        self.abandons += abandoned

    def worst_until_now(self) -> WindowShare | None:
        now = self.current()
        if now.answers and (self.worst is None or now.ratio > self.worst.ratio):
            return now
        return self.worst

    def affordable(self, target: Fraction, horizon: float) -> int:
        """The abandons that keep this window at or under ``target`` now and, with no other
        answer meanwhile, at every end up to ``horizon`` seconds later (answers leaving
        raise the share of what stays)."""
        answers, abandons = self.answers, self.abandons
        least = _affordable(target, answers, abandons)
        until = self.time + horizon
        for at, abandoned in self.events:
            if at + self.length > until:
                break
            answers -= 1
            abandons -= abandoned
            least = min(least, _affordable(target, answers, abandons))
        return least

    def _drop(self) -> None:
        _, abandoned = self.events.popleft()
        self.answers -= 1
        self.abandons -= abandoned

    def _note(self, window: WindowShare) -> None:
        if window.answers and (self.worst is None or window.ratio > self.worst.ratio):
            self.worst = window


def _affordable(target: Fraction, answers: int, abandons: int) -> int:
    """The most k with (abandons + k) / (answers + k) <= target: k new live answers, all
    abandoned; never negative (a window already over affords none)."""
    room = (target * answers - abandons) / (1 - target)
    return max(0, math.floor(room))


class AbandonLedger:
    """The campaign's live answers and abandons over its rolling windows (by default 24
    hours and 30 days), fed in time order; see the module's theory of operation."""

    def __init__(self, *, target: Fraction | float = DEFAULT_TARGET,
                 lengths: Sequence[float] = (DAY, THIRTY_DAYS)) -> None:
        # a float target is read as written (0.03 is 3/100, not its binary neighbour)
        self.target = target if isinstance(target, Fraction) else Fraction(str(target))
        if not 0 <= self.target < 1:
            raise ValueError(f"the target {target} is not a share from 0 up to 1")
        if not lengths or any(length <= 0 for length in lengths):
            raise ValueError("the ledger needs windows of positive lengths")
        self._windows = {float(length): _Window(float(length)) for length in lengths}

    @property
    def lengths(self) -> tuple[float, ...]:
        return tuple(self._windows)

    def connected(self, at: float) -> None:
        """A live answer connected to an agent in time, at ``at``."""
        self._add(at, abandoned=False)

    def abandoned(self, at: float) -> None:
        """A live answer abandoned (a human not connected in time, or hung up on as a
        machine), at ``at``."""
        self._add(at, abandoned=True)

    def record(self, outcome: AttemptOutcome, at: float) -> None:
        """An attempt's outcome as ``law.classify_attempt`` gives it; not-live ones count not."""
        if outcome is AttemptOutcome.CONNECTED:
            self.connected(at)
        elif outcome is AttemptOutcome.ABANDONED:
            self.abandoned(at)

    def share(self, now: float, length: float = DAY) -> WindowShare:
        """The window of ``length`` ending at ``now``."""
        window = self._window(length)
        window.advance(now)
        return window.current()

    def shares(self, now: float) -> tuple[WindowShare, ...]:
        """Every window ending at ``now``, shortest first."""
        return tuple(self.share(now, length) for length in sorted(self._windows))

    def over_target(self, now: float) -> bool:
        """Whether any window ending at ``now`` is over the target."""
        return any(window.ratio > self.target for window in self.shares(now))

    def budget(self, now: float, *, horizon: float = 0.0) -> int:
        """How many more abandons the campaign may afford at ``now`` and keep every window
        ending at ``now`` at or under the target; with ``horizon``, every window ending up
        to ``horizon`` seconds later too, were no other live answer to come meanwhile
        (a pacer passes the longest a call placed now may take to be settled). Never
        negative; zero while any window is at or over the target."""
        if horizon < 0:
            raise ValueError("the horizon is a duration: not negative")
        least: int | None = None
        for length in self._windows:
            window = self._window(length)
            window.advance(now)
            affordable = window.affordable(self.target, horizon)
            least = affordable if least is None else min(least, affordable)
        assert least is not None  # the ledger has a window at least
        return least

    def worst(self, now: float, length: float = DAY) -> WindowShare | None:
        """The window of ``length`` with the highest abandoned share among those ending at
        or before ``now`` (None before the first live answer), for the reports."""
        window = self._window(length)
        window.advance(now)
        return window.worst_until_now()

    def _add(self, at: float, *, abandoned: bool) -> None:
        for window in self._windows.values():
            if at < window.time:
                raise ValueError(f"a live answer at {at} after one at {window.time}: "
                                 "the ledger is fed in time order")
        for window in self._windows.values():
            window.add(at, abandoned)

    def _window(self, length: float) -> _Window:
        try:
            return self._windows[float(length)]
        except KeyError:
            raise ValueError(f"the ledger keeps no window of {length} s "
                             f"(it keeps {', '.join(map(str, self._windows))})") from None
