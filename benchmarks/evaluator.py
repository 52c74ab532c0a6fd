"""Hand-evaluator throughput: ours against eval7 and phevaluator, one core.

Prints one JSON object:

* ``ours.batch``: ``holdem.evaluator.evaluate_batch`` on random 7-card uint8
  hands, with its input check (the default) and with ``check=False``;
* ``ours.enumeration``: ``enumerate_category_counts()`` over all
  133,784,560 7-card hands (incremental key sums), its category counts
  checked against the known ones;
* ``ours.startup``: import of ``holdem.evaluator`` plus the first
  ``evaluate`` call in a fresh process on a warm numba cache, beside the
  cost of ``import numba`` alone;
* ``eval7`` / ``phevaluator``: their public Python calls (``eval7.evaluate``,
  ``phevaluator.evaluate_cards``) on the same hands, when installed, and
  whether they order a sample of hand pairs as we do.

Rates are given per CPU second of this process (``time.process_time``: what
one core delivers even when the machine is shared) and per wall second.
Everything runs on one thread.

    python benchmarks/evaluator.py [--hands 8000000] [--peer-hands 200000] [--repeats 5] [--seed 1]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
from numba import njit

import holdem.evaluator as ev

# category counts of all 7-card hands (high card first, as CATEGORY_* order)
SEVEN_CARD_COUNTS = [23294460, 58627800, 31433400, 6461620, 6180020, 4047644, 3473184, 224848, 41584]


@njit(cache=True, nogil=True)
def random_hands(n, seed):
    """n random 7-card hands (distinct cards each) as uint8[n, 7]: partial Fisher-Yates per hand."""
    np.random.seed(seed)
    out = np.empty((n, 7), np.uint8)
    deck = np.arange(52).astype(np.uint8)
    for i in range(n):
        for j in range(7):
            k = j + np.random.randint(52 - j)
            t = deck[j]
            deck[j] = deck[k]
            deck[k] = t
            out[i, j] = deck[j]
    return out


def best_rates(fn, count: int, repeats: int) -> dict:
    """Best (and median) of ``repeats`` runs, as hands per CPU second and per wall second."""
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {
        "hands_per_cpu_second": round(count / min(cpu)),
        "hands_per_wall_second": round(count / min(wall)),
        "median_hands_per_cpu_second": round(count / float(np.median(cpu))),
        "best_cpu_seconds": round(min(cpu), 4),
        "best_wall_seconds": round(min(wall), 4),
    }


def startup_seconds(repeats: int = 3) -> dict:
    """Fresh-process cost of import + first call (after one run to warm the cache)."""
    probe = (
        "import time; t = time.perf_counter(); import holdem.evaluator as e; "
        "e.evaluate([51, 47, 43, 39, 35, 1, 4]); print(time.perf_counter() - t)"
    )
    numba_only = "import time; t = time.perf_counter(); import numba; print(time.perf_counter() - t)"

    def run(code: str) -> float:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        return float(out.stdout.strip().splitlines()[-1])

    run(probe)  # compiles into the cache if it is cold
    return {
        "import_and_first_call_seconds": round(min(run(probe) for _ in range(repeats)), 3),
        "import_numba_alone_seconds": round(min(run(numba_only) for _ in range(repeats)), 3),
    }


def sign_agreement(ours: np.ndarray, theirs: list[int], higher_is_better: bool) -> float:
    """Share of consecutive hand pairs that both evaluators order the same way."""
    a = np.sign(np.diff(ours.astype(np.int64)))
    b = np.sign(np.diff(np.asarray(theirs, np.int64)))
    if not higher_is_better:
        b = -b
    return float(np.mean(a == b))


def peer_eval7(hands: np.ndarray, ours: np.ndarray, repeats: int) -> dict:
    try:
        import eval7
    except ImportError as exc:
        return {"skipped": f"eval7 not importable: {exc}"}
    from holdem.cards import format_card

    deck = [eval7.Card(format_card(c)) for c in range(52)]
    lists = [[deck[c] for c in row] for row in hands.tolist()]
    evaluate = eval7.evaluate
    result = best_rates(lambda: [evaluate(h) for h in lists], len(lists), repeats)
    result["same_order_as_ours"] = sign_agreement(ours, [evaluate(h) for h in lists], higher_is_better=True)
    return result


def peer_phevaluator(hands: np.ndarray, ours: np.ndarray, repeats: int) -> dict:
    try:
        import phevaluator
    except ImportError as exc:
        return {"skipped": f"phevaluator not importable: {exc}"}
    rows = hands.tolist()  # phevaluator's card ints use our encoding (rank*4 + suit, suits cdhs)
    evaluate = phevaluator.evaluate_cards
    result = best_rates(lambda: [evaluate(*h) for h in rows], len(rows), repeats)
    result["same_order_as_ours"] = sign_agreement(ours, [evaluate(*h) for h in rows], higher_is_better=False)
    return result


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--hands", type=int, default=8_000_000, help="random 7-card hands for our batch call")
    p.add_argument("--peer-hands", type=int, default=200_000, help="hands for the eval7/phevaluator calls")
    p.add_argument("--repeats", type=int, default=5, help="runs per figure; the best is kept")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    if args.hands < 1 or args.peer_hands < 2 or args.repeats < 1:
        p.error("--hands >= 1, --peer-hands >= 2 and --repeats >= 1 are required")

    load_start = load_average()
    hands = random_hands(args.hands, args.seed)
    ev.evaluate_batch(hands[:16])
    ev.evaluate_batch(hands[:16], check=False)
    batch = {
        "hands": args.hands,
        "input": "uint8[n, 7], random distinct cards per hand",
        "checked": best_rates(lambda: ev.evaluate_batch(hands), args.hands, args.repeats),
        "unchecked": best_rates(lambda: ev.evaluate_batch(hands, check=False), args.hands, args.repeats),
    }

    ev.enumerate_category_counts()  # compile or load, off the clock
    counts = None

    def enumerate_all():
        nonlocal counts
        counts = ev.enumerate_category_counts()

    enumeration = best_rates(enumerate_all, sum(SEVEN_CARD_COUNTS), min(args.repeats, 3))
    enumeration["hands"] = sum(SEVEN_CARD_COUNTS)
    enumeration["category_counts_correct"] = counts.tolist() == SEVEN_CARD_COUNTS

    peer = hands[: args.peer_hands]
    ours_peer = ev.evaluate_batch(peer)
    report = {
        "benchmark": "evaluator",
        "command": "python benchmarks/evaluator.py " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
        ),
        "machine": {
            "cpu_count": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "load_average_at_start": load_start,
        },
        "ours": {"batch": batch, "enumeration": enumeration, "startup": startup_seconds()},
        "eval7": {"hands": len(peer), **peer_eval7(peer, ours_peer, min(args.repeats, 3))},
        "phevaluator": {"hands": len(peer), **peer_phevaluator(peer, ours_peer, min(args.repeats, 3))},
    }
    report["machine"]["load_average_at_end"] = load_average()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
