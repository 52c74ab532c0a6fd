"""Shared tables: workers see the supervisor's writes; every segment is released or swept."""
import json
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from supervisor.shm import SharedTables, sweep_stale
from worker.shm import attach_tables, open_segment, pid_alive


def segment_exists(name: str) -> bool:
    try:
        seg = open_segment(name)
    except FileNotFoundError:
        return False
    seg.close()
    return True


def test_attached_views_share_memory(tmp_path):
    with SharedTables(100, "run", registry=tmp_path) as tables:
        tables.regret[:] = np.arange(100, dtype=np.float32)
        segments, regret, strategy = attach_tables(tables.names, 100)
        assert np.array_equal(regret, tables.regret)
        strategy[7] = 3.5
        assert tables.strategy[7] == 3.5
        del regret, strategy
        for s in segments:
            s.close()
        names = tables.names
        assert all(segment_exists(n) for n in names)
        assert len(list(tmp_path.glob("*.json"))) == 1
    assert not any(segment_exists(n) for n in names)
    assert list(tmp_path.glob("*.json")) == []


def test_release_is_idempotent_and_tolerates_live_views(tmp_path):
    tables = SharedTables(10, "run", registry=tmp_path)
    view = tables.regret  # keeps an exported buffer alive
    tables.release()
    tables.release()
    assert not segment_exists(tables.names[0])
    assert view.shape == (10,)


def test_attach_refuses_a_too_small_segment(tmp_path):
    with SharedTables(10, "run", registry=tmp_path) as tables:
        with pytest.raises(ValueError, match="holds 40 bytes; the table needs 400"):
            attach_tables(tables.names, 100)


def test_worker_exit_does_not_unlink_the_segment(tmp_path):
    """Attaching in another process and exiting must leave the owner's segment (resource tracker)."""
    with SharedTables(10, "run", registry=tmp_path) as tables:
        code = f"from worker.shm import attach_tables; s, r, _ = attach_tables({tables.names!r}, 10); r[0] = 9"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "leaked" not in out.stderr
        assert tables.regret[0] == 9
        assert all(segment_exists(n) for n in tables.names)


def test_sweep_removes_segments_of_a_sigkilled_owner(tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        import numpy as np
        from supervisor.shm import SharedTables
        from worker.private import table_lock
        t = SharedTables(1000, "doomed", registry=Path({str(tmp_path)!r}))
        t.share_arrays({{"tree": np.arange(100)}})
        with table_lock(t.lock_path):
            pass
        print(" ".join(t.names + (t.arrays_name,)), flush=True)
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    names = proc.stdout.readline().split()
    assert len(names) == 3 and all(segment_exists(n) for n in names)
    assert len(list(tmp_path.glob("*.lock"))) == 1
    # a live owner's segments are left alone
    with SharedTables(10, "mine", registry=tmp_path) as mine:
        assert sweep_stale(tmp_path) == []
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        assert not pid_alive(proc.pid)
        assert sorted(sweep_stale(tmp_path)) == sorted(names)
        assert not any(segment_exists(n) for n in names)
        assert segment_exists(mine.names[0])  # ours survives
        entries = [json.loads(p.read_text()) for p in tmp_path.glob("*.json")]
        assert [e["owner_pid"] for e in entries] == [os.getpid()]
        assert list(tmp_path.glob("*.lock")) == []  # the dead run's lock file went with its entry


def test_sweep_drops_unreadable_entries(tmp_path):
    (tmp_path / "junk.json").write_text("{not json")
    assert sweep_stale(tmp_path) == []
    assert not (tmp_path / "junk.json").exists()


WRITER = textwrap.dedent("""
    import sys, numpy as np
    from worker.shm import attach_tables
    names, size, parity, go = sys.argv[1:3], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    segments, regret, strategy = attach_tables(tuple(names), size)
    entries = np.load(sys.argv[6])
    mine = entries[entries % 2 == parity]
    np.random.default_rng(parity).shuffle(mine)
    print("ready", flush=True)
    while open(go).read() != "go":
        pass
    for i in mine:  # one entry at a time: each first touch of a page races the other process
        regret[i] = i + 1
        strategy[i] += 1.0
    print("done", flush=True)
""")


def test_tables_are_backed_only_where_touched(tmp_path):
    size = 1 << 22  # 16 MiB of regrets, 32 MiB of sums: nothing backed until written
    with SharedTables(size, "run", registry=tmp_path) as tables:
        assert tables.allocated_bytes() == {"regret": 0, "strategy": 0}
        assert all(e.size == 0 for e in tables.extents().values())
        tables.regret[5000] = 1.0
        tables.strategy[[10, 3_000_000]] = 2.0
        assert tables.allocated_bytes() == {"regret": 4096, "strategy": 2 * 4096}
        runs = tables.extents()
        assert runs["regret"].tolist() == [[4096, 1024]]
        assert runs["strategy"].tolist() == [[0, 512], [2_999_808, 512]]


def test_two_processes_allocating_at_once_lose_and_duplicate_nothing(tmp_path):
    """Both write (one entry at a time, in random order) into the same untouched pages of fresh tables."""
    size = 1 << 22
    rng = np.random.default_rng(0)
    pages = rng.choice(size // 1024, size=300, replace=False)
    entries = np.unique((pages[:, None] * 1024 + rng.integers(0, 1024, size=(300, 40))).ravel())
    np.save(tmp_path / "entries.npy", entries)
    go = tmp_path / "go"
    go.write_text("wait")
    with SharedTables(size, "run", registry=tmp_path) as tables:
        procs = [subprocess.Popen([sys.executable, "-c", WRITER, *tables.names, str(size), str(parity), str(go),
                                   str(tmp_path / "entries.npy")], stdout=subprocess.PIPE, text=True)
                 for parity in (0, 1)]
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        go.write_text("go")
        for proc in procs:
            assert proc.stdout.readline().strip() == "done"
            assert proc.wait(timeout=60) == 0
        # before anything reads the tables: a read of an untouched page would back it too
        touched = len(np.unique(entries // 1024))
        assert tables.allocated_bytes()["regret"] == touched * 4096
        assert sum(length for _, length in tables.extents()["regret"]) == touched * 1024
        want = np.zeros(size, np.float32)
        want[entries] = entries + 1
        assert np.array_equal(tables.regret, want), "an entry written by one process was lost"
        counts = np.zeros(size)
        counts[entries] = 1.0
        assert np.array_equal(tables.strategy, counts), "an entry was added twice or not at all"
