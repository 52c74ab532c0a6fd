"""A remote host's tables: the first-write logs send exactly the changed entries with their bases, keep writes
made while an answer travels by the merge rule, grow between kernel calls, and hold memory that follows the
changed entries, not the table."""
from __future__ import annotations

import threading

import numpy as np

from holdem.games.leduc import leduc_game
from holdem.mccfr.merge import bits, merge_values
from holdem.mccfr.pages import resident_extents
from holdem.mccfr.params import MCCFRParams
from holdem.mccfr.solver import Solver
from holdem.mccfr.tables import Tables
from worker import sync as s
from worker.host_tables import HostTables
from worker.private import PrivateTables

D = s.VALUE_DTYPES
SAMPLED = MCCFRParams(prune_probability=0.5, prune_after=0, average_streets=(0, 1), discount_interval=10**9,
                      discount_until=10**9, enumerate_own_hands=False)


def _joined(values: dict) -> HostTables:
    size = len(values["regret"])
    host = HostTables(size)
    host.apply([s.Entries(name, slice(0, size), values[name]) for name in s.TABLES])
    return host


def _sent(host: HostTables) -> dict:
    """outgoing(), decoded: per table (index, values, bases)."""
    parts, entries = host.outgoing(part_entries=97)
    out = {name: ([], [], []) for name in s.TABLES}
    for part in parts:
        c = s.decode_part(part, host.size, 97, with_bases=True)
        for got, new in zip(out[c.table], (c.index, c.values, c.bases)):
            got.append(new)
    sent = {name: tuple(np.concatenate(a) if a else np.zeros(0) for a in got) for name, got in out.items()}
    assert isinstance(entries, int) and entries == sum(len(index) for index, _, _ in sent.values())
    return sent


def _random(size: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {"regret": rng.standard_normal(size).astype(np.float32), "strategy": np.abs(rng.standard_normal(size))}



def _assert_sends_exactly_the_changes(host: HostTables, start: dict) -> None:
    """outgoing() sends every entry whose bits differ from ``start``, and only those, with ``start`` as base."""
    sent = _sent(host)
    for name in s.TABLES:
        changed = np.flatnonzero(bits(host.table(name)) != bits(start[name]))
        index, _, bases = sent[name]
        assert len(changed) and index.tolist() == changed.tolist()
        assert bases.tobytes() == start[name][changed].tobytes()

def test_outgoing_sends_exactly_the_changed_entries_with_their_bases_in_order():
    size = 5000
    start = _random(size, 1)
    host = _joined(start)
    rng = np.random.default_rng(2)
    for name in s.TABLES:
        for _ in range(5):  # entries written several times are logged once, with the value before the first
            index = np.unique(rng.choice(size, 400))
            host.write(name, index, host.table(name)[index] + D[name].type(1.5))
        host.write(name, np.array([7]), start[name][[7]] + 1)
        host.write(name, np.array([7]), start[name][[7]])  # back to its base: not a change
        host.write(name, np.array([8]), -start[name][[8]])
    sent = _sent(host)
    for name in s.TABLES:
        changed = np.flatnonzero(bits(host.table(name)) != bits(start[name]))
        index, values, bases = sent[name]
        assert index.tolist() == changed.tolist() and 7 not in index and 8 in index
        assert values.tobytes() == host.table(name)[changed].tobytes()
        assert bases.tobytes() == start[name][changed].tobytes()
    assert _sent(host)["regret"][0].size == 0  # the logs are empty after a sync
    assert not host.written["regret"].any() and not host.written["strategy"].any()


def test_a_kernel_thread_logs_every_change_once_and_trains_as_without_logs():
    game = leduc_game()
    size = game.layout.size
    start = _random(size, 3)
    host = _joined(start)
    plain = Tables(start["regret"].copy(), start["strategy"].copy())
    solver = Solver(game, SAMPLED, Tables(host.regret, host.strategy))
    solver.track(host.tracking(capacity=1))  # grown between kernel calls
    for first in (0, 2500):
        solver.run_batch(first, 2500, 9)
        Solver(game, SAMPLED, plain).run_batch(first, 2500, 9)
    assert host.regret.tobytes() == plain.regret.tobytes() and host.strategy.tobytes() == plain.strategy.tobytes()
    capture = host.captures[0]
    for t, name in enumerate(s.TABLES):
        index, base = capture.logged(t)
        assert len(np.unique(index)) == len(index)
        assert base.tobytes() == start[name][index].tobytes()
    _assert_sends_exactly_the_changes(host, start)


def test_apply_keeps_the_writes_made_after_outgoing_by_the_merge_rule():
    size = 3000
    start = _random(size, 4)
    host = _joined(start)
    host.write("regret", np.arange(0, 100), start["regret"][:100] + 1)
    host.outgoing()  # the supervisor merges these, and answers meanwhile
    at_sync = host.regret.copy()
    after = np.arange(50, 150)  # written while the answer travels
    host.write("regret", after, host.regret[after] + np.float32(0.25))
    local = host.regret.copy()
    answer = np.arange(0, 200, 2)  # the supervisor's values for some entries, some of them written since
    supervisor = (start["regret"][answer] * 3).astype(np.float32)
    host.apply([s.Entries("regret", answer, supervisor)])
    written = np.isin(answer, after)
    expected = local.copy()
    expected[answer[~written]] = supervisor[~written]
    base = at_sync[answer[written]]
    expected[answer[written]] = merge_values(supervisor[written], base, local[answer[written]])
    assert host.regret.tobytes() == expected.tobytes()
    # the next sync sends the entries written since, against the supervisor's value where it answered
    index, values, bases = _sent(host)["regret"]
    assert index.tolist() == after.tolist()
    assert values.tobytes() == expected[after].tobytes()
    now_base = at_sync[after]
    theirs = np.isin(after, answer)
    now_base[theirs] = supervisor[np.isin(answer, after)]
    assert bases.tobytes() == now_base.tobytes()


def test_a_dense_answer_over_unwritten_entries_is_taken_whole():
    size = 4000
    host = _joined({"regret": np.zeros(size, np.float32), "strategy": np.zeros(size)})
    host.write("strategy", np.array([3900]), np.ones(1))
    host.outgoing()
    host.write("strategy", np.array([3950]), np.full(1, 2.0))
    host.apply([s.Entries("strategy", slice(0, 3000), np.full(3000, 7.0)),
                s.Entries("strategy", slice(3000, 4000), np.full(1000, 8.0))])
    assert (host.strategy[:3950] == [7.0] * 3000 + [8.0] * 950).all()
    assert host.strategy[3950] == 8.0 + 2.0  # the host's change since outgoing() added to the answer
    index, _, bases = _sent(host)["strategy"]
    assert index.tolist() == [3950] and bases.tolist() == [8.0]


def test_an_entry_two_threads_logged_keeps_the_first_base_and_both_logs_take_the_answer():
    host = _joined({"regret": np.zeros(100, np.float32), "strategy": np.zeros(100)})
    a, b = host.tracking(), host.tracking()
    a.touch_entries(0, host.regret, np.array([5], np.int64))
    host.regret[5] = 1
    host.written["regret"][:] = 0  # a bit lost to a racing store: thread b logs the entry again
    b.touch_entries(0, host.regret, np.array([5], np.int64))
    host.regret[5] = 2
    assert [c.logged(0)[1].tolist() for c in host.captures] == [[0], [1]]
    host.apply([s.Entries("regret", np.array([5]), np.array([10], np.float32))])
    assert host.regret[5] == 10 + (2 - 0)  # merged against a's base, the first logged
    assert [c.logged(0)[1].tolist() for c in host.captures] == [[10], [10]]
    index, values, bases = _sent(host)["regret"]
    assert index.tolist() == [5] and values.tolist() == [12] and bases.tolist() == [10]


def test_private_copies_merge_through_the_same_logs():
    game = leduc_game()
    size = game.layout.size
    start = _random(size, 6)
    host = _joined(start)
    lock = threading.Lock()
    private = PrivateTables(host.regret, host.strategy, lock, host.tracking())
    solver = Solver(game, SAMPLED, Tables(private.regret, private.strategy))
    private.refresh()
    solver.run_batch(0, 500, 2)
    private.merge()
    _assert_sends_exactly_the_changes(host, start)


def test_the_sync_state_follows_the_changed_entries_and_is_let_go_at_the_sync():
    size = 1 << 29  # bitmaps of 64 MiB: lazily backed
    host = HostTables(size)
    assert host.sync_bytes() == 0  # no bitmap page backed, no log yet
    spots = np.arange(0, size, size // 1000)
    host.write("strategy", spots, np.ones(len(spots)))
    held = host.sync_bytes()
    assert 0 < held <= len(spots) * 2 * 4096  # about a bitmap page per spot: not the table's pages
    host.outgoing()
    assert sum(end - start for start, end in resident_extents(host.written["strategy"])) == 0
    logs = host.sync_bytes()
    assert logs < 1 << 20  # the bitmaps hold nothing, the log is back at its first capacity
    assert logs == sum(end - start for a in (*host.captures[0].index, *host.captures[0].base)
                       for start, end in resident_extents(a))


def test_the_stable_order_keeps_equal_entries_in_their_order_when_packed_or_not():
    host = HostTables(10)
    index = np.array([5, 3, 5, 1, 3], np.int64)
    for positions in (host._positions, 3):  # packed beside the positions, and too many entries for that
        host._positions = positions
        entries, order = host._stable_order(index)
        assert order.tolist() == [3, 1, 4, 0, 2] and entries.tolist() == [1, 3, 3, 5, 5]


def test_a_log_sorted_in_steps_is_sorted_whole():
    host = _joined({"regret": np.zeros(1000, np.float32), "strategy": np.zeros(1000)})
    rng = np.random.default_rng(8)
    for _ in range(5):
        host.write("regret", rng.choice(1000, 50, replace=False), np.ones(50, np.float32))
        index, _ = host.captures[0].logged(0)
        entries, order = host._order(0, 0)
        assert entries.tolist() == index[order].tolist() == sorted(index.tolist())
