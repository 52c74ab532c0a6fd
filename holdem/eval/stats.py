"""Mean and 95% confidence interval of per-group results, in milli big blinds per hand.

Duplicate groups (one deal replayed with the players rotated through the
seats) are independent, so the normal-approximation interval over group
means is ``mean +- 1.96 * s / sqrt(G)`` with ``s`` the sample standard
deviation of the G group results (the usual practice of poker-bot
evaluations, e.g. the ACPC's duplicate matches).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z95 = 1.959963984540054  # two-sided 95% quantile of the normal distribution
MILLI = 1000.0


@dataclass(frozen=True)
class Estimate:
    mean: float
    half_width: float  # of the 95% interval; inf with fewer than two groups
    groups: int

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width


def mean_ci95(values: np.ndarray) -> Estimate:
    v = np.asarray(values, dtype=np.float64)
    if v.size == 0:
        raise ValueError("no results to summarise")
    if v.size < 2:
        return Estimate(float(v.mean()), math.inf, int(v.size))
    return Estimate(float(v.mean()), Z95 * float(v.std(ddof=1)) / math.sqrt(v.size), int(v.size))


def to_mbb(chips, big_blind: int):
    """Chips per hand -> milli big blinds per hand (floats or arrays)."""
    return chips * (MILLI / big_blind)


def running_ci95(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(running mean, running 95% half-width) after each group; the half-width is NaN before two groups."""
    v = np.asarray(values, dtype=np.float64)
    n = np.arange(1, v.size + 1)
    mean = np.cumsum(v) / n
    sq = np.cumsum(v * v)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = np.where(n > 1, (sq - n * mean * mean) / (n - 1), np.nan)
        half = Z95 * np.sqrt(np.maximum(var, 0.0)) / np.sqrt(n)
    half[n < 2] = np.nan
    return mean, half
