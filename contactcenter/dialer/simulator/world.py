"""The simulated world of one campaign day: who the list's records are, drawn per seed.

Common random numbers: every record's fate (who answers, after how long, how long the
talk and the wrap-up last) is drawn once per (seed, record index), before any pacer
meets it, so that every pacing mode meets the same people in the same order and the
differences between modes are the pacers', not the dice's. Records are drawn in
blocks of ``BLOCK`` with their own seed (``[seed, block]``): a mode that dials more
records draws further blocks, and record 5,000 is the same person whether a mode
reaches it or not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: outcome codes of a record (what happens when it is dialed)
HUMAN, MACHINE, BUSY, NO_ANSWER, FAILED = range(5)
OUTCOMES = ("human", "machine", "busy", "no_answer", "failed")
#: records drawn at once with one seed
BLOCK = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class Cell:
    """One cell of the benchmark's grid: the list, the people on it and the team.

    Shares are of dials: ``human`` answers (a live person), ``machine``, ``busy``,
    ``failed``; the rest ring out (no answer). Durations are log-normal, given by their
    median (seconds) and sigma (of the log), because talk and answer times are skewed
    with long tails (a few long calls), which a normal law would not give."""

    human: float = 0.2  #: share of dials a person answers (the grid: 10 % to 40 %)
    machine: float = 0.25
    busy: float = 0.08
    failed: float = 0.01
    answer_median: float = 8.0  #: dialed to answered (human or machine), seconds
    answer_sigma: float = 0.45
    talk_median: float = 150.0
    talk_sigma: float = 0.6
    wrap_median: float = 20.0
    wrap_sigma: float = 0.4
    agents: int = 10  #: logged in for the whole shift (the grid: 5 to 100)
    hours: float = 8.0  #: the shift
    amd_false_machine: float = 0.0  #: share of humans the machine detection hangs up on
    amd_false_human: float = 0.0  #: share of machines it takes for humans
    machine_talk: float = 8.0  #: an agent given a machine hangs up after this

    def __post_init__(self) -> None:
        shares = (self.human, self.machine, self.busy, self.failed)
        if any(share < 0 for share in shares) or sum(shares) > 1:
            raise ValueError(f"outcome shares must be >= 0 and add up to <= 1: {shares}")
        if self.agents < 1 or self.hours <= 0:
            raise ValueError("a cell needs an agent and a shift")

    @property
    def no_answer(self) -> float:
        return 1.0 - self.human - self.machine - self.busy - self.failed

    @property
    def shift(self) -> float:
        """The shift in seconds."""
        return self.hours * 3600.0

    def mean(self, median: float, sigma: float) -> float:
        """The mean of a log-normal given by its median: skew puts it above the median."""
        return median * math.exp(sigma * sigma / 2)


@dataclass(frozen=True, slots=True)
class Block:
    """``BLOCK`` records' draws, as Python lists (read one by one in the event loop,
    where indexing a numpy array is slower than a list)."""

    outcome: list[int]
    delay: list[float]  #: dialed to answered, for humans and machines
    quick: list[float]  #: dialed to busy or failed (a couple of seconds)
    talk: list[float]
    wrap: list[float]
    amd: list[float]  #: uniform, against the detection's error shares


class World:
    """The records of one (cell, seed), drawn block by block on first use."""

    def __init__(self, cell: Cell, seed: int) -> None:
        self.cell = cell
        self.seed = seed
        self._blocks: dict[int, Block] = {}

    def block(self, number: int) -> Block:
        block = self._blocks.get(number)
        if block is None:
            block = self._blocks[number] = _draw(self.cell, self.seed, number)
        return block

    def record(self, index: int) -> tuple[int, float, float, float, float, float]:
        """Record ``index``'s (outcome, delay, quick, talk, wrap, amd)."""
        block = self.block(index // BLOCK)
        i = index % BLOCK
        return (block.outcome[i], block.delay[i], block.quick[i], block.talk[i],
                block.wrap[i], block.amd[i])


def _draw(cell: Cell, seed: int, number: int) -> Block:
    """One block, all of it drawn in one fixed order from its own generator."""
    rng = np.random.default_rng([seed, number])
    shares = np.array([cell.human, cell.machine, cell.busy, cell.no_answer, cell.failed])
    outcome = rng.choice(5, size=BLOCK, p=shares / shares.sum())
    delay = np.maximum(1.0, rng.lognormal(math.log(cell.answer_median), cell.answer_sigma,
                                          BLOCK))
    quick = 2.0 + 2.0 * rng.random(BLOCK)  # busy tone or failure after 2 to 4 s
    talk = np.maximum(5.0, rng.lognormal(math.log(cell.talk_median), cell.talk_sigma, BLOCK))
    wrap = rng.lognormal(math.log(cell.wrap_median), cell.wrap_sigma, BLOCK)
    amd = rng.random(BLOCK)
    return Block(outcome.tolist(), delay.tolist(), quick.tolist(), talk.tolist(),
                 wrap.tolist(), amd.tolist())
