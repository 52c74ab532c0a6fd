"""Named card-abstraction presets: how many buckets per street and how exactly to compute them.

Preflop is always the 169 lossless starting-hand classes
(:func:`holdem.isomorphism.preflop_class`).  Flop and turn hands are
clustered by the histogram of their river equity (k-means under EMD, see
:mod:`holdem.abstraction.kmeans`); river hands by their exact equity.

Where a preset *samples* instead of enumerating, it says so below:

* ``flop_runouts`` / ``turn_rivers``: 0 enumerates every runout of a board
  (1176 turn-river pairs from the 49 unseen cards of a flop; 48 rivers of a
  turn), so each hole's histogram is exact (1081 or 46 runouts).  A positive
  number samples that many runouts per board (seeded by the board), so a
  histogram is an estimate from about that many runouts.
* ``river_boards``: 0 weighs every river board class exactly when fitting the
  river buckets; a positive number uses that many random boards.
* ``train_boards`` x ``train_holes``: k-means is fitted on the hands of that
  many boards (drawn in proportion to how often they are dealt, with that many
  random holes each); every hand is then assigned to its nearest centroid.
  The opponent is never sampled: river equity is exact in every preset.
* ``river_table``: store the river bucket of every river index (123 MB,
  memory-mapped, so fast dealing) or compute the exact equity of each dealt
  hand (small file, fast build, slower dealing); see
  :mod:`holdem.abstraction.buckets` for the measurements behind the choice.

Measured here (2 cores shared with other jobs;
``python benchmarks/buckets.py --build test,small,mid,large``):

=====  ==========  ========  ========  =========
name   wall        CPU       peak RSS  file
=====  ==========  ========  ========  =========
test   9-13 s      9 s       211 MiB   4.6 MiB
small  45-88 s     41-43 s   331 MiB   121 MiB
mid    193 s       114 s     361 MiB   122 MiB
large  209 s       146 s     344 MiB   122 MiB
=====  ==========  ========  ========  =========

Files from small up are mostly the 123 MB river table.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

N_PREFLOP_BUCKETS = 169  # lossless starting-hand classes


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    flop_buckets: int
    turn_buckets: int
    river_buckets: int
    flop_bins: int  # equity-histogram bins (equal width over [0, 1])
    turn_bins: int
    flop_runouts: int  # 0 = every turn-river runout of each flop; else sampled per board
    turn_rivers: int  # 0 = every river of each turn; else sampled per board
    river_boards: int  # 0 = every river board class; else random boards
    train_boards: int  # boards whose hands fit the flop and turn k-means
    train_holes: int  # random holes per training board
    kmeans_iters: int
    river_table: bool  # store the bucket of all 123,156,254 river indices (fast dealing) or compute equity per hand

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.type in ("int", int) and (isinstance(v, bool) or not isinstance(v, int)):
                raise ValueError(f"preset {self.name!r}: {f.name} must be an int, got {v!r}")
            if f.type in ("bool", bool) and not isinstance(v, bool):
                raise ValueError(f"preset {self.name!r}: {f.name} must be true or false, got {v!r}")
        for key in ("flop_buckets", "turn_buckets", "river_buckets"):
            if not 2 <= getattr(self, key) <= 65535:
                raise ValueError(f"preset {self.name!r}: {key} must be in 2..65535")
        for key in ("flop_bins", "turn_bins"):
            if not 2 <= getattr(self, key) <= 128:
                raise ValueError(f"preset {self.name!r}: {key} must be in 2..128")
        for key in ("flop_runouts", "turn_rivers", "river_boards"):
            if getattr(self, key) < 0:
                raise ValueError(f"preset {self.name!r}: {key} must be >= 0 (0 = exact)")
        for key in ("train_boards", "train_holes", "kmeans_iters"):
            if getattr(self, key) < 1:
                raise ValueError(f"preset {self.name!r}: {key} must be >= 1")

    @property
    def buckets_per_street(self) -> tuple[int, int, int, int]:
        return (N_PREFLOP_BUCKETS, self.flop_buckets, self.turn_buckets, self.river_buckets)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Preset":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        missing = sorted(names - set(data))
        if unknown or missing:
            raise ValueError(f"bad preset parameters: unknown {unknown}, missing {missing}")
        return cls(**data)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            name="test",
            description="tiny, for CI tests of Hold'em training: 8 buckets per postflop street; "
            "SAMPLED: 8 runouts per flop, 4 rivers per turn, 2000 river boards",
            flop_buckets=8,
            turn_buckets=8,
            river_buckets=8,
            flop_bins=8,
            turn_bins=8,
            flop_runouts=8,
            turn_rivers=4,
            river_boards=2000,
            train_boards=300,
            train_holes=64,
            kmeans_iters=15,
            river_table=False,
        ),
        Preset(
            name="small",
            description="quick runs: 20 buckets per postflop street; turn and river exact, "
            "SAMPLED: 48 runouts per flop",
            flop_buckets=20,
            turn_buckets=20,
            river_buckets=20,
            flop_bins=20,
            turn_bins=20,
            flop_runouts=48,
            turn_rivers=0,
            river_boards=0,
            train_boards=1500,
            train_holes=64,
            kmeans_iters=40,
            river_table=True,
        ),
        Preset(
            name="mid",
            description="100 buckets per postflop street; every feature exact",
            flop_buckets=100,
            turn_buckets=100,
            river_buckets=100,
            flop_bins=30,
            turn_bins=30,
            flop_runouts=0,
            turn_rivers=0,
            river_boards=0,
            train_boards=1755,
            train_holes=128,
            kmeans_iters=60,
            river_table=True,
        ),
        Preset(
            name="large",
            description="200 buckets per postflop street, as Pluribus's blueprint; every feature exact",
            flop_buckets=200,
            turn_buckets=200,
            river_buckets=200,
            flop_bins=50,
            turn_bins=50,
            flop_runouts=0,
            turn_rivers=0,
            river_boards=0,
            train_boards=4000,
            train_holes=128,
            kmeans_iters=80,
            river_table=True,
        ),
    )
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown bucket preset {name!r}; choose one of: {', '.join(PRESETS)}") from None
