"""The two dense float32 tables of MCCFR: cumulative regret and cumulative strategy.

Rows follow :class:`holdem.game.tree_arrays.TableLayout`.  ``Tables`` wraps
arrays it is given without copying them, so the tables can live in shared
memory (DESIGN.md: local workers update them in place without locks, as
Pluribus did).
"""
from __future__ import annotations

import numpy as np
from numba import njit

TABLE_DTYPE = np.float32


def _check(name: str, a: np.ndarray) -> None:
    if not isinstance(a, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(a).__name__}")
    if a.dtype != TABLE_DTYPE or a.ndim != 1:
        raise ValueError(f"{name} must be a 1-D float32 array, got {a.dtype} with shape {a.shape}")
    if not a.flags.c_contiguous or not a.flags.writeable:
        raise ValueError(f"{name} must be C-contiguous and writeable (wrap the buffer, do not pass a strided view)")


class Tables:
    """``regret`` and ``strategy``: float32[layout.size], held by reference."""

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
        return cls(np.zeros(size, dtype=TABLE_DTYPE), np.zeros(size, dtype=TABLE_DTYPE))

    @property
    def size(self) -> int:
        return int(self.regret.shape[0])

    def discount(self, factor: float) -> None:
        """Multiply both tables by ``factor`` in place (float32 arithmetic, GIL released)."""
        if not 0.0 < factor <= 1.0:
            raise ValueError(f"discount factor must be in (0, 1], got {factor}")
        _scale(self.regret, np.float32(factor))
        _scale(self.strategy, np.float32(factor))

    def copy(self) -> "Tables":
        return Tables(self.regret.copy(), self.strategy.copy())


@njit(cache=True, nogil=True)
def _scale(a, factor):
    for i in range(a.shape[0]):
        a[i] *= factor
