"""Table deltas: round trips, exact mirroring across syncs, and strict rejection of bad parts."""
import zlib

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from worker import sync as s

D = s.VALUE_DTYPES  # regret float32, strategy float64


def _apply(target, changes):
    for c in changes:
        target[c.table][c.index] = c.values


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 3000), density=st.floats(0, 1), part_entries=st.integers(1, 700),
       seed=st.integers(0, 2**32 - 1))
def test_sparse_round_trip(size, density, part_entries, seed):
    rng = np.random.default_rng(seed)
    index = np.flatnonzero(rng.random(size) < density)
    table = "strategy" if seed % 2 else "regret"
    values = rng.standard_normal(len(index)).astype(D[table])
    parts = s.sparse_parts(table, index, values, size, part_entries)
    assert len(parts) == -(-len(index) // part_entries)
    out = np.zeros(size, D[table])
    for part in parts:
        c = s.decode_part(part, size, part_entries)
        out[c.index] = c.values
    expected = np.zeros(size, D[table])
    expected[index] = values
    assert out.tobytes() == expected.tobytes()


def test_dense_round_trip_and_digest():
    rng = np.random.default_rng(1)
    regret = rng.standard_normal(1000).astype(np.float32)
    strategy = rng.random(1000)
    copy = s.WorkerCopy(1000)
    changes = [s.decode_part(p, 1000, 300) for name, a in (("regret", regret), ("strategy", strategy))
               for p in s.dense_parts(name, a, 300)]
    copy.apply(changes)
    assert copy.digest() == s.tables_digest(regret, strategy)
    regret[5] += 1
    assert copy.digest() != s.tables_digest(regret, strategy)


def _join(size, shared):
    peer = s.PeerBase(shared["regret"], shared["strategy"])
    worker = s.WorkerCopy(size)
    worker.apply([s.decode_part(p, size) for p in peer.join_parts()])
    return peer, worker


def _sync(peer, worker, shared, size):
    parts, entries = worker.outgoing()
    peer.merge(shared, [s.decode_part(p, size) for p in parts])
    answer, _ = peer.answer(shared)
    worker.apply([s.decode_part(p, size) for p in answer])
    return entries


def test_syncs_keep_worker_copy_equal_to_shared_tables_bit_for_bit():
    """A remote worker and a local writer both change the tables; after each sync the copies agree exactly."""
    size = 5000
    rng = np.random.default_rng(7)
    shared = {"regret": rng.standard_normal(size).astype(np.float32),
              "strategy": np.abs(rng.standard_normal(size))}
    peer, worker = _join(size, shared)
    assert worker.digest() == peer.digest() == s.tables_digest(shared["regret"], shared["strategy"])
    for _ in range(20):
        # the remote worker trains on its copy, a local worker on the shared tables meanwhile
        expected = {}
        for name in s.TABLES:
            mine = rng.choice(size, 300, replace=False)
            worker.table(name)[mine] += rng.standard_normal(300).astype(D[name])
            theirs = rng.choice(size, 300, replace=False)
            shared[name][theirs] *= D[name].type(0.9)
            own = worker.table(name) - worker.base[name]
            # untouched entries take the worker's value; entries both changed get the worker's change added
            expected[name] = np.where(np.isin(np.arange(size), theirs), shared[name] + own, worker.table(name))
        _sync(peer, worker, shared, size)
        for n in s.TABLES:
            np.testing.assert_array_equal(shared[n], expected[n])
            assert worker.table(n).tobytes() == shared[n].tobytes()
            assert worker.base[n].tobytes() == peer.base[n].tobytes()


def test_a_lone_remote_worker_leaves_exactly_its_own_tables():
    """With nobody else writing, a merge takes the worker's values: no float rounding at all."""
    size = 2000
    rng = np.random.default_rng(3)
    shared = {n: np.zeros(size, D[n]) for n in s.TABLES}
    peer, worker = _join(size, shared)
    alone = {n: np.zeros(size, D[n]) for n in s.TABLES}
    for _ in range(10):
        for n in s.TABLES:
            step = (rng.standard_normal(size) * 1e3).astype(D[n]) * (rng.random(size) < 0.3)
            worker.table(n)[:] += step
            alone[n] += step
        _sync(peer, worker, shared, size)
        for n in s.TABLES:
            assert shared[n].tobytes() == alone[n].tobytes()
            shared[n] *= D[n].type(0.7)  # a discount at the supervisor reaches the worker with the next answer
            alone[n] *= D[n].type(0.7)
        assert _sync(peer, worker, shared, size) == 0
        for n in s.TABLES:
            assert worker.table(n).tobytes() == alone[n].tobytes()


def test_answer_without_changes_is_one_empty_part():
    shared = {n: np.ones(10, D[n]) for n in s.TABLES}
    peer = s.PeerBase(shared["regret"], shared["strategy"])
    parts, entries = peer.answer(shared)
    assert entries == 0 and len(parts) == 1 and parts[0].count == 0
    assert s.decode_part(parts[0], 10).values.size == 0


def test_sparse_indices_compress_well():
    size = 1_000_000
    index = np.arange(0, size, 10)
    parts = s.sparse_parts("regret", index, np.ones(len(index), np.float32), size)
    assert sum(len(p.indices) for p in parts) < len(index) // 50  # gaps of 10: ~nothing


def _part(**changes):
    base = dict(table="regret", start=2, count=3, indices=zlib.compress(np.array([0, 1, 5], "<u4").tobytes()),
                values=zlib.compress(np.array([1, 2, 3], "<f4").tobytes()))
    base.update(changes)
    return s.Part(**base)


@pytest.mark.parametrize("part, reason", [
    (_part(table="weights"), "table"),
    (_part(start=-1), "start"),
    (_part(count=True), "count"),
    (_part(start=100), "outside the table"),
    (_part(count=2), "expected 8 bytes"),
    (_part(values=b"garbage"), "not zlib"),
    (_part(values=zlib.compress(np.array([1, 2, 3, 4], "<f4").tobytes())), "expected 12 bytes"),
    (_part(values=zlib.compress(np.array([1, 2, 3], "<f4").tobytes()) + b"x"), "trailing"),
    (_part(values=zlib.compress(bytes(10_000_000))), "expected 12 bytes"),  # a zip bomb stays small
    (_part(values=zlib.compress(np.array([1, np.nan, 3], "<f4").tobytes())), "not finite"),
    (_part(values=zlib.compress(np.array([1, np.inf, 3], "<f4").tobytes())), "not finite"),
    (_part(indices=zlib.compress(np.array([1, 1, 5], "<u4").tobytes())), "strictly increasing"),
    (_part(indices=zlib.compress(np.array([0, 0, 5], "<u4").tobytes())), "strictly increasing"),
    (_part(indices=zlib.compress(np.array([0, 1, 7], "<u4").tobytes())), "past the table"),
    (_part(indices=zlib.compress(np.array([0, 1, 2**32 - 1], "<u4").tobytes())), "past the table"),
    (_part(indices=b"", start=8), "overruns"),
    (_part(indices=zlib.compress(b""), count=0, values=zlib.compress(b"")), "empty part"),
    (_part(count=4, values=zlib.compress(np.ones(4, "<f4").tobytes())), "exceeds"),
    (_part(indices="text"), "bytes"),
])
def test_bad_parts_are_rejected(part, reason):
    with pytest.raises(s.SyncError, match=reason):
        s.decode_part(part, 10, part_entries=3)


def test_valid_part_decodes():
    c = s.decode_part(_part(), 10, part_entries=3)
    assert list(c.index) == [2, 3, 8] and list(c.values) == [1, 2, 3]


def test_overflowing_merge_is_refused_whole():
    shared = {"regret": np.array([3e38, 0, 0], np.float32), "strategy": np.zeros(3, np.float64)}
    peer = s.PeerBase(shared["regret"], shared["strategy"])
    shared["regret"][0] = np.float32(3.3e38)  # someone else changed it: the worker's change is added
    ok = s.Entries("strategy", np.array([0]), np.array([1], np.float64))
    bad = s.Entries("regret", np.array([0]), np.array([3.39e38], np.float32))
    with pytest.raises(s.SyncError, match="overflow"):
        peer.merge(shared, [ok, bad])
    assert shared["strategy"][0] == 0 and shared["regret"][0] == np.float32(3.3e38)


def test_overlapping_parts_are_refused():
    shared = {n: np.zeros(10, D[n]) for n in s.TABLES}
    peer = s.PeerBase(shared["regret"], shared["strategy"])
    a = s.Entries("regret", np.array([1, 4]), np.ones(2, np.float32))
    b = s.Entries("regret", slice(4, 6), np.ones(2, np.float32))
    with pytest.raises(s.SyncError, match="overlap"):
        peer.merge(shared, [a, b])
    assert not shared["regret"].any()
    peer.merge(shared, [a, s.Entries("regret", slice(5, 7), np.ones(2, np.float32))])
    assert list(np.flatnonzero(shared["regret"])) == [1, 4, 5, 6]
