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
