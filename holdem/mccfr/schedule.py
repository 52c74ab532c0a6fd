"""When to discount: Pluribus's linear weighting as pure functions of iteration counts.

Brown & Sandholm 2019 (Pluribus, supplementary): during the first phase,
at the end of every discount interval, regrets and strategy sums are
multiplied by t/(t+1), t being the number of intervals completed, which
weights each iteration about linearly (Linear CFR, Brown & Sandholm 2019,
AAAI).  Here intervals are counted in iterations: interval ``k`` ends at
iteration ``k * discount_interval``, and discounts apply at interval ends at
or before ``discount_until``.

A discount takes effect once the batch containing the interval end is
complete (batches are atomic; batch ``k`` covers ``[k*B, (k+1)*B)``), and
only whole grid batches count, so a batch cut short at the end of a run
applies its discounts when a resumed run completes it, exactly as an
uninterrupted run does.

No row is ever multiplied.  Every discount multiplies every row by the same
factor, so the tables instead hold the true values times a scale, the
inverse of the product of the factors so far, and a batch adds its
increments times the scale in force when it starts (:func:`table_scale`):
with factors k/(k+1) that scale is simply 1 + the discounts so far.  Regret
matching and the average strategy only use ratios within a row, so they read
the scaled values as they are; the regret floor and the pruning threshold are
scaled alike; a figure in chips divides by the scale.  The result equals
eager discounting up to float rounding, costs nothing at a discount point
(no pause, no pass over the tables) and leaves untouched rows untouched.
Values grow by at most 1 + discount_until / discount_interval (41 with the
defaults), far inside float32's range.
"""
from __future__ import annotations

from typing import NamedTuple

from holdem.mccfr.params import MCCFRParams


class Discount(NamedTuple):
    at_iteration: int  # the interval end that triggers it
    factor: float  # multiply regrets and strategy sums by this


def discounts_between(params: MCCFRParams, it_before: int, it_after: int) -> list[Discount]:
    """Discounts whose interval end lies in ``(it_before, it_after]``, in order."""
    if it_before < 0 or it_after < it_before:
        raise ValueError(f"bad iteration range ({it_before}, {it_after}]")
    if not params.linear_weighting:
        return []
    step = params.discount_interval
    last = min(it_after, params.discount_until)
    first_k = it_before // step + 1
    last_k = last // step
    return [Discount(k * step, k / (k + 1)) for k in range(first_k, last_k + 1)]


def discounts_applied(params: MCCFRParams, iteration: int, batch_size: int = 1) -> int:
    """How many discounts a run of batches of ``batch_size`` has applied once ``iteration`` iterations
    are done (schedule state; a batch cut short has not applied its discounts yet)."""
    return len(discounts_for_batches(params, batch_size, 0, iteration))


def discounts_for_batches(params: MCCFRParams, batch_size: int, it_before: int, it_after: int) -> list[Discount]:
    """Discounts due when the iteration count goes from ``it_before`` to ``it_after`` by whole
    batches of the grid ``[k*B, (k+1)*B)`` (a cut-short last batch counts once it is completed)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return discounts_between(params, it_before // batch_size * batch_size, it_after // batch_size * batch_size)


def scale_after(params: MCCFRParams, iteration: int, batch_size: int) -> float:
    """The table scale once ``iteration`` iterations of a run of ``batch_size`` batches are done (that of
    the grid batch that starts, or is to be finished, there): what snapshots record."""
    return table_scale(params, iteration // batch_size * batch_size)


def table_scale(params: MCCFRParams, batch_start: int) -> float:
    """What the tables' values are multiplied by during the grid batch starting at ``batch_start``:
    1 / (product of the discount factors applied before it) = 1 + the discounts applied before it."""
    if batch_start < 0:
        raise ValueError(f"batch_start must be >= 0, got {batch_start}")
    if not params.linear_weighting:
        return 1.0
    return float(1 + min(batch_start, params.discount_until) // params.discount_interval)
