"""Many hosts (issue 12): the head's merge rate, a simulated fleet on loopback, and one host's threads.

Three parts, each selectable with ``--parts`` (default all three):

- ``merge``: the head's merge on one core (this process, pinned to one CPU):
  shared tables of ``--merge-entries`` entries per table, their
  :class:`holdem.mccfr.blocks.BlockMarks`, and a host's change set of
  ``--merge-changes`` entries per table built as a host builds it
  (:meth:`worker.host_tables.HostTables.write` on a host copy, then
  :meth:`~worker.host_tables.HostTables.outgoing`).  Times what
  ``supervisor/remote.py`` does with it as its parts arrive:
  ``decode_part(..., with_bases=True)`` of each part, then its merge
  (``worker.sync.ChangeMerge``) with its entries logged in a change log of
  the hub's budget; changed entries per second for decode + merge and for
  the merge alone, per table, for *sparse* changes (random entries) and
  *clustered* ones (consecutive entries); then the answer to another host,
  ``answer_runs`` over that log plus reading every part of its ``RunParts``
  (what is sent).  Goal: 50 M
  entries/s.  The sparse case is also merged once into tables none of whose
  pages was touched yet (``first_touch``: what a merge into rows nobody
  allocated costs).  When a case misses it, a cProfile of that case says where
  the time goes.
- ``fleet``: ``holdem-supervise --workers 0 --bind tcp://127.0.0.1:* --keys
  DIR`` and N ``holdem-worker --threads 1`` hosts over CURVE on loopback:
  ``hu_mid`` (``--seconds``) with 1, 2 and 4 hosts, and 4 hosts on ``hu_mid``
  and ``6max_mid`` (``--big-seconds``, if MemAvailable allows) at two
  ``supervisor.sync_interval`` values (``--sync-intervals``: the change rate;
  a longer interval folds more iterations into each changed entry).  Per
  run: the head's peak memory (the supervisor's RssAnon + RssFile, plus the
  bytes its ``hdm<pid>_*`` shared-memory segments hold, sampled every
  ``--sample-interval`` s; also its RSS before any host joined) against the
  tables' allocated bytes (``status.json``) and their full size; each host's
  peak RSS; per sync (``remote_synced``) medians and totals of entries and
  bytes each way and merge seconds, and each host's own sync seconds (its
  log); the head's CPU (``run_finished``'s share, and /proc CPU seconds from
  the last join to the last sync with work); and per changed entry (a host's
  ``entries_in``): bytes each way, merge and head CPU microseconds, which
  should not grow with the table size (``per_changed_entry_6max_mid_over_hu_mid``).
- ``threads``: one host with ``--threads 2`` (head ``--workers 0``) against
  a local run with ``--workers 2``, on Leduc and ``hu_small``, alternated
  ``--rounds`` times (A, B, A, B: the machine is shared and noisy), each
  ``--threads-seconds``: steady-state iterations/s (benchmarks/remote.py's
  ``steady()``), each round's ratio and the median.  Goal: 0.9.

The time budget of a run counts from the head's start, so it includes the
hosts' joins (about 15 s each on ``6max_mid``, which builds the game).
Buckets come from ``~/.cache/holdem`` (``HOLDEM_CACHE`` is removed from the
runs' environment).  Every run stops by its own ``--time-budget``; nothing is
left running.  Prints one JSON object with the command that reproduces it.

    python benchmarks/fleet.py [--parts merge,fleet,threads] [--merge-entries 20000000]
                               [--merge-changes 2000000] [--seconds 30] [--big-seconds 120]
                               [--hosts 1,2,4] [--sync-intervals 1,10] [--threads-seconds 20]
                               [--rounds 2] [--out benchmarks/results/fleet.json]
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import _runs
import numpy as np
import yaml
from remote import steady

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PARTS = ("merge", "fleet", "threads")
MERGE_GOAL = 50e6  # changed entries/s on one core
HEAD_MEMORY_GOAL = 1.25  # x the tables
THREADS_GOAL = 0.9


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _rate(entries: int, seconds: float) -> float | None:
    return round(entries / seconds / 1e6, 2) if seconds > 0 else None


# ---------------------------------------------------------------------------------------------- merge

def _best_of(repeats: int, fn, *args) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t)
    return min(times)


def _decode_all(parts, size: int) -> list:
    from worker.sync import decode_part

    return [decode_part(p, size, with_bases=True) for p in parts]


def _hub_log(shared: dict, marks, size: int):
    """A change log with the budget supervisor/remote.py gives it for these tables."""
    from supervisor.remote import LOG_MIN_BYTES, LOG_TABLE_FRACTION
    from worker.sync import ChangeLog

    table_bytes = sum(t.nbytes for t in shared.values())
    return ChangeLog(size, marks, max(LOG_MIN_BYTES, table_bytes // LOG_TABLE_FRACTION))


def _merge_logged(shared: dict, marks, entries, size: int, log=None) -> None:
    """The head's merge of decoded parts (any iterable): each merged (ChangeMerge) and its entries logged."""
    from worker.sync import ChangeMerge

    merging = ChangeMerge(shared, marks, log if log is not None else _hub_log(shared, marks, size))
    for e in entries:
        merging.add(e)
    merging.commit()


def _decode_and_merge(shared: dict, marks, parts, size: int, log=None) -> None:
    """What supervisor/remote.py does with a host's change parts as they arrive (its lock and events
    aside): each part decoded, merged and logged."""
    from worker.sync import decode_part

    _merge_logged(shared, marks, (decode_part(part, size, with_bases=True) for part in parts), size, log)


def _profile(fn, *args, top: int = 12) -> list[str]:
    prof = cProfile.Profile()
    prof.enable()
    fn(*args)
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return [" ".join(line.split()) for line in lines[start:] if line.strip()]


def merge_part(size: int, changes: int, repeats: int, seed: int = 0) -> dict:
    from holdem.mccfr.blocks import BLOCK_ENTRIES, BlockMarks
    from worker.host_tables import HostTables
    from worker.sync import TABLES, RunParts, answer_runs

    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        pinned = True
    except (AttributeError, OSError):
        pinned = False
    rng = np.random.default_rng(seed)
    shared = {"regret": rng.standard_normal(size, dtype=np.float32) * 100,
              "strategy": rng.random(size) * 1e4}
    marks = BlockMarks.zeros(size)
    host = HostTables(size)
    host.regret[:] = shared["regret"]  # the host's copy equals the head's after its last sync
    host.strategy[:] = shared["strategy"]
    cases = []
    since = marks.epoch
    for kind in ("sparse", "clustered"):
        if kind == "sparse":
            index = np.sort(rng.choice(size, changes, replace=False))
        else:
            first = int(rng.integers(0, size - changes))
            index = np.arange(first, first + changes, dtype=np.int64)
        t = time.perf_counter()
        for name in TABLES:
            table = host.table(name)
            host.write(name, index, table[index] + rng.standard_normal(len(index)).astype(table.dtype))
        parts, sent = host.outgoing()
        host_seconds = time.perf_counter() - t
        # a write that leaves an entry's bits unchanged is no change; the rare such entry is not sent
        case: dict = {"changes": kind, "changed_entries_per_table": changes, "entries_sent": sent,
                      "parts": len(parts), "bytes_sent": sum(p.nbytes for p in parts),
                      "host_write_and_outgoing_seconds": round(host_seconds, 4)}
        for name in TABLES:
            mine = [p for p in parts if p.table == name]
            n = sum(p.count for p in mine)
            decoded = _decode_all(mine, size)
            decode_s = _best_of(repeats, _decode_all, mine, size)
            merge_s = _best_of(repeats, _merge_logged, shared, marks, decoded, size)
            both_s = _best_of(repeats, _decode_and_merge, shared, marks, mine, size)
            case[name] = {"entries": n, "decode_seconds": round(decode_s, 4), "merge_seconds": round(merge_s, 4),
                          "decode_and_merge_seconds": round(both_s, 4),
                          "decode_and_merge_M_entries_per_s": _rate(n, both_s),
                          "merge_only_M_entries_per_s": _rate(n, merge_s),
                          "decode_only_M_entries_per_s": _rate(n, decode_s),
                          "meets_goal": bool(n / both_s >= MERGE_GOAL) if both_s > 0 else None}
        slow = [name for name in TABLES if not case[name]["meets_goal"]]
        if slow:
            name = slow[0]
            mine = [p for p in parts if p.table == name]
            case["profile"] = {"table": name, "what": "decode_part of every part + merge, cProfile by tottime "
                                                      "(numpy calls inside a function count as its own time)",
                               "lines": _profile(_decode_and_merge, shared, marks, mine, size)}
        if kind == "sparse":  # the same parts into tables no page of which was touched yet (one run each)
            from holdem.mccfr.pages import lazy_zeros

            fresh = {name: lazy_zeros(size, shared[name].dtype) for name in TABLES}
            fresh_marks = BlockMarks.zeros(size)
            case["first_touch"] = {}
            for name in TABLES:
                mine = [p for p in parts if p.table == name]
                n = sum(p.count for p in mine)
                took = _best_of(1, _decode_and_merge, fresh, fresh_marks, mine, size)
                case["first_touch"][name] = {"decode_and_merge_seconds": round(took, 4),
                                             "decode_and_merge_M_entries_per_s": _rate(n, took)}
            del fresh
        n_all = sum(case[name]["entries"] for name in TABLES)
        s_all = sum(case[name]["decode_and_merge_seconds"] for name in TABLES)
        case["both_tables_decode_and_merge_M_entries_per_s"] = _rate(n_all, s_all)
        # the answer to another host: the entries logged since its previous answer, read as they are sent
        log = _hub_log(shared, marks, size)
        _decode_and_merge(shared, marks, parts, size, log)
        t = time.perf_counter()
        runs, since = answer_runs(marks, since, size, log=log)
        answer_runs_s = time.perf_counter() - t
        answer = RunParts(shared, runs)
        t = time.perf_counter()
        sent_bytes = sum(len(answer[k].values) for k in range(len(answer)))
        read_s = time.perf_counter() - t
        blocks = sum(-(-run[2] // BLOCK_ENTRIES) for run in runs if len(run) == 3)
        case["answer"] = {"blocks": blocks, "entries": answer.entries, "bytes": sent_bytes, "parts": len(answer),
                          "answer_runs_seconds": round(answer_runs_s, 5), "read_parts_seconds": round(read_s, 4),
                          "microseconds_per_block": round((answer_runs_s + read_s) / blocks * 1e6, 3)
                          if blocks else None,
                          "M_entries_per_s": _rate(answer.entries, answer_runs_s + read_s)}
        cases.append(case)
    both = [c[t]["decode_and_merge_M_entries_per_s"] for c in cases for t in TABLES]
    return {"table_entries": size, "table_bytes": size * 12, "block_entries": BLOCK_ENTRIES,
            "pinned_to_one_cpu": pinned, "repeats_best_of": repeats, "goal_M_entries_per_s": MERGE_GOAL / 1e6,
            "cases": cases, "slowest_decode_and_merge_M_entries_per_s": min(both),
            "meets_goal": all(b >= MERGE_GOAL / 1e6 for b in both)}


# ---------------------------------------------------------------------------------------------- processes

def _environment(registry: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "HOLDEM_CACHE"}
    env["HOLDEM_SHM_REGISTRY"] = str(registry)
    return env


def _status_field(path: Path, name: str) -> int:
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(name):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _rss(pid: int) -> int:
    """RssAnon + RssFile: the process's own memory (shared-memory pages are RssShmem, counted apart)."""
    status = Path(f"/proc/{pid}/status")
    return _status_field(status, "RssAnon:") + _status_field(status, "RssFile:")


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` (its own threads), from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _segments_bytes(pid: int) -> int:
    """Bytes held by the shared-memory segments of the supervisor ``pid`` (``hdm<pid>_*``)."""
    total = 0
    prefix = f"hdm{pid}_"
    try:
        names = os.listdir("/dev/shm")
    except OSError:
        return 0
    for name in names:
        if name.startswith(prefix):
            try:
                total += os.stat(os.path.join("/dev/shm", name)).st_blocks * 512
            except OSError:
                pass
    return total


class Sampler:
    """Peak memory of the head (RSS + its segments) and of each host, every ``interval`` seconds."""

    def __init__(self, head: subprocess.Popen, logdir: Path, interval: float) -> None:
        self.head, self.logdir, self.interval = head, logdir, interval
        self.hosts: dict[str, subprocess.Popen] = {}
        self.peak = {"head_bytes": 0, "head_rss_bytes": 0, "head_shm_bytes": 0}
        self.host_peak: dict[str, int] = {}
        self.tables = {"allocated_bytes": 0}
        self.began = time.monotonic()
        self.timeline: list[list] = []  # [seconds, head RSS, head segments, tables allocated], about every second
        self.samples: list[tuple[float, int, int]] = []  # (wall time, head RSS, head segments), every sample
        self.cpu: list[tuple[float, float]] = []  # (wall time, head CPU seconds), every sample
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set() and self.head.poll() is None:
            rss, shm = _rss(self.head.pid), _segments_bytes(self.head.pid)
            try:
                tables = json.loads((self.logdir / "status.json").read_text()).get("tables") or {}
            except (OSError, ValueError):
                tables = {}
            if tables.get("allocated_bytes", 0) >= self.tables["allocated_bytes"]:
                self.tables = {**self.tables, **tables}
            self.peak.update(head_bytes=max(self.peak["head_bytes"], rss + shm),
                             head_rss_bytes=max(self.peak["head_rss_bytes"], rss),
                             head_shm_bytes=max(self.peak["head_shm_bytes"], shm))
            self.samples.append((time.time(), rss, shm))
            cpu = _cpu_seconds(self.head.pid)
            if cpu is not None:
                self.cpu.append((time.time(), cpu))
            now = time.monotonic() - self.began
            if not self.timeline or now - self.timeline[-1][0] >= 1.0:
                self.timeline.append([round(now, 1), rss, shm, tables.get("allocated_bytes")])
            for name, proc in list(self.hosts.items()):
                if proc.poll() is None:
                    self.host_peak[name] = max(self.host_peak.get(name, 0), _rss(proc.pid))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def _stop(proc: subprocess.Popen, grace: float = 20.0) -> int | None:
    """Wait for ``proc``; SIGINT after ``grace`` s, SIGKILL after as long again."""
    if proc.poll() is not None:
        return proc.returncode
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    proc.send_signal(signal.SIGINT)
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def _tail(path: Path, lines: int = 15) -> list[str]:
    try:
        return path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []


HOST_SYNC = re.compile(r"sync (\d+): sent ([\d,]+) entries \(([\d,]+) bytes\), got ([\d,]+) \(([\d,]+) bytes\) "
                       r"in ([\d.]+) s")


def host_syncs(path: Path) -> list[dict]:
    """The syncs a host logged: entries and bytes each way and the seconds the whole sync took on the host."""
    out = []
    for line in _tail(path, 100_000):
        m = HOST_SYNC.search(line)
        if m:
            n = [int(g.replace(",", "")) for g in m.groups()[1:5]]
            out.append({"sync": int(m.group(1)), "entries_sent": n[0], "bytes_sent": n[1], "entries_got": n[2],
                        "bytes_got": n[3], "seconds": float(m.group(6))})
    return out


def _write_config(source: Path, directory: Path, name: str, supervisor: dict) -> Path:
    config = yaml.safe_load(source.read_text())
    config["supervisor"] = {**(config.get("supervisor") or {}), **supervisor}
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


class Keys:
    def __init__(self, directory: Path) -> None:
        from worker import keys as k

        self.k, self.dir = k, directory
        k.new_key_pair(directory / "keys", k.SERVER_NAME)
        self.names: set[str] = set()

    def host(self, name: str) -> Path:
        if name not in self.names:
            self.k.new_key_pair(self.dir / "hosts", name)
            self.k.authorize(self.dir / "keys", self.dir / "hosts" / f"{name}.key")
            self.names.add(name)
        return self.dir / "hosts" / f"{name}.key_secret"


def remote_run(config: Path, hosts: int, threads: int, seconds: float, tmp: Path, label: str, keys: Keys,
               sample_interval: float, batch_size: int | None = None) -> dict:
    """A ``--workers 0`` head and ``hosts`` remote hosts on loopback; figures from events and samples."""
    from supervisor.shm import sweep_stale

    logdir, registry = tmp / label, tmp / f"{label}-registry"
    env = _environment(registry)
    head_cmd = [sys.executable, "-m", "supervisor.cli", "--config", str(config), "--workers", "0",
                "--time-budget", str(seconds), "--snapshot-interval", "0", "--logdir", str(logdir),
                "--bind", "tcp://127.0.0.1:*", "--keys", str(keys.dir / "keys"), "--log-format", "json"]
    if batch_size:
        head_cmd += ["--batch-size", str(batch_size)]
    head_out = tmp / f"{label}-head.out"
    procs: list[subprocess.Popen] = []
    sampler = None
    load_before = _runs.load_average()
    began = time.time()
    try:
        with open(head_out, "wb") as out:
            head = subprocess.Popen(head_cmd, cwd=REPO, env=env, stdout=out, stderr=out)
        procs.append(head)
        sampler = Sampler(head, logdir, sample_interval)
        try:
            started = _runs.wait_for(logdir, lambda evs: _runs.named(evs, "run_started")
                                     or head.poll() is not None, 300)
        except TimeoutError:
            started = None
        if not isinstance(started, list):
            return {"error": "the head did not start", "exit_code": head.poll(), "head_output_tail": _tail(head_out)}
        endpoint = started[0]["remote_endpoint"]
        head_before_hosts = {"rss_bytes": _rss(head.pid), "shm_bytes": _segments_bytes(head.pid)}
        for h in range(hosts):
            name = f"host{h}"
            cmd = [sys.executable, "-m", "worker", "--connect", endpoint, "--server-key",
                   str(keys.dir / "keys" / "server.key"), "--key", str(keys.host(name)), "--name", name,
                   "--threads", str(threads)]
            with open(tmp / f"{label}-{name}.out", "wb") as out:
                proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=out)
            procs.append(proc)
            sampler.hosts[name] = proc
        code = _stop(head, grace=seconds + 300)
        host_codes = [_stop(p, grace=30) for p in procs[1:]]
    finally:
        if sampler is not None:
            sampler.stop()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        sweep_stale(registry)  # segments of a head that had to be killed
    evs = _runs.events(logdir)
    finished = (_runs.named(evs, "run_finished") or [{}])[-1]
    joined = _runs.named(evs, "remote_joined")
    first_joins = list({e["name"]: e for e in reversed(joined)}.values())  # each host's first join
    all_joined = max(first_joins, key=_runs.stamp) if first_joins else None  # when the last host first joined
    syncs = _runs.named(evs, "remote_synced")
    counting = [e for e in syncs if e.get("batches")]  # syncs that brought work (not the pulls after a pause)
    result: dict = {
        "label": label, "hosts": hosts, "threads_per_host": threads, "seconds": seconds,
        "load_average_before": load_before,
        "command": " ".join(shlex.quote(a) for a in ["holdem-supervise", *head_cmd[3:]]),
        "exit_code": code, "host_exit_codes": host_codes,
        "hosts_joined": len(first_joins),
        "joins": len(joined),
        "join_seconds": [e.get("seconds") for e in joined],
        "join_table_bytes": [e.get("table_bytes") for e in joined],
        "wall_seconds": round(time.time() - began, 1),
    }
    incidents = [{k: e[k] for k in ("timestamp", "event", "level", "name", "reason", "error", "message") if k in e}
                 for e in evs if e.get("level") in ("warning", "error")]
    if incidents:
        result["incidents"] = incidents[:20]
        result["incident_count"] = len(incidents)
    if code != 0 or len(first_joins) < hosts or len(joined) > hosts:
        result["head_output_tail"] = _tail(head_out)
        result["host_output_tails"] = {f"host{h}": _tail(tmp / f"{label}-host{h}.out") for h in range(hosts)}
    if joined:
        result.update(steady(evs, first_joins))
    logged = [s for h in range(hosts) for s in host_syncs(tmp / f"{label}-host{h}.out")]
    result["host_syncs"] = {"count": len(logged), "median_seconds": _median([s["seconds"] for s in logged]),
                            "max_seconds": max((s["seconds"] for s in logged), default=None),
                            "median_bytes_got": _median([s["bytes_got"] for s in logged])}
    peak = sampler.peak
    tables = sampler.tables
    stopping = _runs.named(evs, "run_stopping")
    if all_joined and stopping:  # the head while every host trains: after the last join, before the stop
        window = [rss + shm for t, rss, shm in sampler.samples
                  if _runs.stamp(all_joined) <= t <= _runs.stamp(stopping[0])]
        training_peak = max(window) if window else None
    else:
        training_peak = None
    table_bytes = tables.get("table_bytes") or started[0].get("table_bytes")
    allocated = tables.get("allocated_bytes") or None
    result["memory"] = {
        **peak,
        "tables_allocated_bytes": allocated,
        "tables_full_bytes": table_bytes,
        "head_over_allocated_tables": round(peak["head_bytes"] / allocated, 3) if allocated else None,
        "head_over_full_tables": round(peak["head_bytes"] / table_bytes, 4) if table_bytes else None,
        "head_peak_bytes_while_all_hosts_train": training_peak,
        "head_over_allocated_tables_while_all_hosts_train": round(training_peak / allocated, 3)
        if training_peak and allocated else None,
        "head_beyond_its_segments_bytes": peak["head_bytes"] - peak["head_shm_bytes"],
        "head_before_hosts": head_before_hosts,
        "head_peak_rss_growth_after_hosts_bytes": peak["head_rss_bytes"] - head_before_hosts["rss_bytes"],
        "timeline_seconds_head_rss_head_shm_allocated": sampler.timeline,
        "host_peak_rss_bytes": sampler.host_peak,
    }
    tot = {key: sum(e.get(key) or 0 for e in counting)
           for key in ("entries_in", "bytes_in", "entries_out", "bytes_out", "merge_seconds", "batches")}
    med = {key: _median([e.get(key) for e in counting])
           for key in ("entries_in", "bytes_in", "entries_out", "bytes_out", "merge_seconds", "batches",
                       "parts_in", "parts_out")}
    # the head's CPU from the last host's join to its last sync with work (the final snapshot left out)
    cpu = train = None
    counted = [e for e in counting if all_joined and _runs.stamp(e) >= _runs.stamp(all_joined)]
    if counted and sampler.cpu:
        t_joined, t_last = _runs.stamp(all_joined), _runs.stamp(counted[-1])
        after = [(t, c) for t, c in sampler.cpu if t_joined <= t <= t_last + sample_interval]
        before = [(t, c) for t, c in sampler.cpu if t < t_joined]
        if after and before:
            cpu, train = round(after[-1][1] - before[-1][1], 3), round(after[-1][0] - before[-1][0], 3)
    entries = tot["entries_in"]
    entries_after = sum(e.get("entries_in") or 0 for e in counted)
    result["syncs"] = {
        "count": len(syncs), "with_work": len(counting), "median": med, "total": tot,
        "per_changed_entry": {  # a changed entry: one entry (of either table) a host sent
            "bytes_in": round(tot["bytes_in"] / entries, 3) if entries else None,
            "bytes_out": round(tot["bytes_out"] / entries, 3) if entries else None,
            "entries_out_per_entry_in": round(tot["entries_out"] / entries, 3) if entries else None,
            "merge_microseconds": round(tot["merge_seconds"] / entries * 1e6, 4) if entries else None,
            "head_cpu_microseconds": round(cpu / entries_after * 1e6, 4) if entries_after and cpu else None,
        },
        "changed_entries_per_s": round(entries_after / train, 1) if entries_after and train else None,
        "median_entries_in_over_table_entries": round(med["entries_in"] / (table_bytes / 12), 6)
        if med["entries_in"] and table_bytes else None,
    }
    result["head_cpu"] = {
        "supervisor_cpu_share": finished.get("supervisor_cpu_share"),  # the run's own figure: start-up to stop
        "supervisor_cpu_training_seconds": finished.get("supervisor_cpu_training_seconds"),
        "training_seconds": finished.get("training_seconds"),
        "cpu_seconds_after_last_join": cpu, "wall_seconds_after_last_join": train,
        "cpu_share_after_last_join": round(cpu / train, 4) if cpu is not None and train else None,
        "entries_in_after_last_join": entries_after,
        "iterations": finished.get("iterations")}
    return result


def local_run(config: Path, workers: int, seconds: float, tmp: Path, label: str) -> dict:
    from supervisor.shm import sweep_stale

    logdir, registry = tmp / label, tmp / f"{label}-registry"
    cmd = [sys.executable, "-m", "supervisor.cli", "--config", str(config), "--workers", str(workers),
           "--time-budget", str(seconds), "--snapshot-interval", "0", "--logdir", str(logdir), "--log-format", "json"]
    out_path = tmp / f"{label}.out"
    load_before = _runs.load_average()
    try:
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(cmd, cwd=REPO, env=_environment(registry), stdout=out, stderr=out)
        code = _stop(proc, grace=seconds + 300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sweep_stale(registry)
    evs = _runs.events(logdir)
    ready = _runs.named(evs, "worker_ready")
    result = {"label": label, "exit_code": code, "load_average_before": load_before,
              "command": " ".join(shlex.quote(a) for a in ["holdem-supervise", *cmd[3:]])}
    if code != 0 or not ready:
        result["output_tail"] = _tail(out_path)
    if ready:
        result.update(steady(evs, ready))
    return result


# ---------------------------------------------------------------------------------------------- fleet

def _mem_available() -> int:
    return _status_field(Path("/proc/meminfo"), "MemAvailable:")


def fleet_part(args, tmp: Path, keys: Keys) -> dict:
    configs = {"hu_mid": REPO / "configs/hu_mid.yaml", "6max_mid": REPO / "configs/6max_mid.yaml"}
    fast, slow = args.sync_intervals
    runs: dict[str, dict] = {}

    def run(name: str, hosts: int, interval: float) -> dict:
        label = f"{name}-h{hosts}-sync{interval:g}"
        if label not in runs:
            config = _write_config(configs[name], tmp, label, {"standby_workers": 0, "sync_interval": interval})
            print(f"fleet: {label} ...", file=sys.stderr, flush=True)
            runs[label] = {"config": name, "sync_interval": interval,
                           **remote_run(config, hosts, 1, args.big_seconds if name == "6max_mid" else args.seconds,
                                        tmp, label, keys, args.sample_interval)}
        return runs[label]

    skipped = {}
    for hosts in args.hosts:
        run("hu_mid", hosts, fast)
    for name in configs:
        if name == "6max_mid" and _mem_available() < args.big_min_available:
            skipped[name] = (f"MemAvailable {_mem_available() / 2**30:.1f} GiB < "
                             f"{args.big_min_available / 2**30:.1f} GiB")
            continue
        for interval in (fast, slow):
            run(name, max(args.hosts), interval)

    memory = [{"label": label, "config": r["config"], "hosts": r["hosts"], "sync_interval": r["sync_interval"],
               "head_peak_bytes": r["memory"]["head_bytes"],
               "tables_allocated_bytes": r["memory"]["tables_allocated_bytes"],
               "tables_full_bytes": r["memory"]["tables_full_bytes"],
               "head_over_allocated_tables": r["memory"]["head_over_allocated_tables"],
               "head_over_full_tables": r["memory"]["head_over_full_tables"],
               "head_beyond_its_segments_bytes": r["memory"]["head_beyond_its_segments_bytes"],
               "head_rss_before_hosts_bytes": r["memory"]["head_before_hosts"]["rss_bytes"],
               "head_peak_rss_growth_after_hosts_bytes": r["memory"]["head_peak_rss_growth_after_hosts_bytes"],
               "host_peak_rss_max_bytes": max(r["memory"]["host_peak_rss_bytes"].values(), default=None)}
              for label, r in runs.items() if "memory" in r]
    size_x_rate = []
    for label, r in runs.items():
        if "syncs" not in r or r["hosts"] != max(args.hosts):
            continue
        pce = r["syncs"]["per_changed_entry"]
        size_x_rate.append({
            "label": label, "config": r["config"], "sync_interval": r["sync_interval"],
            "table_entries": (r["memory"]["tables_full_bytes"] or 0) // 12,
            "iterations_per_s": r.get("iterations_per_s"),
            "changed_entries_per_s": r["syncs"]["changed_entries_per_s"],
            "median_entries_in_per_sync": r["syncs"]["median"]["entries_in"],
            "median_bytes_in_per_sync": r["syncs"]["median"]["bytes_in"],
            "median_bytes_out_per_sync": r["syncs"]["median"]["bytes_out"],
            "median_merge_seconds_per_sync": r["syncs"]["median"]["merge_seconds"],
            "median_host_sync_seconds": r["host_syncs"]["median_seconds"],
            "syncs": r["syncs"]["with_work"],
            "bytes_in_per_changed_entry": pce["bytes_in"], "bytes_out_per_changed_entry": pce["bytes_out"],
            "merge_microseconds_per_changed_entry": pce["merge_microseconds"],
            "head_cpu_microseconds_per_changed_entry": pce["head_cpu_microseconds"],
            "supervisor_cpu_share": r["head_cpu"]["supervisor_cpu_share"],
        })
    ratios = [m["head_over_allocated_tables"] for m in memory if m["head_over_allocated_tables"]]
    keys_per_entry = ("bytes_in_per_changed_entry", "bytes_out_per_changed_entry",
                      "merge_microseconds_per_changed_entry", "head_cpu_microseconds_per_changed_entry")
    big_over_small = {}
    for interval in (fast, slow):
        small = next((r for r in size_x_rate if r["config"] == "hu_mid" and r["sync_interval"] == interval), None)
        big = next((r for r in size_x_rate if r["config"] == "6max_mid" and r["sync_interval"] == interval), None)
        if small and big:
            big_over_small[f"sync{interval:g}"] = {
                "table_entries": round(big["table_entries"] / small["table_entries"], 2),
                **{k: round(big[k] / small[k], 2) if big[k] and small[k] else None for k in keys_per_entry}}
    return {"seconds": args.seconds, "big_seconds": args.big_seconds, "threads_per_host": 1,
            "sync_intervals": [fast, slow],
            "goal_head_over_tables": HEAD_MEMORY_GOAL, "skipped": skipped,
            "memory": memory, "worst_head_over_allocated_tables": max(ratios) if ratios else None,
            "size_x_rate": size_x_rate, "per_changed_entry_6max_mid_over_hu_mid": big_over_small, "runs": runs}


# ---------------------------------------------------------------------------------------------- threads

def threads_part(args, tmp: Path, keys: Keys) -> dict:
    games = {"leduc": REPO / "configs/leduc.yaml", "hu_small": REPO / "configs/hu_small.yaml"}
    out: dict = {"seconds": args.threads_seconds, "rounds": args.rounds, "sync_interval": args.threads_sync_interval,
                 "goal": THREADS_GOAL, "games": {}}
    for game, source in games.items():
        config = _write_config(source, tmp, f"threads-{game}",
                               {"standby_workers": 0, "sync_interval": args.threads_sync_interval})
        rounds = []
        for k in range(args.rounds):
            print(f"threads: {game} round {k} ...", file=sys.stderr, flush=True)
            host = remote_run(config, 1, 2, args.threads_seconds, tmp, f"threads-{game}-host-{k}", keys,
                              args.sample_interval)
            local = local_run(config, 2, args.threads_seconds, tmp, f"threads-{game}-local-{k}")
            a, b = host.get("iterations_per_s"), local.get("iterations_per_s")
            keep = ("command", "exit_code", "load_average_before", "iterations_per_s", "measured_seconds",
                    "iterations_measured", "supervisor_cpu_share", "head_output_tail", "host_output_tails",
                    "output_tail", "error")
            rounds.append({"one_host_threads_2": {k2: host[k2] for k2 in keep if k2 in host}
                           | {"syncs": host.get("syncs", {}).get("count")},
                           "local_workers_2": {k2: local[k2] for k2 in keep if k2 in local},
                           "ratio": round(a / b, 3) if a and b else None})
        ratios = [r["ratio"] for r in rounds if r["ratio"]]
        out["games"][game] = {"rounds": rounds, "ratios": ratios,
                              "median_ratio": round(statistics.median(ratios), 3) if ratios else None}
    return out


# ---------------------------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", default=",".join(PARTS), help="comma-separated, of: " + ", ".join(PARTS))
    ap.add_argument("--merge-entries", type=int, default=20_000_000, help="entries per shared table")
    ap.add_argument("--merge-changes", type=int, default=2_000_000, help="changed entries per table")
    ap.add_argument("--merge-repeats", type=int, default=3, help="timings per case (the best is kept)")
    ap.add_argument("--seconds", type=float, default=30.0, help="time budget of each fleet run")
    ap.add_argument("--big-seconds", type=float, default=120.0,
                    help="time budget of each 6max_mid run (its hosts take ~15 s to join; the budget counts from "
                         "the head's start)")
    ap.add_argument("--hosts", default="1,2,4", help="host counts of the memory runs (hu_mid); the largest "
                                                     "runs the size x rate matrix")
    ap.add_argument("--sync-intervals", default="1,10", help="two supervisor.sync_interval values: the change rates")
    ap.add_argument("--big-min-available", type=float, default=8.0,
                    help="GiB of MemAvailable needed to run 6max_mid")
    ap.add_argument("--threads-seconds", type=float, default=20.0, help="time budget of each threads run")
    ap.add_argument("--threads-sync-interval", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds of the threads part")
    ap.add_argument("--sample-interval", type=float, default=0.25, help="seconds between memory samples")
    ap.add_argument("--out", default=None, help="also write the JSON here (atomically)")
    args = ap.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        ap.error(f"unknown parts {sorted(unknown)}; choose from {PARTS}")
    args.hosts = sorted({int(h) for h in args.hosts.split(",")})
    args.sync_intervals = [float(x) for x in args.sync_intervals.split(",")]
    if len(args.sync_intervals) != 2:
        ap.error("--sync-intervals takes two values")
    args.big_min_available = int(args.big_min_available * 2**30)

    result: dict = {"benchmark": "fleet", "parts": parts, "cpu_count": os.cpu_count(),
                    "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "load_average_before": _runs.load_average()}
    if "merge" in parts:
        print("merge ...", file=sys.stderr, flush=True)
        affinity = os.sched_getaffinity(0)
        try:
            result["merge"] = merge_part(args.merge_entries, args.merge_changes, args.merge_repeats)
        finally:
            os.sched_setaffinity(0, affinity)  # the runs that follow get every core again
    if "fleet" in parts or "threads" in parts:
        with tempfile.TemporaryDirectory(prefix="holdem-fleet-bench-") as tmp:
            tmp = Path(tmp)
            keys = Keys(tmp)
            if "fleet" in parts:
                result["fleet"] = fleet_part(args, tmp, keys)
            if "threads" in parts:
                result["threads"] = threads_part(args, tmp, keys)
    result["load_average_after"] = _runs.load_average()
    result["command"] = " ".join(["python", "benchmarks/fleet.py", *(shlex.quote(a) for a in argv)])
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        from holdem.atomic import write_text_atomic

        write_text_atomic(args.out, text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
