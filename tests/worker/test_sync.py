"""Table changes by row block: round trips, exact mirroring across syncs, costs that follow the changes,
and strict rejection of bad parts."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from holdem.mccfr.blocks import BLOCK_ENTRIES, BlockMarks, touch_entries
from worker import sync as s
from worker.host_tables import HostTables

D = s.VALUE_DTYPES  # regret float32, strategy float64


def local_write(shared, marks: BlockMarks, name: str, index: np.ndarray, values: np.ndarray) -> None:
    """A local worker at the supervisor: marks its blocks, writes in place."""
    t = s.TABLES.index(name)
    touch_entries(marks.marks[t], marks.cell, np.zeros(0, D[name]), shared[name], np.asarray(index, np.int64))
    shared[name][index] = values


def join(shared, marks: BlockMarks, size: int) -> tuple[HostTables, int]:
    host = HostTables(size)
    since = marks.advance() + 1
    runs = [run for name in s.TABLES for run in s.split_runs(name, np.array([[0, size]]), 700)]
    parts = s.RunParts(shared, runs)
    host.apply([s.decode_part(parts[k], size) for k in range(len(parts))])
    return host, since


def sync(host: HostTables, shared, marks: BlockMarks, since: int, size: int) -> tuple[int, int, int]:
    """One whole sync; returns (entries sent, entries answered, the next since)."""
    parts, entries = host.outgoing()
    s.merge(shared, marks, [s.decode_part(p, size, with_bases=True) for p in parts])
    runs, since = s.answer_runs(marks, since, size)
    answer = s.RunParts(shared, runs)
    host.apply([s.decode_part(answer[k], size) for k in range(len(answer))])
    return entries, answer.entries, since


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 3000), density=st.floats(0, 1), part_entries=st.integers(1, 700),
       seed=st.integers(0, 2**32 - 1), bases=st.booleans())
def test_sparse_round_trip(size, density, part_entries, seed, bases):
    rng = np.random.default_rng(seed)
    index = np.flatnonzero(rng.random(size) < density)
    table = "strategy" if seed % 2 else "regret"
    values = rng.standard_normal(len(index)).astype(D[table])
    base = rng.standard_normal(len(index)).astype(D[table]) if bases else None
    parts = s.sparse_parts(table, index, values, size, part_entries, bases=base)
    assert len(parts) == -(-len(index) // part_entries)
    out = np.zeros(size, D[table])
    out_base = np.zeros(size, D[table])
    for part in parts:
        c = s.decode_part(part, size, part_entries, with_bases=bases)
        out[c.index] = c.values
        if bases:
            out_base[c.index] = c.bases
    expected = np.zeros(size, D[table])
    expected[index] = values
    assert out.tobytes() == expected.tobytes()
    if bases:
        expected[index] = base
        assert out_base.tobytes() == expected.tobytes()


def test_stream_digest_sees_every_byte():
    table = np.arange(1000, dtype=np.float32)
    parts = [s.dense_part("regret", start, table[start:start + 300]) for start in range(0, 1000, 300)]
    a, b = s.StreamDigest(), s.StreamDigest()
    for part in parts:
        a.update(part)
    changed = parts[:2] + [s.dense_part("regret", 600, np.arange(600, 900, dtype=np.float32) + 1)] + parts[3:]
    for part in changed:
        b.update(part)
    assert a.hexdigest() != b.hexdigest()


def test_syncs_keep_the_host_copy_equal_to_the_shared_tables_bit_for_bit():
    """A remote host and a local writer both change the tables; after each sync the copies agree exactly,
    and entries both changed get the host's change added."""
    size = 50_000
    rng = np.random.default_rng(7)
    shared = {"regret": rng.standard_normal(size).astype(np.float32),
              "strategy": np.abs(rng.standard_normal(size))}
    marks = BlockMarks.zeros(size)
    host, since = join(shared, marks, size)
    assert host.digest() == s.tables_digest(shared["regret"], shared["strategy"])
    for _ in range(20):
        expected = {}
        for name in s.TABLES:
            mine = np.sort(rng.choice(size, 300, replace=False))
            before = host.table(name)[mine].copy()
            host.write(name, mine, before + rng.standard_normal(300).astype(D[name]))
            own = np.zeros(size, D[name])
            own[mine] = host.table(name)[mine] - before
            theirs = np.sort(rng.choice(size, 300, replace=False))
            local_write(shared, marks, name, theirs, shared[name][theirs] * D[name].type(0.9))
            mine_only = np.isin(np.arange(size), mine) & ~np.isin(np.arange(size), theirs)
            expected[name] = np.where(mine_only, host.table(name), shared[name] + own)
        _, _, since = sync(host, shared, marks, since, size)
        for n in s.TABLES:
            np.testing.assert_array_equal(shared[n], expected[n])
            assert host.table(n).tobytes() == shared[n].tobytes()


def test_a_lone_host_leaves_exactly_its_own_tables():
    """With nobody else writing, a merge takes the host's values: no float rounding at all."""
    size = 20_000
    rng = np.random.default_rng(3)
    shared = {n: np.zeros(size, D[n]) for n in s.TABLES}
    marks = BlockMarks.zeros(size)
    host, since = join(shared, marks, size)
    alone = {n: np.zeros(size, D[n]) for n in s.TABLES}
    for _ in range(10):
        for n in s.TABLES:
            step = (rng.standard_normal(size) * 1e3).astype(D[n]) * (rng.random(size) < 0.3)
            index = np.flatnonzero(step)
            host.write(n, index, host.table(n)[index] + step[index])
            alone[n] += step
        _, _, since = sync(host, shared, marks, since, size)
        for n in s.TABLES:
            assert shared[n].tobytes() == alone[n].tobytes()
        entries, answered, since = sync(host, shared, marks, since, size)
        assert entries == 0 and answered == 0  # nothing new on either side: nothing sent back


def test_a_sync_costs_the_changed_blocks_not_the_table():
    size = 4_000_000
    shared = {n: np.zeros(size, D[n]) for n in s.TABLES}
    marks = BlockMarks.zeros(size)
    host, since = join(shared, marks, size)
    spots = np.array([10, 11, 2_000_000, 3_999_999])
    host.write("regret", spots, np.ones(4, np.float32))
    local_write(shared, marks, "strategy", np.array([5_000]), np.ones(1))
    parts, entries = host.outgoing()
    assert entries == 4 and sum(p.nbytes for p in parts) < 100
    s.merge(shared, marks, [s.decode_part(p, size, with_bases=True) for p in parts])
    runs, since = s.answer_runs(marks, since, size)
    blocks = {(name, start // BLOCK_ENTRIES) for name, start, _ in runs}
    assert blocks == {("regret", 0), ("regret", 2_000_000 // BLOCK_ENTRIES), ("regret", 3_999_999 // BLOCK_ENTRIES),
                      ("strategy", 5_000 // BLOCK_ENTRIES)}
    assert s.RunParts(shared, runs).entries <= 4 * BLOCK_ENTRIES


def test_answer_without_changes_is_one_empty_part():
    shared = {n: np.ones(10, D[n]) for n in s.TABLES}
    marks = BlockMarks.zeros(10)
    since = marks.advance() + 1
    runs, _ = s.answer_runs(marks, since, 10)
    parts = s.RunParts(shared, runs)
    assert parts.entries == 0 and len(parts) == 1 and parts[0].count == 0
    assert s.decode_part(parts[0], 10).values.size == 0


@pytest.mark.parametrize("gap, bytes_per_entry", [(10, 1), (255, 1), (256, 5), (70_000, 5)])
def test_indices_take_a_byte_per_short_gap(gap, bytes_per_entry):
    size = 100_000_000
    index = np.arange(0, 1000 * gap, gap)
    parts = s.sparse_parts("regret", index, np.ones(len(index), np.float32), size, part_entries=300)
    header = len(s.SPARSE) * len(parts)
    assert sum(len(p.indices) for p in parts) == header + bytes_per_entry * (len(index) - len(parts))


def _coded(index: list[int]) -> bytes:
    return s.SPARSE + bytes(np.diff(index).astype(np.uint8))


def _part(**changes):
    base = dict(table="regret", start=2, count=3, indices=_coded([2, 3, 8]),
                values=np.array([1, 2, 3], "<f4").tobytes())
    base.update(changes)
    return s.Part(**base)


@pytest.mark.parametrize("part, reason", [
    (_part(table="weights"), "table"),
    (_part(start=-1), "start"),
    (_part(count=True), "count"),
    (_part(start=100), "outside the table"),
    (_part(count=2), "expected 8 bytes"),
    (_part(values=b"garbage"), "expected 12 bytes"),
    (_part(values=np.array([1, 2, 3, 4], "<f4").tobytes()), "expected 12 bytes"),
    (_part(values="text"), "bytes"),
    (_part(values=np.array([1, np.nan, 3], "<f4").tobytes()), "not finite"),
    (_part(values=np.array([1, np.inf, 3], "<f4").tobytes()), "not finite"),
    (_part(bases=np.array([1, 2, 3], "<f4").tobytes()), "carries none"),
    (_part(indices=b"garbage"), "not a sparse part"),
    (_part(indices=_coded([2, 3, 8]) + b"x"), "left over"),
    (_part(indices=_coded([2, 3])), "end before"),
    (_part(indices=s.SPARSE + b"\x01" * 10_000_000), "left over"),  # read no further than the count
    (_part(indices=s.SPARSE + b"\x01\x00\x00\x00\x00\x00"), "zero gap"),
    (_part(indices=_coded([2, 3, 10])), "past the table"),
    (_part(indices=s.SPARSE + b"\x01\x00\xff\xff\xff\xff"), "past the table"),
    (_part(indices=b"", start=8), "overruns"),
    (_part(indices=s.SPARSE, count=0, values=b""), "empty part"),
    (_part(count=4, values=np.ones(4, "<f4").tobytes()), "exceeds"),
    (_part(indices="text"), "bytes"),
])
def test_bad_parts_are_rejected(part, reason):
    with pytest.raises(s.SyncError, match=reason):
        s.decode_part(part, 10, part_entries=3)


@pytest.mark.parametrize("bases, reason", [
    (b"", "expected 12 bytes"), (np.array([1, 2], "<f4").tobytes(), "expected 12 bytes"),
    (np.array([1, np.nan, 3], "<f4").tobytes(), "not finite"),
])
def test_change_parts_need_a_finite_base_per_entry(bases, reason):
    with pytest.raises(s.SyncError, match=reason):
        s.decode_part(_part(bases=bases), 10, part_entries=3, with_bases=True)


def test_valid_part_decodes():
    c = s.decode_part(_part(), 10, part_entries=3)
    assert list(c.index) == [2, 3, 8] and list(c.values) == [1, 2, 3] and c.bases is None
    c = s.decode_part(_part(bases=np.array([0, 1, 0], "<f4").tobytes()), 10, part_entries=3, with_bases=True)
    assert list(c.bases) == [0, 1, 0]


def test_overflowing_merge_is_refused_whole():
    shared = {"regret": np.array([3.3e38, 0, 0], np.float32), "strategy": np.zeros(3, np.float64)}
    marks = BlockMarks.zeros(3)
    epoch = marks.epoch
    ok = s.Entries("strategy", np.array([0]), np.array([1], np.float64), np.array([0], np.float64))
    # someone else changed entry 0 since the base: the host's change is added, and overflows
    bad = s.Entries("regret", np.array([0]), np.array([3.39e38], np.float32), np.array([3e38], np.float32))
    with pytest.raises(s.SyncError, match="overflow"):
        s.merge(shared, marks, [ok, bad])
    assert shared["strategy"][0] == 0 and shared["regret"][0] == np.float32(3.3e38)
    assert marks.epoch == epoch


def test_overlapping_parts_are_refused():
    shared = {n: np.zeros(10, D[n]) for n in s.TABLES}
    zeros = np.zeros(2, np.float32)
    a = s.Entries("regret", np.array([1, 4]), np.ones(2, np.float32), zeros)
    b = s.Entries("regret", slice(4, 6), np.ones(2, np.float32), zeros)
    with pytest.raises(s.SyncError, match="overlap"):
        s.merge(shared, None, [a, b])
    assert not shared["regret"].any()
    s.merge(shared, None, [a, s.Entries("regret", slice(5, 7), np.ones(2, np.float32), zeros)])
    assert list(np.flatnonzero(shared["regret"])) == [1, 4, 5, 6]


def test_changes_made_while_the_answer_travels_are_kept_and_sent_next():
    size = 20_000
    shared = {n: np.zeros(size, D[n]) for n in s.TABLES}
    marks = BlockMarks.zeros(size)
    host, since = join(shared, marks, size)
    host.write("regret", np.array([5, 2000]), np.array([1, 2], np.float32))
    parts, _ = host.outgoing()
    s.merge(shared, marks, [s.decode_part(p, size, with_bases=True) for p in parts])
    local_write(shared, marks, "regret", np.array([5, 7]), shared["regret"][[5, 7]] + 10)
    runs, since = s.answer_runs(marks, since, size)
    answer = s.RunParts(shared, runs)
    host.write("regret", np.array([5, 9]), host.regret[[5, 9]] + 100)  # the kernels went on meanwhile
    host.apply([s.decode_part(answer[k], size) for k in range(len(answer))])
    assert list(host.regret[[5, 7, 9, 2000]]) == [111, 10, 100, 2]
    entries, _, since = sync(host, shared, marks, since, size)
    assert entries == 2  # only what the kernels did since the last sync
    assert host.regret.tobytes() == shared["regret"].tobytes()
    assert list(shared["regret"][[5, 7, 9, 2000]]) == [111, 10, 100, 2]


def test_an_answer_carries_merged_entries_one_by_one_and_locally_written_blocks_whole():
    size = 200_000
    shared = {n: np.zeros(size, D[n]) for n in s.TABLES}
    marks = BlockMarks.zeros(size)
    log = s.ChangeLog(size)
    a, since_a = join(shared, marks, size)
    b, since_b = join(shared, marks, size)
    spots = np.array([3, 5_000, 150_000])
    a.write("regret", spots, np.ones(3, np.float32))
    parts, _ = a.outgoing()
    s.merge(shared, marks, [s.decode_part(p, size, with_bases=True) for p in parts], log)
    local_write(shared, marks, "strategy", np.array([70_000]), np.ones(1))
    assert not (marks.marks[0] >= since_b).any()  # a merge with a log marks no block
    runs, since_b = s.answer_runs(marks, since_b, size, log=log)
    answer = s.RunParts(shared, runs)
    assert answer.entries == 3 + BLOCK_ENTRIES  # three entries, and the block a local writer wrote
    b.apply([s.decode_part(answer[k], size) for k in range(len(answer))])
    for n in s.TABLES:
        assert b.table(n).tobytes() == shared[n].tobytes()
    runs, since_b = s.answer_runs(marks, since_b, size, log=log)
    assert s.RunParts(shared, runs).entries == 0  # nothing new since
    log.prune(min(since_a, since_b))
    assert log.since(0, since_a).tolist() == spots.tolist()  # a has not been answered yet
    log.prune(since_b)
    assert log.nbytes == 0


def test_the_change_log_merges_its_records_sorted_and_once():
    log = s.ChangeLog(1000)
    log.add(3, 0, np.array([5, 9, 700]))
    log.add(4, 0, np.array([1, 9, 800]))
    log.add(4, 1, np.array([2]))
    log.add(5, 0, np.array([], np.int64))
    assert log.since(0, 3).tolist() == [1, 5, 9, 700, 800]
    assert log.since(0, 4).tolist() == [1, 9, 800]
    assert log.since(1, 5).tolist() == []
    log.prune(4)
    assert log.since(0, 0).tolist() == [1, 9, 800]


def test_a_full_change_log_gives_its_oldest_entries_back_to_the_marks_and_answers_stay_complete():
    size = 50_000
    shared = {n: np.zeros(size, D[n]) for n in s.TABLES}
    marks = BlockMarks.zeros(size)
    log = s.ChangeLog(size, marks, budget=3 * 4 * 100)  # room for three records of 100 entries
    a, since_a = join(shared, marks, size)
    b, since_b = join(shared, marks, size)
    rng = np.random.default_rng(5)
    for _ in range(6):
        spots = np.sort(rng.choice(size, 100, replace=False))
        a.write("regret", spots, a.regret[spots] + 1)
        parts, _ = a.outgoing()
        s.merge(shared, marks, [s.decode_part(p, size, with_bases=True) for p in parts], log)
        runs, since_a = s.answer_runs(marks, since_a, size, log=log)
        answer = s.RunParts(shared, runs)
        a.apply([s.decode_part(answer[k], size) for k in range(len(answer))])
        assert log.nbytes <= log.budget
    assert log.folded == 3
    runs, since_b = s.answer_runs(marks, since_b, size, log=log)  # b lagged behind every merge
    answer = s.RunParts(shared, runs)
    assert answer.entries > 300  # the folded records come as whole blocks
    b.apply([s.decode_part(answer[k], size) for k in range(len(answer))])
    for n in s.TABLES:
        assert b.table(n).tobytes() == shared[n].tobytes() == a.table(n).tobytes()


def test_a_change_set_merges_part_by_part_and_undoes_whole():
    size = 5_000
    rng = np.random.default_rng(9)
    shared = {n: rng.standard_normal(size).astype(D[n]) for n in s.TABLES}
    before = {n: shared[n].copy() for n in s.TABLES}
    marks = BlockMarks.zeros(size)
    log = s.ChangeLog(size, marks)
    host, since = join(shared, marks, size)
    spots = np.sort(rng.choice(size, 900, replace=False))
    host.write("regret", spots, host.regret[spots] + 1)
    host.write("strategy", spots[:50], host.strategy[spots[:50]] + 1)
    parts, _ = host.outgoing(part_entries=200)
    merging = s.ChangeMerge(shared, marks, log)
    for part in parts[:-1]:
        merging.add(s.decode_part(part, size, 200, with_bases=True))
    assert merging.entries == 900 and merging.undo_bytes < 900 * (4 + 3)  # replaced values + coded indices
    assert (shared["regret"] != before["regret"]).sum() == 900
    epoch = marks.advance() + 1
    merging.undo()
    for n in s.TABLES:
        assert shared[n].tobytes() == before[n].tobytes()
    assert log.since(0, epoch).tolist() == spots.tolist()  # restored entries go out again
    with pytest.raises(s.SyncError, match="out of order"):  # a part again, after later ones
        merging.add(s.decode_part(parts[1], size, 200, with_bases=True))
        merging.add(s.decode_part(parts[0], size, 200, with_bases=True))
    for n in s.TABLES:
        assert shared[n].tobytes() == before[n].tobytes()


def test_dense_log_records_are_bitmaps_and_read_back_the_same():
    log = s.ChangeLog(1_000_000)
    dense = np.arange(1000, 9000, 3)  # a third of the entries it spans
    sparse = np.array([5, 500_000, 999_999])
    log.add(1, 0, dense)
    log.add(1, 0, sparse)
    assert log.records[0].bitmap is not None and log.records[1].index is not None
    assert log.nbytes == -(-(8998 - 1000 + 1) // 8) + 3 * 4  # a bit a spanned entry; 4 bytes an index
    assert log.since(0, 1).tolist() == sorted(dense.tolist() + sparse.tolist())


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), records=st.integers(1, 6), window=st.integers(1, 40_000))
def test_the_change_log_reads_any_mix_of_records_as_their_sorted_union(seed, records, window):
    rng = np.random.default_rng(seed)
    log = s.ChangeLog(100_000)
    expected: set[int] = set()
    for epoch in range(records):
        density = rng.choice([0.001, 0.3])  # index records and bitmaps
        lo, hi = sorted(rng.integers(0, 100_000, 2))
        index = lo + np.flatnonzero(rng.random(hi - lo + 1) < density)
        log.add(epoch, 0, index)
        expected |= set(index.tolist())
    got = log.since(0, 0)
    assert got.tolist() == sorted(expected)
    got[:] = 0  # a new array: the log is untouched
    assert log.since(0, 0).tolist() == sorted(expected)
    windows = list(log.windows(0, 0, window))  # a window at a time: the same entries, none empty
    assert all(len(w) for w in windows)
    assert (np.concatenate(windows).tolist() if windows else []) == sorted(expected)


def test_an_answer_takes_the_log_a_window_at_a_time_into_full_parts(monkeypatch):
    size = 300_000
    shared = {n: np.arange(size, dtype=D[n]) for n in s.TABLES}
    marks = BlockMarks.zeros(size)
    log = s.ChangeLog(size, marks)
    index = np.flatnonzero(np.random.default_rng(8).random(size) < 0.05)
    log.add(marks.epoch, 0, index)
    monkeypatch.setattr(s, "WINDOW_ENTRIES", 500)  # 30 windows
    windows, read = [], log.windows

    def spy(*args):
        for window in read(*args):
            windows.append(len(window))
            yield window

    monkeypatch.setattr(log, "windows", spy)
    runs, _ = s.answer_runs(marks, marks.epoch, size, part_entries=2_000, log=log)
    assert 25 <= len(windows) <= 31 and max(windows) < 2_000
    assert [run[2] for run in runs[:-1]] == [2_000] * (len(runs) - 1) and 0 < runs[-1][2] <= 2_000
    answer = s.RunParts(shared, runs)
    got = np.concatenate([s.decode_part(answer[k], size).index for k in range(len(answer))])
    assert got.tolist() == index.tolist()


def test_an_answer_waiting_to_be_sent_holds_its_entries_as_the_wire_names_them():
    size = 1_000_000
    shared = {n: np.arange(size, dtype=D[n]) for n in s.TABLES}
    index = np.flatnonzero(np.random.default_rng(4).random(size) < 0.4)  # dense: gaps of a few entries
    held = s.spots("regret", index, 1 << 15)
    assert sum(len(spot[3]) for spot in held) <= 1.01 * len(index)  # about a byte an entry, not 4-8
    parts = s.RunParts(shared, held)
    assert parts.entries == len(index) and len(parts) == -(-len(index) // (1 << 15))
    decoded = [s.decode_part(parts[k], size) for k in range(len(parts))]
    assert np.concatenate([e.index for e in decoded]).tolist() == index.tolist()
    assert np.concatenate([e.values for e in decoded]).tolist() == shared["regret"][index].tolist()
