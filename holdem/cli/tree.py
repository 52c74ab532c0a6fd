"""holdem-tree: the size of a config's betting tree and tables, before training it.

    holdem-tree CONFIG [--buckets P,F,T,R] [--json] [--max-nodes N]

Example:

    holdem-tree hu_small

Builds the compact betting tree of the config (holdem/game/tree.py) and
prints nodes per street (decision, fold and showdown terminals), the tree's
bytes (and bytes a node), the build's time and peak memory, and the bytes of
the regret (float32) and strategy (float64) tables if every entry were backed
(training backs only what it touches): one entry per
information-set action, that is the sum over decision nodes of
buckets[street] * n_actions.  Bucket counts default to the config's preset
(buckets: {preset: ...}), else 169,200,200,200.  Kuhn and Leduc configs print
their exact trees.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Sequence

from holdem.cli.command import Parser, command
from holdem.cli.help import description
from holdem.config import Config, ConfigError, bucket_preset_counts, load_config
from holdem.game.tree import DEFAULT_MAX_NODES
from holdem.game.tree_arrays import NODE_DECISION, NODE_FOLD, NODE_SHOWDOWN, CompactTree, with_layout
from holdem.mccfr.tables import ENTRY_BYTES, REGRET_DTYPE, STRATEGY_DTYPE

PROG = "holdem-tree"
DEFAULT_BUCKETS = (169, 200, 200, 200)
STREET_LABELS = ("preflop", "flop", "turn", "river")


def parse_buckets(text: str, n_streets: int = 4) -> tuple[int, ...]:
    """``"169,200,200,200"`` -> counts per street; ConfigError naming the problem."""
    parts = [p.strip() for p in text.split(",")]
    try:
        counts = tuple(int(p) for p in parts)
    except ValueError:
        raise ConfigError(f"--buckets: expected {n_streets} comma-separated integers (preflop,flop,turn,river), "
                          f"got {text!r}") from None
    if len(counts) != n_streets or any(c < 1 for c in counts):
        raise ConfigError(f"--buckets: expected {n_streets} positive integers (preflop,flop,turn,river), got {text!r}")
    return counts


def table_entries(tree: CompactTree, buckets_per_street: Sequence[int]) -> int:
    """Entries of one table (equals ``TableLayout.build`` over the expanded tree)."""
    return with_layout(tree, tuple(buckets_per_street)).table_size


def tree_summary(tree: CompactTree, buckets_per_street: Sequence[int]) -> dict[str, Any]:
    """Node counts per street and kind, table sizes and the tree's own bytes; JSON-ready."""
    per_street = []
    for s in range(tree.n_streets):
        on = tree.street == s
        per_street.append(
            {
                "street": STREET_LABELS[s] if tree.n_streets == 4 else f"round {s + 1}",
                "decision": int((on & (tree.kind == NODE_DECISION)).sum()),
                "fold": int((on & (tree.kind == NODE_FOLD)).sum()),
                "showdown": int((on & (tree.kind == NODE_SHOWDOWN)).sum()),
            }
        )
    laid = with_layout(tree, tuple(buckets_per_street))  # the offsets are part of the tree training maps
    entries = laid.table_size
    decision = tree.kind == NODE_DECISION
    tree_bytes = laid.node_bytes()
    return {
        "players": tree.n_players,
        "nodes": tree.n_nodes,
        "decision_nodes": int(decision.sum()),
        "terminal_nodes": int((~decision).sum()),
        "max_actions": tree.max_actions,
        "per_street": per_street,
        "buckets_per_street": [int(b) for b in buckets_per_street[: tree.n_streets]],
        "table_entries": entries,
        "table_dtypes": {"regret": REGRET_DTYPE.name, "strategy": STRATEGY_DTYPE.name},
        "regret_bytes": entries * REGRET_DTYPE.itemsize,
        "strategy_bytes": entries * STRATEGY_DTYPE.itemsize,
        "total_table_bytes": entries * ENTRY_BYTES,
        "tree_bytes": tree_bytes,
        "bytes_per_node": round(tree_bytes / tree.n_nodes, 2) if tree.n_nodes else 0.0,
    }


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.2f} {unit}"
        size /= 1000
    raise AssertionError


def _tree_of(config: Config, max_nodes: int) -> tuple[CompactTree, tuple[int, ...] | None, str]:
    """The config's compact tree, its own bucket counts if it has them, and a one-line description."""
    if config.kind == "holdem":
        from holdem.game.tree import TreeTooLarge, build_compact

        g = config.game
        stacks = g.stacks if len(set(g.stacks)) > 1 else g.stacks[0]
        text = f"holdem, {g.players} players, stacks {stacks}, blinds {g.small_blind}/{g.big_blind}, ante {g.ante}"
        counts = None
        if config.buckets is not None and config.buckets.preset is not None:
            counts = bucket_preset_counts().get(config.buckets.preset)
        if config.actions is None:
            raise ConfigError(f"{config.source}: actions: missing; Hold'em needs bet/raise sizes per street")
        try:
            tree = build_compact(g, config.actions, max_nodes=max_nodes)
        except TreeTooLarge as exc:
            raise ConfigError(f"{config.source}: actions: {exc} (holdem-tree --max-nodes N)") from None
        return tree, counts, text
    try:
        module = __import__(f"holdem.games.{config.kind}", fromlist=[f"{config.kind}_game"])
        spec = getattr(module, f"{config.kind}_game")()
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"{config.source}: game.kind {config.kind}: its game module is not available "
                          f"({exc})") from None
    return spec.compact, tuple(spec.layout.buckets_per_street), config.kind


def current_rss() -> int:
    """Resident bytes of this process now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def peak_rss() -> int:
    """Peak resident bytes of this process so far."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description=description(__doc__))
    parser.add_argument("config", help="YAML config file or preset name (e.g. hu_small)")
    parser.add_argument(
        "--buckets",
        metavar="P,F,T,R",
        help="buckets per street (preflop,flop,turn,river); default: the config's preset, else 169,200,200,200",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument(
        "--max-nodes",
        type=int,
        default=DEFAULT_MAX_NODES,
        help=f"give up on trees larger than this (default {DEFAULT_MAX_NODES:,}, a few GB at 6 seats)",
    )
    return parser


@command(PROG)
def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.max_nodes < 1:
        raise ConfigError(f"--max-nodes: expected a positive integer, got {args.max_nodes}")
    config = load_config(args.config)
    rss_before = current_rss()
    started = time.perf_counter()
    tree, own_counts, text = _tree_of(config, args.max_nodes)
    seconds = time.perf_counter() - started
    build_peak = peak_rss() - rss_before  # what the build held at its worst, over what the process had before
    if args.buckets:
        buckets, origin = parse_buckets(args.buckets, tree.n_streets), "--buckets"
    elif own_counts is not None:
        preset = config.buckets.preset if config.buckets is not None else None
        buckets, origin = own_counts, (f"preset {preset}" if preset else "exact game")
    else:
        buckets, origin = DEFAULT_BUCKETS[: tree.n_streets], "default"
    summary = tree_summary(tree, buckets)
    summary.update({"config": config.source, "game": text, "buckets_from": origin, "build_seconds": round(seconds, 3),
                    "build_peak_bytes": build_peak})
    if args.json:
        print(json.dumps(summary))
    else:
        _print_summary(summary, config, text, origin, seconds)
    return 0


def _print_summary(summary: dict[str, Any], config: Config, text: str, origin: str, seconds: float) -> None:
    out = sys.stdout
    print(f"config   {config.source}", file=out)
    print(f"game     {text}", file=out)
    print(
        f"tree     {summary['nodes']:,} nodes: {summary['decision_nodes']:,} decision, "
        f"{summary['terminal_nodes']:,} terminal; at most {summary['max_actions']} actions a node "
        f"(built in {seconds:.2f} s)",
        file=out,
    )
    print(
        f"memory   {human_bytes(summary['tree_bytes'])} of arrays, {summary['bytes_per_node']} bytes a node; "
        f"the build peaked at {human_bytes(summary['build_peak_bytes'])} over the process's start",
        file=out,
    )
    print(f"  {'street':<9}{'decision':>14}{'fold':>14}{'showdown':>14}", file=out)
    for row in summary["per_street"]:
        print(f"  {row['street']:<9}{row['decision']:>14,}{row['fold']:>14,}{row['showdown']:>14,}", file=out)
    print(f"buckets  {','.join(map(str, summary['buckets_per_street']))} ({origin})", file=out)
    print(
        f"tables   {summary['table_entries']:,} entries each (regret {summary['table_dtypes']['regret']}, "
        f"strategy {summary['table_dtypes']['strategy']}): "
        f"regret {human_bytes(summary['regret_bytes'])} + strategy {human_bytes(summary['strategy_bytes'])} "
        f"= {human_bytes(summary['total_table_bytes'])}",
        file=out,
    )


if __name__ == "__main__":
    sys.exit(main())
