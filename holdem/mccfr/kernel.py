"""The compiled external-sampling MCCFR traversal over a flat betting tree.

External sampling (Lanctot et al. 2009): in a traversal for seat ``i`` the
deal is sampled (given), every action of ``i`` is explored, every other
seat's action is sampled from its current strategy (regret matching, Hart &
Mas-Colell 2000), and ``i``'s regrets are updated with the sampled
counterfactual values.  The average strategy is accumulated at the other
seats' nodes ("simple" averaging, as OpenSpiel's ExternalSamplingMCCFRSolver
does), on the configured streets and iterations.

Pluribus additions (Brown & Sandholm 2019, supplementary Algorithm 1): in a
pruning traversal an action of ``i`` whose regret is at or below the threshold
is skipped (neither explored nor updated) when it is prunable (the caller
marks which are: not on the last street, not leading to a terminal); if that
would skip every action at a node, none is skipped.  Regrets never fall
below the floor.

The tree is :class:`holdem.game.tree_arrays.CompactTree`: chips in and folds
are carried along the path (each frame keeps them, so the next action of a
frame starts from its node's state) instead of being stored per node.  The
recursion is an explicit stack holding only ``i``'s decision nodes (the
other seats' nodes are a single sampled step, so they need no frame).

On a tree of gigabytes a traversal is a chain of cache misses: a node's
record, then its regret row, then (at a sampled node) the chosen child's
record.  Two prefetches (:mod:`holdem.mccfr.prefetch`) shorten the chain: at
every decision node the children's records (consecutive, so a line or two)
are asked for while the node's own row is read, and at the traverser's node,
whose children are all explored, every child's regret row is asked for at
once.  With the tree's one record a node they make the kernel about 1.2x as
fast on the shipped 6-max tree (2 GB) and 1.05x on `6max_mid`'s 99 MB one
(``benchmarks/kernel_speed.py``).

Discounting is folded into ``scale``: the tables hold true values times the
batch's scale (:func:`holdem.mccfr.schedule.table_scale`), so a discount
touches no row.  One
iteration is one traversal per seat, each on its own dealt hand; the random
stream of iteration ``t`` is derived from ``(seed, t)`` alone, so any
contiguous run of iterations is reproducible on its own.

Compilation choices: ``_nrt=False`` turns off numba's reference counting,
whose atomic increments on every array argument cost a third of the run time
(the kernel allocates nothing; its caller passes the stack arrays);
``fastmath`` lets LLVM vectorise the small per-row loops (about 10%): results
stay deterministic for a given machine and compiled binary, which is what
reproducibility here means.
"""
from __future__ import annotations

from numba import njit

from holdem.game.tree_arrays import FOLD_DELTA, NODE_DECISION
from holdem.mccfr.blocks import FILL, RESERVE, touch
from holdem.mccfr.prefetch import prefetch
from holdem.mccfr.rng import mix, next_float, stream_state
from holdem.mccfr.utility import path_utility


@njit(cache=True, nogil=True, error_model="numpy", fastmath=True, _nrt=False, inline="always")
def sample_action(regret, strategy, row, na, pos, accumulate, scale, state, cell, strategy_marks, strategy_written,
                  strategy_log, strategy_log_base, log_state):
    """At another seat's node: sample its action from the regret-matching strategy of ``row`` (``pos``:
    the sum of its positive regrets) and, if ``accumulate``, add that strategy times ``scale`` to the
    strategy sums ("simple" averaging); returns (action, rng state)."""
    state, u = next_float(state)
    if pos > 0.0:
        target = u * pos
        acc = 0.0
        chosen = -1
        last = 0
        for a in range(na):
            r = regret[row + a]
            if r > 0.0:
                last = a
                acc += r
                if target < acc:
                    chosen = a
                    break
        if chosen < 0:
            chosen = last  # u * pos rounded up to the total
        if accumulate:
            touch(strategy_marks, cell, strategy_written, strategy_log, strategy_log_base, log_state, 1, strategy, row,
                  na)
            w = scale / pos
            for a in range(na):
                r = regret[row + a]
                if r > 0.0:
                    strategy[row + a] += r * w
    else:
        chosen = int(u * na)
        if chosen >= na:
            chosen = na - 1
        if accumulate:
            touch(strategy_marks, cell, strategy_written, strategy_log, strategy_log_base, log_state, 1, strategy, row,
                  na)
            w = scale / na
            for a in range(na):
                strategy[row + a] += w
    return chosen, state


@njit(cache=True, nogil=True, error_model="numpy", fastmath=True, _nrt=False, inline="always")
def take_action(child, actor, delta, contrib, folded):
    """Walk the edge into ``child`` taken by seat ``actor``: its chips go in, or it folds; returns
    the folded-seat bitmask."""
    d = delta[child]
    if d == FOLD_DELTA:
        return folded | (1 << actor)
    contrib[actor] += d
    return folded


@njit(cache=True, nogil=True, error_model="numpy", fastmath=True, _nrt=False)
def traverse(trav, nodes, delta, root_contrib, last_street, prune_last_street, prune_terminal, average, prune,
             prune_threshold, regret_floor, scale, regret, strategy, buckets, strength, hand, state, st_node, st_row,
             st_a, st_sig, st_val, st_keep, st_contrib, st_folded, contrib, cell, regret_marks, strategy_marks,
             regret_written, strategy_written, regret_log, regret_log_base, strategy_log, strategy_log_base,
             log_state):
    """One traversal for seat ``trav`` on deal ``hand`` of ``buckets``/``strength``; returns
    (value, nodes visited, rng state).

    Bit ``s`` of ``average`` set: accumulate the strategy on street ``s`` in this traversal.
    Tables hold true values times ``scale`` (:func:`holdem.mccfr.schedule.table_scale`), so
    increments, the floor and the pruning threshold are scaled alike.
    """
    n_players = root_contrib.shape[0]
    for q in range(n_players):
        contrib[q] = root_contrib[q]
    folded = 0
    floor = regret_floor * scale
    threshold = prune_threshold * scale
    depth = 0
    node = 0
    visited = 0
    val = 0.0
    while True:
        # descend: follow sampled actions, push a frame at every node of the traverser
        while True:
            visited += 1
            rec = nodes[node]
            if rec.kind != NODE_DECISION:
                val = path_utility(rec.kind, trav, contrib, folded, strength, hand)
                break
            p = rec.actor
            na = rec.n_actions
            s = rec.street
            first_child = rec.first_child
            prefetch(nodes, first_child)
            prefetch(nodes, first_child + na - 1)
            prefetch(delta, first_child)
            row = rec.offset + buckets[hand, p, s] * na
            pos = 0.0
            for a in range(na):
                r = regret[row + a]
                if r > 0.0:
                    pos += r
            if p == trav:
                if pos > 0.0:
                    for a in range(na):
                        r = regret[row + a]
                        st_sig[depth, a] = r / pos if r > 0.0 else 0.0
                else:
                    for a in range(na):
                        st_sig[depth, a] = 1.0 / na
                first = 0
                if prune:
                    # Pluribus's exemptions: the last street, actions that end the hand
                    street_ok = s != last_street or prune_last_street
                    first = -1
                    for a in range(na):
                        prunable = street_ok and (prune_terminal or nodes[first_child + a].kind == NODE_DECISION)
                        keep = not (prunable and regret[row + a] <= threshold)
                        st_keep[depth, a] = keep
                        if keep and first < 0:
                            first = a
                    if first < 0:
                        for a in range(na):
                            st_keep[depth, a] = True
                        first = 0
                for a in range(na):
                    child = nodes[first_child + a]
                    if child.kind == NODE_DECISION:
                        prefetch(regret, child.offset + buckets[hand, child.actor, child.street] * child.n_actions)
                st_node[depth] = node
                st_row[depth] = row
                st_a[depth] = first
                for q in range(n_players):
                    st_contrib[depth, q] = contrib[q]
                st_folded[depth] = folded
                depth += 1
                node = first_child + first
                folded = take_action(node, p, delta, contrib, folded)
            else:
                chosen, state = sample_action(regret, strategy, row, na, pos, (average >> s) & 1, scale, state,
                                              cell, strategy_marks, strategy_written, strategy_log,
                                              strategy_log_base, log_state)
                node = first_child + chosen
                folded = take_action(node, p, delta, contrib, folded)
        # ascend: store the child's value, move to the next explored action or close the frame
        while True:
            if depth == 0:
                return val, visited, state
            d = depth - 1
            node = st_node[d]
            a = st_a[d]
            st_val[d, a] = val
            rec = nodes[node]
            na = rec.n_actions
            nxt = a + 1
            if prune:
                while nxt < na and not st_keep[d, nxt]:
                    nxt += 1
            if nxt < na:
                st_a[d] = nxt
                for q in range(n_players):
                    contrib[q] = st_contrib[d, q]
                p = rec.actor
                node = rec.first_child + nxt
                folded = take_action(node, p, delta, contrib, st_folded[d])
                break
            v = 0.0
            row = st_row[d]
            touch(regret_marks, cell, regret_written, regret_log, regret_log_base, log_state, 0, regret, row, na)
            if prune:
                for a in range(na):
                    if st_keep[d, a]:
                        v += st_sig[d, a] * st_val[d, a]
                for a in range(na):
                    if st_keep[d, a]:
                        r = regret[row + a] + (st_val[d, a] - v) * scale
                        if r < floor:
                            r = floor
                        regret[row + a] = r
            else:
                for a in range(na):
                    v += st_sig[d, a] * st_val[d, a]
                for a in range(na):
                    r = regret[row + a] + (st_val[d, a] - v) * scale
                    if r < floor:
                        r = floor
                    regret[row + a] = r
            val = v
            depth -= 1


@njit(cache=True, nogil=True, error_model="numpy", fastmath=True, _nrt=False)
def run_iterations(nodes, delta, root_contrib, last_street,
                   prune_last_street, prune_terminal, average_streets, scale, regret, strategy, buckets, strength,
                   first_hand, t0, n_iter, seed, prune_after, prune_probability, prune_threshold, regret_floor,
                   strategy_interval, st_node, st_row, st_a, st_sig, st_val, st_keep, st_contrib, st_folded,
                   contrib, progress, cell, regret_marks, strategy_marks, regret_written, strategy_written,
                   regret_log, regret_log_base, strategy_log, strategy_log_base, log_state):
    """Iterations ``t0 .. t0 + n_iter - 1``; seat ``p`` of iteration ``t0 + k`` plays hand
    ``first_hand + k * P + p`` of ``buckets``/``strength``.  Adds to ``progress`` [iterations, nodes]
    as it goes; returns (nodes visited, iterations run).  ``average_streets``: bit s set = average street s.

    With first-write logs (:mod:`holdem.mccfr.blocks`), stops before an iteration for which a log lacks
    the room ``log_state`` reserves (the caller grows it and goes on): fewer than ``n_iter`` run."""
    n_players = root_contrib.shape[0]
    capturing = regret_written.shape[0] != 0
    total = 0
    k = 0
    while k < n_iter:
        if capturing and (regret_log.shape[0] - log_state[FILL] < log_state[RESERVE]
                          or strategy_log.shape[0] - log_state[FILL + 1] < log_state[RESERVE + 1]):
            break
        t = t0 + k
        state = stream_state(mix(seed, t))
        average = average_streets if t % strategy_interval == 0 else 0
        may_prune = t >= prune_after and prune_probability > 0.0
        for trav in range(n_players):
            prune = False
            if may_prune:
                state, u = next_float(state)
                prune = u < prune_probability
            h = first_hand + k * n_players + trav
            _, visited, state = traverse(trav, nodes, delta, root_contrib, last_street, prune_last_street,
                                         prune_terminal, average, prune, prune_threshold, regret_floor, scale,
                                         regret, strategy, buckets, strength, h, state, st_node, st_row, st_a,
                                         st_sig, st_val, st_keep, st_contrib, st_folded, contrib, cell,
                                         regret_marks, strategy_marks, regret_written, strategy_written, regret_log,
                                         regret_log_base, strategy_log, strategy_log_base, log_state)
            total += visited
            progress[1] += visited
        progress[0] += 1
        k += 1
    return total, k
