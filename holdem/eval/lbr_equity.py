"""Showdown equities of one hand against every opponent hole, for local best response (compiled).

Lisy & Bowling 2017 ("WpRollout") estimate the LBR player's equity against
the opponent's range by rolling out the board.  Ranking a hole on a board
does not depend on whose equity is wanted, so the work is split:

* :func:`runout_ranks`: rank all 1326 holes on each of a set of board
  completions (the river: the board itself; the turn: every river card,
  exact; the flop: ``n`` sampled turn+river pairs, or all 1176 when ``n``
  reaches that), once per deal and street, shared by both seats' hands of a
  duplicate group;
* :func:`equity_from_ranks`: the equity (win + tie/2) of one hole against
  every hole from those ranks, counting for each pair only completions that
  avoid both holes (a uniform completion of the cards they leave, so the
  estimate is unbiased);
* preflop, a table of the equity of each of the 169 starting-hand classes
  against every hole (:func:`preflop_table`, from boards sampled once with a
  fixed seed), read through the suit permutation that maps a hole onto its
  class's representative (:func:`preflop_equity`).

Equity against a range is then a weighted sum (:func:`holdem.eval.lbr_kernel`).
Holes that meet the hero or the board get equity 0 (a range gives them weight 0).
"""
from __future__ import annotations

import numpy as np
from numba import njit

from holdem.abstraction.features import HOLE_CARDS, HOLE_ID, N_HOLES, runouts as all_runouts
from holdem.cards import N_CARDS
from holdem.eval.ranges import card_mask, unseen_cards
from holdem.evaluator import CARD_KEY, CARD_MASK, KEY_EMPTY, value_from_key
from holdem.isomorphism import canonical_into, index_hole_board
from holdem.mccfr.rng import mix, next_below, stream_state

DEFAULT_RUNOUTS = 256  # sampled turn+river completions on the flop (turn and river are exact)
N_CLASSES = 169
FLOP_RUNOUTS = 1176  # C(49, 2) turn+river pairs after the flop (nobody's hole cards known)
MAX_TURN_RUNOUTS = 48  # river cards after a 4-card board (hole cards of nobody known)
PREFLOP_MAX_BOARDS = 16384  # 87 MB of ranks while the table is built
PREFLOP_TABLE_SEED = 0x5EED_0F_1326  # the table is a property of the game, not of an evaluation's seed


@njit(cache=True, nogil=True)
def rank_holes(full, ranks):
    """ranks[h] = hand value of hole h on the 5-card board ``full``; -1 where h meets it."""
    used = card_mask(full, 5)
    key = KEY_EMPTY  # the board's part of the evaluator's key, summed once for all holes
    mask = np.uint64(0)
    for i in range(5):
        key += CARD_KEY[full[i]]
        mask |= CARD_MASK[full[i]]
    for h in range(N_HOLES):
        a = HOLE_CARDS[h, 0]
        b = HOLE_CARDS[h, 1]
        if (used >> a) & 1 or (used >> b) & 1:
            ranks[h] = -1
        else:
            ranks[h] = value_from_key(key + CARD_KEY[a] + CARD_KEY[b], mask | CARD_MASK[a] | CARD_MASK[b])
    return used


@njit(cache=True, nogil=True)
def runout_ranks(board, board_len, n_samples, seed, ranks, masks):
    """Rank every hole on completions of ``board[:board_len]``; returns how many (rows of ``ranks``/``masks``).

    River: the board.  Turn: each unseen river card.  Flop and preflop:
    ``n_samples`` completions drawn from ``seed`` (all 1176 on the flop when
    ``n_samples`` reaches that).  ``masks[k]``: the cards completion ``k`` adds.
    """
    need = (1 if board_len == 5 else MAX_TURN_RUNOUTS if board_len == 4
            else FLOP_RUNOUTS if board_len == 3 and n_samples >= FLOP_RUNOUTS else n_samples)
    if ranks.shape[0] < need or masks.shape[0] < need:
        raise ValueError("runout_ranks: ranks and masks need a row per completion")
    full = np.empty(5, np.int64)
    for i in range(board_len):
        full[i] = board[i]
    missing = 5 - board_len
    if missing == 0:
        rank_holes(full, ranks[0])
        masks[0] = 0
        return 1
    if missing == 1 or (missing == 2 and n_samples >= FLOP_RUNOUTS):
        runs = all_runouts(board, board_len)  # one card (second column -1) or two
        for k in range(runs.shape[0]):
            masks[k] = 0
            for i in range(missing):
                full[board_len + i] = runs[k, i]
                masks[k] |= np.int64(1) << runs[k, i]
            rank_holes(full, ranks[k])
        return runs.shape[0]
    rest = np.empty(N_CARDS, np.int64)
    n_rest = unseen_cards(card_mask(board, board_len), rest)
    state = stream_state(seed)
    for k in range(n_samples):
        m = np.int64(0)
        for i in range(missing):  # a partial Fisher-Yates shuffle of the unseen cards
            state, j = next_below(state, n_rest - i)
            j += i
            rest[i], rest[j] = rest[j], rest[i]
            full[board_len + i] = rest[i]
            m |= np.int64(1) << rest[i]
        rank_holes(full, ranks[k])
        masks[k] = m
    return n_samples


@njit(cache=True, nogil=True)
def equity_from_ranks(hero0, hero1, ranks, masks, n, out):
    """out[h] = equity of hole (hero0, hero1) against hole h over completions ``ranks[:n]`` (0 where undefined)."""
    hero = HOLE_ID[hero0, hero1]
    hero_mask = (np.int64(1) << hero0) | (np.int64(1) << hero1)
    score = np.zeros(N_HOLES, np.int64)
    count = np.zeros(N_HOLES, np.int64)
    for k in range(n):
        if masks[k] & hero_mask:
            continue
        row = ranks[k]
        mine = row[hero]
        for h in range(N_HOLES):
            r = row[h]
            if r < 0:
                continue
            count[h] += 1
            if mine > r:
                score[h] += 2
            elif mine == r:
                score[h] += 1
    for h in range(N_HOLES):
        a = HOLE_CARDS[h, 0]
        b = HOLE_CARDS[h, 1]
        if count[h] == 0 or (hero_mask >> a) & 1 or (hero_mask >> b) & 1:
            out[h] = 0.0
        else:
            out[h] = score[h] / (2.0 * count[h])


@njit(cache=True, nogil=True)
def class_representatives():
    """int64[169, 2]: a hole of every preflop class (the isomorphism's canonical one)."""
    reps = np.empty((N_CLASSES, 2), np.int64)
    out = np.empty(2, np.int64)
    for c in range(N_CLASSES):
        canonical_into(np.int64(c), 0, out)
        reps[c, 0] = out[0]
        reps[c, 1] = out[1]
    return reps


@njit(cache=True, nogil=True)
def preflop_table(n_boards, seed, table):
    """table[c, h] = equity of class c's representative against hole h over ``n_boards`` sampled boards."""
    reps = class_representatives()
    ranks = np.empty((n_boards, N_HOLES), np.int32)
    masks = np.empty(n_boards, np.int64)
    runout_ranks(np.zeros(5, np.int64), 0, n_boards, seed, ranks, masks)
    for c in range(N_CLASSES):
        equity_from_ranks(reps[c, 0], reps[c, 1], ranks, masks, n_boards, table[c])


@njit(cache=True, nogil=True)
def preflop_equity(table, hero0, hero1, out):
    """out[h] = equity of (hero0, hero1) against hole h, from its class's row through a suit permutation."""
    hole = np.empty(2, np.int64)
    hole[0] = hero0
    hole[1] = hero1
    c = index_hole_board(hole, np.zeros(5, np.int64), 0)
    rep = np.empty(2, np.int64)
    canonical_into(np.int64(c), 0, rep)
    # match hero cards to representative cards by rank (a pair either way round)
    if (hero0 >> 2) == (rep[0] >> 2):
        r0, r1 = rep[0], rep[1]
    else:
        r0, r1 = rep[1], rep[0]
    sigma = np.full(4, -1, np.int64)
    taken = np.zeros(4, np.bool_)
    sigma[hero0 & 3] = r0 & 3
    taken[r0 & 3] = True
    if sigma[hero1 & 3] < 0:
        sigma[hero1 & 3] = r1 & 3
        taken[r1 & 3] = True
    nxt = 0
    for s in range(4):
        if sigma[s] < 0:
            while taken[nxt]:
                nxt += 1
            sigma[s] = nxt
            taken[nxt] = True
    hero_mask = (np.int64(1) << hero0) | (np.int64(1) << hero1)
    for h in range(N_HOLES):
        a = HOLE_CARDS[h, 0]
        b = HOLE_CARDS[h, 1]
        if (hero_mask >> a) & 1 or (hero_mask >> b) & 1:
            out[h] = 0.0
            continue
        pa = (a & ~3) | sigma[a & 3]
        pb = (b & ~3) | sigma[b & 3]
        out[h] = table[c, HOLE_ID[pa, pb]]


def build_preflop_table(n_boards: int) -> np.ndarray:
    """float64[169, 1326]: :func:`preflop_table` from ``n_boards`` boards (at most PREFLOP_MAX_BOARDS) of the
    fixed table seed."""
    n_boards = min(int(n_boards), PREFLOP_MAX_BOARDS)
    table = np.empty((N_CLASSES, N_HOLES), np.float64)
    preflop_table(int(n_boards), np.uint64(mix(PREFLOP_TABLE_SEED, n_boards)), table)
    return table
