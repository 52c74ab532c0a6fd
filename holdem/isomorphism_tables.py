"""Lookup tables for the suit-isomorphic hand indexer (Waugh 2013).

K. Waugh, "A Fast and Optimal Hand Isomorphism Algorithm", AAAI workshop on
Computer Poker and Imperfect Information, 2013.  A hand is dealt in *rounds*;
within a round the order of the cards does not matter, and renaming suits
does not change the hand.

Per round, the *count matrix* says how many cards of each suit the round
dealt.  Sorting the four suits by their count vectors (counts in every round
so far) gives the hand's *configuration*; the hands of one configuration are
numbered by a mixed-radix number over groups of suits whose count vectors are
equal (a multiset of per-suit indices per group).  These tables map a count
matrix, encoded as a small integer (the "permutation index"), straight to its
configuration and to the suit order that sorts it, so the compiled kernel
never sorts suits itself.

Round layout.  Every street is indexed as two rounds, hole | board, with the
board one unordered set (``STREET_ROUNDS``): a turn or river hand is the same
hand whichever board card came last, which is what card abstraction wants,
and it gives the published sizes 169 / 1,286,792 / 13,960,050 / 123,156,254.
:func:`build_tables` accepts any layout; with the board split into ordered
rounds (2 | 3 | 1 | 1) it gives Waugh's 55,190,538 turn and 2,428,287,420
river indices instead.

Everything is built once at import, in plain Python, from the card layout of
:mod:`holdem.cards` (13 ranks x 4 suits), in well under a second.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import comb

import numpy as np

from holdem.cards import N_RANKS, N_SUITS

HOLE_CARDS = 2
BOARD_LEN_OF_STREET = (0, 3, 4, 5)
N_STREETS = len(BOARD_LEN_OF_STREET)
MAX_ROUNDS = 4  # rounds per street build_tables supports (hole, flop, turn, river)

# Cards per round, per street: hole | whole board as one set.
STREET_ROUNDS = ((2,), (2, 3), (2, 4), (2, 5))

# board length -> street; -1 marks lengths that are no street
STREET_OF_BOARD_LEN = np.array([0, -1, -1, 1, 2, 3], dtype=np.int64)

# Four 13-bit rank sets packed into one int64, one 16-bit lane per suit.
LANE_BITS = 16
RANK_MASK = (1 << N_RANKS) - 1

# A permutation-table entry packs the configuration id above the suit order
# (2 bits per sorted position).
PI_BITS = 8

# Indices per street for hole | board; the tests recount them by Burnside's lemma.
EXPECTED_SIZES = (169, 1_286_792, 13_960_050, 123_156_254)


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    """Every tuple of ``parts`` non-negative ints summing to ``total``."""
    return [c for c in product(range(total + 1), repeat=parts) if sum(c) == total]


def suit_size(vector: tuple[int, ...]) -> int:
    """Distinct rank-set sequences one suit can hold, given its cards per round."""
    size, used = 1, 0
    for n in vector:
        size *= comb(N_RANKS - used, n)
        used += n
    return size


@dataclass(frozen=True)
class IndexTables:
    """Flat arrays for every street of one round layout (see module docstring).

    n_rounds        int64[S]           rounds of each street
    round_cards     int64[S, R]        cards dealt in each round (0 past the last)
    perm_mult       int64[S, R, 4]     weight of one card of (round, suit) in the permutation index
    perm_base       int64[S+1]         start of each street's block in perm_table
    perm_table      int64[...]         (config id << PI_BITS) | suit order; -1 if impossible
    config_base     int64[S+1]         first configuration id of each street
    config_offset   int64[C]           first index of a configuration within its street
    config_suit_size int64[C, 4]       suit_size of each sorted position
    config_eq       int64[C]           bit i-1 set when position i shares position i-1's group
    config_counts   int64[C, 4, R]     cards per round of each sorted position
    config_pos_mult int64[C, 4]        mixed-radix weight of the group holding each position
    config_pos_in_group int64[C, 4]    place of each position within its group (0 = first;
                                       always 0 for empty suits, whose term is 0 anyway)
    config_live_eq  int64[C]           config_eq restricted to suits holding cards
                                       (empty suits all have suit index 0: nothing to sort)
    street_size     int64[S]           number of indices per street
    """

    n_rounds: np.ndarray
    round_cards: np.ndarray
    perm_mult: np.ndarray
    perm_base: np.ndarray
    perm_table: np.ndarray
    config_base: np.ndarray
    config_offset: np.ndarray
    config_suit_size: np.ndarray
    config_eq: np.ndarray
    config_counts: np.ndarray
    config_pos_mult: np.ndarray
    config_pos_in_group: np.ndarray
    config_live_eq: np.ndarray
    street_size: np.ndarray


def _group_lengths(config: tuple) -> list[int]:
    lengths, i = [], 0
    while i < N_SUITS:
        m = 1
        while i + m < N_SUITS and config[i + m] == config[i]:
            m += 1
        lengths.append(m)
        i += m
    return lengths


def build_tables(street_rounds: tuple[tuple[int, ...], ...] = STREET_ROUNDS) -> IndexTables:
    """Build the indexer tables for a round layout (cards per round, per street)."""
    n_streets = len(street_rounds)
    for rounds in street_rounds:
        if not 1 <= len(rounds) <= MAX_ROUNDS or any(n < 1 for n in rounds):
            raise ValueError(f"bad round layout {street_rounds!r}: 1..{MAX_ROUNDS} rounds of >= 1 card per street")
    n_rounds = np.array([len(r) for r in street_rounds], dtype=np.int64)
    round_cards = np.zeros((n_streets, MAX_ROUNDS), dtype=np.int64)
    perm_mult = np.zeros((n_streets, MAX_ROUNDS, N_SUITS), dtype=np.int64)
    perm_base = np.zeros(n_streets + 1, dtype=np.int64)
    for street, rounds in enumerate(street_rounds):
        round_cards[street, : len(rounds)] = rounds
        # Counts of suits 0..2 in mixed radix (cards_in_round + 1); suit 3's
        # count follows from the round's total, so it weighs 0.
        m = 1
        for r, n in enumerate(rounds):
            for s in range(N_SUITS - 1):
                perm_mult[street, r, s] = m
                m *= n + 1
        perm_base[street + 1] = perm_base[street] + m
    perm_table = np.full(int(perm_base[-1]), -1, dtype=np.int64)

    config_base = [0]
    offsets: list[int] = []
    suit_sizes: list[list[int]] = []
    eq_masks: list[int] = []
    live_eq_masks: list[int] = []
    counts: list[np.ndarray] = []
    pos_mult: list[list[int]] = []
    pos_in_group: list[list[int]] = []
    street_size: list[int] = []

    for street, rounds in enumerate(street_rounds):
        placed: list[tuple[int, tuple[tuple[int, ...], ...], int]] = []  # (perm, configuration, pi_code)
        for matrix in product(*(_compositions(n, N_SUITS) for n in rounds)):
            vectors = [tuple(matrix[r][s] for r in range(len(rounds))) for s in range(N_SUITS)]
            # Configuration order: suits by count vector, largest first (stable).
            order = sorted(range(N_SUITS), key=lambda s: vectors[s], reverse=True)
            perm = sum(matrix[r][s] * int(perm_mult[street, r, s]) for r in range(len(rounds)) for s in range(N_SUITS))
            pi_code = sum(order[i] << (2 * i) for i in range(N_SUITS))
            placed.append((perm, tuple(vectors[s] for s in order), pi_code))

        ordered = sorted({config for _, config, _ in placed}, reverse=True)
        config_id = {c: config_base[-1] + i for i, c in enumerate(ordered)}
        total = 0
        for config in ordered:
            offsets.append(total)
            sizes = [suit_size(v) for v in config]
            suit_sizes.append(sizes)
            eq_masks.append(sum(1 << (i - 1) for i in range(1, N_SUITS) if config[i] == config[i - 1]))
            live_eq_masks.append(
                sum(1 << (i - 1) for i in range(1, N_SUITS) if config[i] == config[i - 1] and sum(config[i]) > 0)
            )
            mat = np.zeros((N_SUITS, MAX_ROUNDS), dtype=np.int64)
            for i, v in enumerate(config):
                mat[i, : len(v)] = v
            counts.append(mat)
            # a group of m equal suits holds a multiset of m suit indices;
            # groups are digits of a mixed-radix number, first group lowest
            config_size, i = 1, 0
            mults, places = [], []
            for m in _group_lengths(config):
                mults += [config_size] * m
                # an empty suit's index is 0 and so is its term at any place;
                # place 0 spares the kernel the branches of higher places
                places += list(range(m)) if sum(config[i]) else [0] * m
                config_size *= comb(sizes[i] + m - 1, m)
                i += m
            pos_mult.append(mults)
            pos_in_group.append(places)
            total += config_size
        config_base.append(config_base[-1] + len(ordered))
        street_size.append(total)
        for perm, config, pi_code in placed:
            perm_table[perm_base[street] + perm] = (config_id[config] << PI_BITS) | pi_code

    return IndexTables(
        n_rounds=n_rounds,
        round_cards=round_cards,
        perm_mult=perm_mult,
        perm_base=perm_base,
        perm_table=perm_table,
        config_base=np.array(config_base, dtype=np.int64),
        config_offset=np.array(offsets, dtype=np.int64),
        config_suit_size=np.array(suit_sizes, dtype=np.int64),
        config_eq=np.array(eq_masks, dtype=np.int64),
        config_counts=np.array(counts, dtype=np.int64),
        config_pos_mult=np.array(pos_mult, dtype=np.int64),
        config_pos_in_group=np.array(pos_in_group, dtype=np.int64),
        config_live_eq=np.array(live_eq_masks, dtype=np.int64),
        street_size=np.array(street_size, dtype=np.int64),
    )


def _rank_set_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_sets = 1 << N_RANKS
    popcount = np.zeros(n_sets, dtype=np.int64)
    colex = np.zeros(n_sets, dtype=np.int64)
    for mask in range(n_sets):
        k = 0
        for bit in range(N_RANKS):
            if mask >> bit & 1:
                k += 1
                colex[mask] += comb(bit, k)  # colexicographic rank of the k-subset
        popcount[mask] = k
    ncr = np.array([[comb(n, k) for k in range(N_RANKS + 1)] for n in range(N_RANKS + 1)], dtype=np.int64)
    # inverse of colex: the k-subset of 0..12 with a given colex rank
    colex_unrank = np.zeros((N_RANKS + 1, comb(N_RANKS, N_RANKS // 2)), dtype=np.int64)
    colex_unrank[popcount, colex] = np.arange(n_sets)
    return popcount, colex, ncr, colex_unrank


# Over 13-bit rank sets: POPCOUNT[set], COLEX[set] (colex rank among sets of its
# size), NCR[n, k] for n, k <= 13, COLEX_UNRANK[k, colex rank] -> set.
POPCOUNT, COLEX, NCR, COLEX_UNRANK = _rank_set_tables()
TABLES = build_tables()
