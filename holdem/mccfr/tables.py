"""The two tables of MCCFR: cumulative regret (float32) and cumulative strategy (float64).

Rows follow :class:`holdem.game.tree_arrays.TableLayout`; only the pages
training touches hold memory (:mod:`holdem.mccfr.pages`).  ``Tables`` wraps
arrays it is given without copying them, so the tables can live in shared
memory (local workers update them in place without locks, as Pluribus did).
Values are true values times the run's table scale
(:func:`holdem.mccfr.schedule.table_scale`).

Regrets are float32 but the strategy sums are float64: a sum only ever grows
(between discounts), and once a row has been visited a few million times a float32 sum can no longer take the small
increments of one visit.  Accumulating a strategy that wobbles around
(0.3, 0.7) gives 0.2944 after 4 M visits and 0.3333 after 64 M in float32,
0.3000 in float64; a preflop row of ``hu_small`` is visited that often
within hours.  Regrets do not drift so: they move both ways and regret
matching only needs their signs and rough ratios.
"""
from __future__ import annotations

import numpy as np

from holdem.mccfr.pages import lazy_zeros

REGRET_DTYPE = np.dtype("<f4")
STRATEGY_DTYPE = np.dtype("<f8")
TABLE_DTYPES: dict[str, np.dtype] = {"regret": REGRET_DTYPE, "strategy": STRATEGY_DTYPE}
ENTRY_BYTES = REGRET_DTYPE.itemsize + STRATEGY_DTYPE.itemsize  # both tables, per layout entry


def _check(name: str, a: np.ndarray) -> None:
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(a).__name__}")
    if a.dtype != TABLE_DTYPES[name] or a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D {TABLE_DTYPES[name].name} array, got {a.dtype} with shape {a.shape}")
    if not a.flags.c_contiguous or not a.flags.writeable:
        raise ValueError(f"{name} must be C-contiguous and writeable (wrap the buffer, do not pass a strided view)")


class Tables:
    """``regret`` float32[layout.size] and ``strategy`` float64[layout.size], held by reference."""

    __slots__ = ("regret", "strategy")

    def __init__(self, regret: np.ndarray, strategy: np.ndarray):
        _check("regret", regret)
        _check("strategy", strategy)
        if regret.shape != strategy.shape:
            raise ValueError(f"regret and strategy sizes differ: {regret.shape[0]} vs {strategy.shape[0]}")
        self.regret = regret
        self.strategy = strategy

    @classmethod
    def zeros(cls, size: int) -> "Tables":
        """Zeroed tables, backed by memory only where touched (:func:`holdem.mccfr.pages.lazy_zeros`)."""
        return cls(lazy_zeros(size, REGRET_DTYPE), lazy_zeros(size, STRATEGY_DTYPE))

    @property
    def size(self) -> int:
        return int(self.regret.shape[0])

    def copy(self) -> "Tables":
        return Tables(self.regret.copy(), self.strategy.copy())
