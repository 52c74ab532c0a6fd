"""The action sets of local best response: which moves LBR weighs on each street.

Lisy & Bowling 2017 (arXiv:1612.07547) run LBR with fixed action sets,
whatever the abstraction of the bot it tests, so that it bets sizes the bot
did not train for and its action translation is put to the test:

* ``f`` fold (when facing a bet), ``c`` check/call, ``p`` a pot-sized raise
  (raise to the current bet plus the pot after calling, clipped to the legal
  range), ``a`` all-in;
* ``fc-fcpa``: fold/call preflop and on the flop, fold/call/pot/all-in on the
  turn and river (the paper's main setting, and the default here: the cheap
  early streets keep the computation low, the late streets are where the
  bet sizes matter most);
* ``fcpa``: fold/call/pot/all-in on every street;
* ``fc``: fold/call only (the weakest; LBR's edge comes from its folds alone);
* ``tree``: raises to the blueprint's own abstract sizes at its node, so the
  blueprint never translates an LBR bet; what it measures is the
  blueprint's exploitability inside its own abstraction, which separates
  weaknesses of the abstract strategy from weaknesses of translation.
"""
from __future__ import annotations

import numpy as np

SET_FC, SET_FCPA, SET_TREE = 0, 1, 2
_STREET_SETS = {"fc": SET_FC, "fcpa": SET_FCPA, "tree": SET_TREE}

LBR_ACTION_SETS: dict[str, str] = {
    "fc-fcpa": "fold/call preflop and flop; fold/call/pot/all-in turn and river (Lisy & Bowling's main setting)",
    "fcpa": "fold/call/pot/all-in on every street",
    "fc": "fold/call on every street",
    "tree": "fold/call and raises to the blueprint's own abstract sizes (no translation needed)",
}
DEFAULT_LBR_ACTIONS = "fc-fcpa"
_PER_STREET = {"fc-fcpa": ("fc", "fc", "fcpa", "fcpa"), "fcpa": ("fcpa",) * 4, "fc": ("fc",) * 4,
               "tree": ("tree",) * 4}


def street_sets(name: str) -> np.ndarray:
    """int64[4]: the SET_* of each street for the action set ``name``; ValueError naming the choices."""
    if name not in LBR_ACTION_SETS:
        raise ValueError(f"unknown LBR action set {name!r}; choose one of: {', '.join(LBR_ACTION_SETS)}")
    return np.array([_STREET_SETS[s] for s in _PER_STREET[name]], np.int64)
