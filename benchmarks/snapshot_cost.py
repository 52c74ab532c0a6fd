"""CPU cost of writing a table snapshot: the zipfile writer (buffered) against holdem.mccfr.npz_writer.

Builds shared-memory tables as a run has them (``supervisor.shm.SharedTables``,
``--entries`` entries each, backed in runs of pages with gaps between, about
``--backed`` of each table; run and gap lengths follow the log-normal shape
of a ``6max_mid`` run's tables: median 3 pages, 90th percentile about 15),
finds the runs as a snapshot does (``SEEK_DATA``), and writes ``tables.npz``
of format 3 from them with each writer, ``--rounds`` times, each writer first
in as many rounds as the others (the files of a round are deleted at its end,
and page cache just freed makes the next buffered write cheaper):

* ``zipfile``: the format-3 writer before :mod:`holdem.mccfr.npz_writer`
  (``zipfile``, buffered writes through the page cache), kept here as the
  baseline;
* ``direct``: :func:`holdem.mccfr.snapshot.write_tables` (``O_DIRECT``);
* ``page_cache``: the same with ``O_DIRECT`` off, as where it is refused.

Each write is timed in CPU seconds of this process (``time.process_time``:
the machine is shared, wall time is noise) and wall seconds, and divided by
the file's size in GB; ratios are taken within a round.  Every file is
checked once with ``zipfile.testzip``.  Prints one JSON object with the
figures and the command that reproduces them.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import numpy as np

from holdem.mccfr.pages import PAGE, allocated_entries
from holdem.mccfr.snapshot import TABLE_NAMES, write_tables
from supervisor.shm import SharedTables


def zipfile_writer(path: Path, tables, extents: dict[str, np.ndarray]) -> None:
    """The format-3 writer before npz_writer: zipfile, run by run, buffered, fsynced."""
    with open(path, "wb") as f:
        with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            for name in TABLE_NAMES:
                runs = extents[name]
                with zf.open(f"{name}_extents.npy", "w", force_zip64=True) as out:
                    np.lib.format.write_array(out, runs, allow_pickle=False)
                table = getattr(tables, name)
                with zf.open(f"{name}.npy", "w", force_zip64=True) as out:
                    header = {"descr": np.lib.format.dtype_to_descr(table.dtype), "fortran_order": False,
                              "shape": (allocated_entries(runs),)}
                    np.lib.format.write_array_header_2_0(out, header)
                    for first, length in runs:
                        out.write(memoryview(table[first:first + length]).cast("B"))
        f.flush()
        os.fsync(f.fileno())


WRITERS = {
    "zipfile": zipfile_writer,
    "direct": lambda path, tables, extents: write_tables(path, tables, extents),
    "page_cache": lambda path, tables, extents: write_tables(path, tables, extents, direct=False),
}


def back(table: np.ndarray, share: float, rng: np.random.Generator) -> int:
    """Write into runs of pages of ``table`` with gaps between, about ``share`` of its pages; the pages
    written."""
    per_page = PAGE // table.itemsize
    pages = table.nbytes // PAGE
    gap_scale = (1 - share) / share
    page, backed = 0, 0
    while page < pages:
        run = int(np.ceil(np.exp(rng.normal(1.1, 1.3))))
        table[page * per_page:(page + run) * per_page] = rng.random()
        backed += min(run, pages - page)
        page += run + int(np.ceil(gap_scale * np.exp(rng.normal(1.1, 1.3))))
    return backed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--entries", type=int, default=250_000_000, help="entries per table (4 + 8 bytes each)")
    ap.add_argument("--backed", type=float, default=0.4, help="share of each table's pages backed")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dir", default=None, help="where to write (default: a temporary directory)")
    args = ap.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="holdem-snapshot-cost-", dir=args.dir))
    rng = np.random.default_rng(0)
    tables = SharedTables(args.entries, f"bench-{uuid.uuid4().hex[:6]}")
    try:
        backed = {name: back(getattr(tables, name), args.backed, rng) * PAGE for name in TABLE_NAMES}
        began = time.process_time()
        extents = tables.extents()
        extents_cpu = time.process_time() - began
        rounds = []
        for k in range(args.rounds):
            order = list(WRITERS)[k % len(WRITERS):] + list(WRITERS)[:k % len(WRITERS)]
            row = {}
            for name in order:
                path = out / f"{name}.npz"
                cpu, wall = time.process_time(), time.perf_counter()
                WRITERS[name](path, tables, extents)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                gb = path.stat().st_size / 1e9
                if k == args.rounds - 1:
                    with zipfile.ZipFile(path) as z:
                        if z.testzip() is not None:
                            raise SystemExit(f"{name} wrote a file that fails its CRC check")
                row[name] = {"gb": round(gb, 3), "cpu_seconds": round(cpu, 3), "wall_seconds": round(wall, 3),
                             "cpu_seconds_per_gb": round(cpu / gb, 3), "wall_seconds_per_gb": round(wall / gb, 3)}
            for name in WRITERS:  # at the end of the round: freeing a file's page cache makes the next write cheaper
                (out / f"{name}.npz").unlink()
            ratio = row["zipfile"]["cpu_seconds"] / row["direct"]["cpu_seconds"]
            row["cpu_ratio_zipfile_over_direct"] = round(ratio, 2)
            rounds.append(row)
    finally:
        tables.release()
        shutil.rmtree(out, ignore_errors=True)

    def median(writer: str, key: str) -> float:
        return round(statistics.median(r[writer][key] for r in rounds), 3)

    result = {
        "benchmark": "snapshot_cost",
        "command": "python benchmarks/snapshot_cost.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:])),
        "machine": {"cpus": os.cpu_count()},
        "tables": {"entries": args.entries, "table_bytes": args.entries * 12, "backed_bytes": backed,
                   "runs": {name: len(extents[name]) for name in TABLE_NAMES},
                   "extents_cpu_seconds": round(extents_cpu, 3)},
        "cpu_seconds_per_gb": {w: median(w, "cpu_seconds_per_gb") for w in WRITERS},
        "wall_seconds_per_gb": {w: median(w, "wall_seconds_per_gb") for w in WRITERS},
        "cpu_ratio_zipfile_over_direct": statistics.median(r["cpu_ratio_zipfile_over_direct"] for r in rounds),
        "rounds": rounds,
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
