from itertools import combinations, permutations
from math import comb

import numpy as np
import pytest

from holdem import isomorphism
from holdem.abstraction.boards import representative_boards


@pytest.mark.parametrize("k, classes", [(3, 1755), (4, 16432), (5, 134459)])
def test_one_board_per_suit_class_with_class_sizes(k, classes):
    boards, weights = representative_boards(k)
    assert len(boards) == classes
    assert weights.sum() == comb(52, k)
    assert (np.diff(boards.astype(int), axis=1) > 0).all()


def test_classes_counted_independently_for_flops():
    def canon(b):
        return min(tuple(sorted((c & ~3) | p[c & 3] for c in b)) for p in permutations(range(4)))

    classes = {}
    for b in combinations(range(52), 3):
        classes[canon(b)] = classes.get(canon(b), 0) + 1
    boards, weights = representative_boards(3)
    assert dict(zip(map(tuple, boards.tolist()), weights.tolist())) == classes


def test_holes_on_representatives_reach_every_flop_index():
    boards, _ = representative_boards(3)
    rows = [
        [a, b, *board]
        for board in boards.tolist()
        for a, b in combinations([c for c in range(52) if c not in board], 2)
    ]
    idx = isomorphism.index_batch(np.array(rows, np.int64))
    assert np.unique(idx).size == isomorphism.size(3)
