"""Pseudo-harmonic action translation: map a real bet size onto the abstraction's sizes.

Ganzfried & Sandholm 2013, "Action translation in extensive-form games with
large action spaces: axioms, paradoxes, and the pseudo-harmonic mapping"
(IJCAI).  Sizes are measured as fractions of the pot (a bet of ``x`` pots);
for a real size ``x`` between two neighbouring abstract sizes ``A < x < B``
the mapping is randomized:

    P(map to A) = f_{A,B}(x) = (B - x)(1 + A) / ((B - A)(1 + x)),   P(B) = 1 - f.

``f`` is 1 at ``x = A``, 0 at ``x = B`` and decreasing between (their
axioms); it is the mapping that makes an opponent who best-responds to the
abstraction indifferent (the harmonic mean rule, smoothed).  A size below the
smallest abstract size maps to the smallest, above the largest to the
largest (the paper leaves these ends to the designer; mapping a bet to a
check would leave the responder facing no bet in the abstract game while
facing one in the real game, which the betting tree cannot express).

Raise sizes here follow :mod:`holdem.abstraction.actions`: the fraction of a
raise to ``raise_to`` is ``(raise_to - current_bet) / (pot + to_call)``.
"""
from __future__ import annotations

import math
from typing import Sequence


def raise_fraction(raise_to: int, current_bet: int, pot: int, to_call: int) -> float:
    """Size of a raise in pots: the increment over the current bet per chip of the pot after calling."""
    base = pot + to_call
    if base <= 0:
        raise ValueError(f"pot after calling must be positive, got pot={pot} to_call={to_call}")
    return (raise_to - current_bet) / base


def pseudo_harmonic(a: float, b: float, x: float) -> float:
    """Probability of mapping ``x`` to the smaller size ``a`` (``a <= x <= b``, ``a > -1``)."""
    if not a <= x <= b:
        raise ValueError(f"x={x} must lie between a={a} and b={b}")
    if b == a:
        return 1.0
    return (b - x) * (1.0 + a) / ((b - a) * (1.0 + x))


def translation_probabilities(sizes: Sequence[float], x: float) -> list[float]:
    """Probability of each abstract size (ascending, distinct) for the real size ``x``."""
    n = len(sizes)
    if n == 0:
        raise ValueError("no abstract sizes to translate onto")
    if any(not math.isfinite(s) for s in sizes) or any(sizes[i] >= sizes[i + 1] for i in range(n - 1)):
        raise ValueError(f"abstract sizes must be finite and strictly ascending, got {list(sizes)}")
    out = [0.0] * n
    if x <= sizes[0]:
        out[0] = 1.0
        return out
    if x >= sizes[-1]:
        out[-1] = 1.0
        return out
    hi = next(i for i in range(1, n) if sizes[i] >= x)
    p_low = pseudo_harmonic(sizes[hi - 1], sizes[hi], x)
    out[hi - 1] = p_low
    out[hi] = 1.0 - p_low
    return out


def translate(sizes: Sequence[float], x: float, u: float) -> int:
    """Index of the abstract size ``x`` maps to, given a uniform draw ``u`` in [0, 1)."""
    probs = translation_probabilities(sizes, x)
    total = 0.0
    for i, p in enumerate(probs):
        total += p
        if u < total:
            return i
    return max(i for i, p in enumerate(probs) if p > 0)
