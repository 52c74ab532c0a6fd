"""Run every benchmark in ``benchmarks/``, keep their JSON, and regenerate the README's performance table.

Benchmarks, in this order, each only if its file exists: evaluator, leduc,
hunl, buckets, isomorphism, scaling, recovery, remote.  Each runs in its own
process (one at a time: the machine may have few cores), with its quick
flag (``--quick`` or ``--short``) when it has one, else, unless ``--full``,
the shorter settings of :data:`SHORT_ARGS` that its ``--help`` lists.  Its
JSON (stdout) is written to ``benchmarks/results/<name>.json`` (atomically),
and ``benchmarks/results/run_all.json`` records what ran, how long, and how
it ended.

The table between ``<!-- perf:begin -->`` and ``<!-- perf:end -->`` in
README.md is rebuilt from the result files (each benchmark's latest; rows
from :data:`ROWS`, which know each benchmark's JSON keys).  Without the
markers README.md is left alone (and the run says so).

    python benchmarks/run_all.py [--only hunl,leduc] [--full] [--timeout 3600] [--table-only] [--readme README.md]

Exit status: 0 when every benchmark run succeeded, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from holdem.atomic import write_text_atomic

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results"
BENCHMARKS = ("evaluator", "leduc", "hunl", "buckets", "isomorphism", "scaling", "recovery", "remote")
QUICK_FLAGS = ("--quick", "--short")
# Shorter settings for benchmarks without a quick flag (each passed only if the script's --help lists the option).
SHORT_ARGS: dict[str, list[str]] = {
    "evaluator": ["--hands", "2000000", "--peer-hands", "100000", "--repeats", "3"],
    "leduc": ["--seconds", "10", "--checkpoints", "1,3,10"],
    "buckets": ["--hands", "10000"],
    "isomorphism": ["--hands", "500000", "--repeats", "2"],
    "scaling": ["--seconds", "15"],
    "recovery": ["--trials", "1"],
    "remote": ["--seconds", "10"],
}
BEGIN, END = "<!-- perf:begin -->", "<!-- perf:end -->"
DEFAULT_TIMEOUT = 3600.0
SUMMARY = "run_all"


# ------------------------------------------------------------------------------ running


def options_of(script: Path) -> set[str]:
    """The ``--options`` a benchmark's ``--help`` lists (empty if it has no working --help)."""
    try:
        done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True,
                              timeout=300, cwd=REPO)
    except subprocess.TimeoutExpired:
        return set()
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", done.stdout)) if done.returncode == 0 else set()


def short_args(name: str, options: set[str], full: bool) -> list[str]:
    """The arguments that make benchmark ``name`` quick (see the module docstring)."""
    if full:
        return []
    for flag in QUICK_FLAGS:
        if flag in options:
            return [flag]
    args: list[str] = []
    pairs = SHORT_ARGS.get(name, [])
    for i in range(0, len(pairs), 2):
        if pairs[i] in options:
            args += pairs[i : i + 2]
    return args


def parse_json_output(text: str) -> dict:
    """The JSON object a benchmark printed (anything printed before it is ignored)."""
    start = text.find("{")
    if start < 0:
        raise ValueError("no JSON object on stdout")
    value = json.loads(text[start:])
    if not isinstance(value, dict):
        raise ValueError("stdout is JSON but not an object")
    return value


def run_one(name: str, full: bool, timeout: float) -> dict[str, Any]:
    script = HERE / f"{name}.py"
    args = short_args(name, options_of(script), full)
    command = [sys.executable, str(script), *args]
    shown = shlex.join(["python", f"benchmarks/{name}.py", *args])
    print(f"run_all: {shown}", file=sys.stderr, flush=True)
    began = time.perf_counter()
    entry: dict[str, Any] = {"command": shown}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        entry.update(status="timeout", seconds=round(time.perf_counter() - began, 1),
                     error=f"did not finish within {timeout:g} s (raise --timeout)")
        return entry
    entry["seconds"] = round(time.perf_counter() - began, 1)
    entry["exit_code"] = done.returncode
    if done.returncode != 0:
        entry.update(status="failed", error=done.stderr.strip()[-2000:])
        return entry
    try:
        result = parse_json_output(done.stdout)
    except ValueError as e:
        entry.update(status="failed", error=f"unreadable output: {e}; stdout starts {done.stdout[:200]!r}")
        return entry
    path = RESULTS / f"{name}.json"
    write_text_atomic(path, json.dumps(result, indent=2) + "\n")
    entry.update(status="ok", result=str(path.relative_to(REPO)))
    return entry


# ------------------------------------------------------------------------------ table rows


def dig(data: Any, *keys: Any) -> Any:
    """``data[k0][k1]...`` or None where a key is missing."""
    for k in keys:
        if isinstance(data, dict):
            data = data.get(k)
        elif isinstance(data, list) and isinstance(k, int) and -len(data) <= k < len(data):
            data = data[k]
        else:
            return None
    return data


def num(value: Any, unit: str = "", digits: int = 0) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "n/a"
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip()


Row = tuple[str, str, str]  # what, ours, reference or goal


def rows_evaluator(d: dict) -> list[Row]:
    rows = [("7-card hand evaluation, batch (checked input)",
             num(dig(d, "ours", "batch", "checked", "hands_per_cpu_second"), "hands/CPU-s"),
             f"eval7 {num(dig(d, 'eval7', 'hands_per_cpu_second'), 'hands/CPU-s')}; "
             f"phevaluator {num(dig(d, 'phevaluator', 'hands_per_cpu_second'), 'hands/CPU-s')}")]
    seconds = dig(d, "ours", "enumeration", "best_cpu_seconds")
    correct = dig(d, "ours", "enumeration", "category_counts_correct")
    rows.append(("all 133,784,560 7-card hands enumerated", num(seconds, "CPU-s", 2),
                 "category counts " + ("match" if correct else "DO NOT match") + " the known ones"))
    startup = dig(d, "ours", "startup", "import_and_first_call_seconds")
    if startup is not None:
        rows.append(("import + first evaluation, fresh process", num(startup, "s", 2),
                     f"import numba alone {num(dig(d, 'ours', 'startup', 'import_numba_alone_seconds'), 's', 2)}"))
    return rows


def rows_isomorphism(d: dict) -> list[Row]:
    return [(f"isomorphic index, {street} (compiled kernel)", num(dig(v, "kernel", "per_s_cpu"), "/CPU-s"),
             f"{num(dig(v, 'size'))} indices")
            for street, v in (d.get("streets") or {}).items()]


def _last_checkpoint(part: Any) -> Any:
    return dig(part, "checkpoints", -1, "exploitability")


def rows_leduc(d: dict) -> list[Row]:
    theirs = d.get("openspiel") or {}
    own = d.get("ours_plain_external_sampling") is not None  # then "ours" enumerates the traverser's hands
    solvers = [("ES-MCCFR, own hands enumerated" if own else "ES-MCCFR", d.get("ours") or {})]
    if own:
        solvers.append(("ES-MCCFR, plain", d["ours_plain_external_sampling"]))
    rows = []
    for name, ours in solvers:
        seconds = dig(ours, "checkpoints", -1, "seconds")
        rows.append((f"Leduc {name}: iterations; exploitability after {num(seconds, 's', 1)}",
                     f"{num(ours.get('iterations_per_cpu_second'), 'it/CPU-s')}; {num(_last_checkpoint(ours), '', 5)}",
                     f"OpenSpiel C++ {num(theirs.get('iterations_per_cpu_second'), 'it/CPU-s')}; "
                     f"{num(_last_checkpoint(theirs), '', 5)}; goals 1.2 M it/s, 0.003 at 10 s"))
    return rows


def rows_hunl(d: dict) -> list[Row]:
    rows = []
    comparison = d.get("comparison") or {}
    for name, g in (d.get("games") or {}).items():
        what = (f"{name} MCCFR iterations, one core ({g.get('bucket_preset') or 'file'} buckets "
                f"{'/'.join(str(b) for b in g.get('buckets_per_street') or [])})")
        ours = (f"{num(g.get('iterations_per_cpu_second'), 'it/CPU-s')} "
                f"({num(g.get('node_visits_per_cpu_second'), 'nodes/CPU-s')})")
        ref = ""
        if name == "hu_fcpa":
            os_rate = dig(d, "openspiel", "iterations_per_cpu_second")
            ref = (f"OpenSpiel C++ {num(os_rate, 'it/CPU-s')} (ratio {num(comparison.get('ratio_cpu'), 'x', 1)}); "
                   f"goal {num(comparison.get('goal_iterations_per_second'), 'it/s')}")
        rows.append((what, ours, ref))
    return rows


def rows_buckets(d: dict) -> list[Row]:
    rows = []
    deal = d.get("deal") or {}
    for key, value in deal.items():
        m = re.match(r"(\w+?)_(\d+)_players_hands_per_s", key)
        if m:
            rows.append((f"deal + bucket, {m.group(2)} players, river by {m.group(1)}", num(value, "hands/s"), ""))
    river = d.get("river") or {}
    if river:
        rows.append(("river bucket: table lookup vs exact equity on the fly",
                     num(river.get("table_lookups_per_s"), "lookups/s"),
                     f"on the fly {num(river.get('on_the_fly_boards_per_s'), 'boards/s')}"))
    mccfr = d.get("mccfr") or {}
    for key, value in mccfr.items():
        if key.endswith("_iterations_per_s"):
            rows.append((f"{mccfr.get('config')} MCCFR, river by {key[: -len('_iterations_per_s')]}",
                         num(value, "it/s"), ""))
    for preset, b in (d.get("build") or {}).items():
        rows.append((f"build bucket preset {preset}", num(dig(b, "wall_seconds"), "s", 1),
                     f"peak {num(dig(b, 'peak_rss_mib'), 'MiB')}, file {num(dig(b, 'file_mib'), 'MiB', 1)}"))
    return rows


def rows_scaling(d: dict) -> list[Row]:
    rows = []
    for game, g in (d.get("games") or {}).items():
        for r in g.get("runs") or []:
            ceiling = r.get("independent_solvers_speedup")
            share = r.get("supervisor_cpu_share")
            percent = 100 * share if isinstance(share, (int, float)) else None
            per_round = r.get("speedup_per_round") or []
            spread = f", rounds {'/'.join(num(x, '', 2) for x in per_round)}" if len(per_round) > 1 else ""
            rows.append((f"{game} supervised, {r.get('workers')} worker(s)",
                         f"{num(r.get('iterations_per_s'), 'it/s')} (x{num(r.get('speedup'), '', 2)}{spread}); "
                         f"supervisor CPU {num(percent, '%', 1)}",
                         f"independent solvers x{num(ceiling, '', 2)}; goals: 2 workers >= 1.9x, supervisor < 2%"))
    return rows


def rows_recovery(d: dict) -> list[Row]:
    return [
        ("silent worker detected and killed (median)", num(d.get("median_silent_to_killed"), "s", 2),
         f"goal <= {num(d.get('goal_silent_to_killed'), 's', 1)}"),
        ("dead worker to its replacement's first batch (median)", num(d.get("median_kill_to_first_batch"), "s", 2),
         f"goal < {num(d.get('goal_kill_to_first_batch'), 's', 1)}"),
    ]


def rows_remote(d: dict) -> list[Row]:
    local, mixed = d.get("two_local") or {}, d.get("local_plus_remote") or {}
    return [
        (f"{d.get('game', '')} one local + one remote worker (CURVE, loopback)",
         num(mixed.get("iterations_per_s"), "it/s"),
         f"two local workers {num(local.get('iterations_per_s'), 'it/s')} "
         f"(ratio {num(d.get('ratio_local_plus_remote_to_two_local'), '', 2)})"),
        ("remote sync, median bytes each way",
         f"{num(dig(mixed, 'per_sync', 'median_bytes_to_supervisor'), 'B')} up, "
         f"{num(dig(mixed, 'per_sync', 'median_bytes_to_worker'), 'B')} down",
         f"whole tables on joining {num(mixed.get('join_table_bytes'), 'B')}"),
    ]


def rows_generic(d: dict) -> list[Row]:
    """Top-level numbers of a benchmark this runner has no rows for."""
    return [(key.replace("_", " "), num(value, "", 3 if isinstance(value, float) else 0), "")
            for key, value in d.items() if isinstance(value, (int, float)) and not isinstance(value, bool)]


ROWS: dict[str, Callable[[dict], list[Row]]] = {
    "evaluator": rows_evaluator,
    "isomorphism": rows_isomorphism,
    "leduc": rows_leduc,
    "hunl": rows_hunl,
    "buckets": rows_buckets,
    "scaling": rows_scaling,
    "recovery": rows_recovery,
    "remote": rows_remote,
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(statuses: dict[str, dict]) -> str:
    """The markdown between the markers, from the result files of every benchmark present."""
    lines = ["| Benchmark | Measure | Ours | Reference / goal |", "|---|---|---|---|"]
    commands = []
    for name in BENCHMARKS:
        if not (HERE / f"{name}.py").is_file():
            continue
        status = statuses.get(name, {})
        path = RESULTS / f"{name}.json"
        stale = status.get("status") not in (None, "ok")
        if stale:
            lines.append(f"| {name} | **{status['status']}** in the last run (benchmarks/results/{SUMMARY}.json)"
                         f"{'; rows below are from an earlier run' if path.is_file() else ''} | | |")
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text())
        except ValueError:
            lines.append(f"| {name} | unreadable benchmarks/results/{name}.json | | |")
            continue
        rows = ROWS.get(name, rows_generic)(data) or [("see the JSON", "", "")]
        for what, ours, ref in rows:
            lines.append(f"| {name} | {_cell(what)} | {_cell(ours)} | {_cell(ref)} |")
        if data.get("command"):
            commands.append(f"- {name}: `{portable_command(data['command'])}`")
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join([
        "",
        f"Table regenerated by `python benchmarks/run_all.py` on {stamp} from `benchmarks/results/*.json` "
        f"({os.cpu_count()} CPUs, shared; \"/CPU-s\" marks rates per CPU-second of the measuring process, "
        "the rest are per wall second; wall-clock figures and machine load are in each JSON file).",
        "",
        *lines,
        "",
        "Commands that produced these figures:",
        "",
        *commands,
        "",
    ])


def portable_command(command: str) -> str:
    """A recorded command as anyone would type it in the repository: ``python benchmarks/X.py ...``."""
    words = shlex.split(command)
    if words and Path(words[0]).name.startswith("python"):
        words[0] = "python"
    return " ".join(shlex.quote(os.path.relpath(w, REPO) if w.startswith(str(REPO) + os.sep) else w)
                    for w in words)


def update_readme(readme: Path, body: str) -> str:
    """Replace the text between the markers; returns what was done, for the summary."""
    if not readme.is_file():
        return f"{readme} does not exist; not written"
    text = readme.read_text()
    begin, end = text.find(BEGIN), text.find(END)
    if begin < 0 or end < 0 or end < begin:
        return f"{readme} has no {BEGIN} ... {END} markers; left unchanged"
    write_text_atomic(readme, text[: begin + len(BEGIN)] + "\n" + body + text[end:])
    return f"{readme}: table regenerated"


# ------------------------------------------------------------------------------ main


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    p.add_argument("--full", action="store_true", help="run each benchmark with its own defaults (no quick flags)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds allowed per benchmark")
    p.add_argument("--table-only", action="store_true", help="run nothing; rebuild the README table from the results")
    p.add_argument("--readme", type=Path, default=REPO / "README.md")
    args = p.parse_args(argv)
    present = [n for n in BENCHMARKS if (HERE / f"{n}.py").is_file()]
    names = present
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in BENCHMARKS]
        if unknown:
            p.error(f"--only: unknown benchmark(s) {unknown}; known: {', '.join(BENCHMARKS)}")
        missing = [n for n in wanted if n not in present]
        if missing:
            p.error(f"--only: no benchmarks/<name>.py for {missing}")
        names = [n for n in present if n in wanted]
    statuses: dict[str, dict] = {}
    if args.table_only and (RESULTS / f"{SUMMARY}.json").is_file():
        try:  # the last run's failures still belong in the table
            statuses = json.loads((RESULTS / f"{SUMMARY}.json").read_text()).get("runs") or {}
        except ValueError:
            statuses = {}
    if not args.table_only:
        for name in names:
            statuses[name] = run_one(name, args.full, args.timeout)
            print(f"run_all: {name}: {statuses[name]['status']} ({statuses[name].get('seconds')} s)",
                  file=sys.stderr, flush=True)
    readme = update_readme(args.readme, table(statuses))
    summary = {
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "present": present,
        "absent": [n for n in BENCHMARKS if n not in present],
        "runs": statuses,
        "readme": readme,
    }
    if not args.table_only:
        write_text_atomic(RESULTS / f"{SUMMARY}.json", json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    if args.table_only:
        return 0
    return 0 if all(s.get("status") == "ok" for s in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
