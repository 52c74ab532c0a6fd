"""Hyper-parameters of external-sampling MCCFR with Pluribus's schedule.

External sampling: Lanctot, Waugh, Zinkevich & Bowling 2009, "Monte Carlo
Sampling for Regret Minimization in Extensive Games".  Linear weighting by
periodic discounting, negative-regret pruning and the regret floor: Brown &
Sandholm 2019, "Superhuman AI for multiplayer poker" (Pluribus), supplementary
materials, Algorithm 1 and "Linear CFR" (Brown & Sandholm 2019, "Solving
Imperfect-Information Games via Discounted Regret Minimization", AAAI).

Pluribus's figures, for scale: discount every 10 minutes during the first 400
minutes by t/(t+1) (t = number of intervals so far); prune from minute 200 on
95% of iterations, actions whose regret is below -300,000,000, never on the
river nor actions that end the hand; regret floor -310,000,000; average
strategy kept for the preflop only, updated every 10,000 iterations.  Its
regrets are in chips with blinds 50/100, as here.  Schedules here are counted
in iterations (not minutes) so a run is reproducible: the defaults keep
Pluribus's proportions (40 discount intervals, pruning from half of that
phase).

Every field is a plain int/float/bool/tuple with a default, so the config
loader can validate a ``solver:`` section against this dataclass.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

MAX_STREETS = 4


@dataclass(frozen=True)
class MCCFRParams:
    """Every field, its unit and its default.

    linear_weighting   bool   True. Apply Pluribus's discount: after the k-th
                              interval multiply regrets and strategy sums by
                              k/(k+1), which weights iteration t by ~t (Linear CFR).
    discount_interval  int    100_000 iterations between discounts (>= 1).
    discount_until     int    4_000_000: discount only at interval ends at or before this
                              iteration (Pluribus: the first 400 of its minutes).
    prune_after        int    2_000_000: iterations before negative-regret pruning may start.
    prune_probability  float  0.95: share of traversals that prune once allowed (Pluribus 95%);
                              0 disables pruning.
    prune_threshold    float  -300_000_000.0 chips of regret: a prunable action is skipped
                              in a pruning traversal unless its regret is above this.
    prune_last_street  bool   False: Pluribus never prunes on the last betting round.
    prune_terminal     bool   False: Pluribus never prunes actions that lead to a terminal node.
    regret_floor       float  -310_000_000.0: regrets never go below this (Pluribus), so
                              pruned actions can come back; must be <= prune_threshold.
    average_streets    tuple  (0, 1, 2, 3): streets whose average strategy is accumulated
                              (Pluribus: (0,), preflop only). Others use the current strategy.
    strategy_interval  int    1: add the current strategy to the sums every this many
                              iterations. Here the sum is updated during the traversal at the
                              other players' nodes (Lanctot et al. 2009, "simple" averaging),
                              which costs little, hence 1 (Pluribus ran a separate sampled pass
                              every 10,000 iterations).
    enumerate_own_hands bool  False. Small exact games only (Kuhn, Leduc): each traversal samples
                              the other seats' cards and the public ones and walks the tree once
                              for every private hand of the traverser, weighted by its probability
                              (:mod:`holdem.mccfr.own_hands`; Johanson et al. 2012): the same
                              expected update with less variance. Pruning does not apply to it.
    """

    linear_weighting: bool = True
    discount_interval: int = 100_000
    discount_until: int = 4_000_000
    prune_after: int = 2_000_000
    prune_probability: float = 0.95
    prune_threshold: float = -300_000_000.0
    prune_last_street: bool = False
    prune_terminal: bool = False
    regret_floor: float = -310_000_000.0
    average_streets: tuple[int, ...] = (0, 1, 2, 3)
    strategy_interval: int = 1
    enumerate_own_hands: bool = False

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type in ("bool", bool):
                if not isinstance(value, bool):
                    raise ValueError(f"solver.{f.name}: expected true or false, got {value!r}")
            elif f.type in ("int", int):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"solver.{f.name}: expected an integer, got {value!r}")
            elif f.type in ("float", float):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ValueError(f"solver.{f.name}: expected a number, got {value!r}")
                object.__setattr__(self, f.name, float(value))
        streets = self.average_streets
        if isinstance(streets, list):
            streets = tuple(streets)
            object.__setattr__(self, "average_streets", streets)
        if not isinstance(streets, tuple) or not all(isinstance(s, int) and not isinstance(s, bool) for s in streets):
            raise ValueError(f"solver.average_streets: expected a list of street numbers 0..3, got {streets!r}")
        if any(not 0 <= s < MAX_STREETS for s in streets) or len(set(streets)) != len(streets):
            raise ValueError(f"solver.average_streets: expected distinct street numbers in 0..3, got {list(streets)}")
        if self.discount_interval < 1:
            raise ValueError(f"solver.discount_interval: expected an integer >= 1, got {self.discount_interval}")
        for name in ("discount_until", "prune_after"):
            if getattr(self, name) < 0:
                raise ValueError(f"solver.{name}: expected an integer >= 0, got {getattr(self, name)}")
        if self.strategy_interval < 1:
            raise ValueError(f"solver.strategy_interval: expected an integer >= 1, got {self.strategy_interval}")
        if not 0.0 <= self.prune_probability <= 1.0:
            raise ValueError(f"solver.prune_probability: expected a number in [0, 1], got {self.prune_probability}")
        if self.prune_threshold > 0:
            raise ValueError(
                f"solver.prune_threshold: expected a number <= 0 (chips of regret), got {self.prune_threshold}"
            )
        if self.enumerate_own_hands and self.prune_probability > 0:
            raise ValueError(
                "solver.enumerate_own_hands: pruning does not apply to it; set prune_probability: 0 "
                f"(it is {self.prune_probability})"
            )
        if self.regret_floor > self.prune_threshold:
            raise ValueError(
                f"solver.regret_floor: {self.regret_floor} is above prune_threshold {self.prune_threshold}; "
                "set it at or below the threshold so pruned actions can recover"
            )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["average_streets"] = list(self.average_streets)
        return d

    @classmethod
    def from_dict(cls, raw: dict[str, Any] | None) -> "MCCFRParams":
        """Build from a ``solver:`` mapping; unknown keys raise ValueError naming them and the known ones."""
        raw = dict(raw or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"solver: unknown key(s) {unknown}; known keys: {sorted(known)}")
        if "average_streets" in raw and isinstance(raw["average_streets"], list):
            raw["average_streets"] = tuple(raw["average_streets"])
        return cls(**raw)
