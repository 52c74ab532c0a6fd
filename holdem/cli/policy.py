"""``holdem-policy``: read a trained snapshot.

    holdem-policy export DIR --format openspiel [--out FILE] [--current]
        Kuhn/Leduc: JSON {information_state_string: [[action_id, probability], ...]}
        (OpenSpiel's strings and action ids), average policy unless --current.
    holdem-policy value DIR [--current]
        Kuhn/Leduc: exact exploitability (OpenSpiel's definition, chips per hand),
        NashConv and each seat's value, as JSON.
    holdem-policy show DIR ...
        Hold'em strategy browser: not implemented yet (subcommand reserved).

DIR is a log directory (its ``latest`` snapshot is read) or a snapshot
directory.  Exit status: 0 ok, 1 unreadable snapshot, 2 bad arguments.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from holdem.config import ConfigError, config_from_dict
from holdem.exploitability import best_response_values, policy_values
from holdem.games.registry import make_game
from holdem.games.spec import GameSpec
from holdem.mccfr.snapshot import SnapshotError, read_snapshot
from holdem.policy import average_policy, current_policy, openspiel_policy

EXIT_ERROR = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="holdem-policy", description="Read the policy of a trained snapshot.")
    sub = p.add_subparsers(dest="command", required=True)
    exp = sub.add_parser("export", help="write the policy in another program's format")
    exp.add_argument("dir", type=Path, help="log directory or snapshot directory")
    exp.add_argument("--format", required=True, choices=["openspiel"], help="output format")
    exp.add_argument("--out", type=Path, help="output file (default: stdout)")
    exp.add_argument("--current", action="store_true", help="export the current (regret-matching) policy")
    val = sub.add_parser("value", help="exact exploitability of a small game's policy")
    val.add_argument("dir", type=Path, help="log directory or snapshot directory")
    val.add_argument("--current", action="store_true", help="evaluate the current (regret-matching) policy")
    show = sub.add_parser("show", help="browse a Hold'em strategy (not implemented yet)")
    show.add_argument("dir", type=Path)
    show.add_argument("rest", nargs=argparse.REMAINDER)
    return p


def load_policy(path: Path, current: bool):
    """(game, policy, manifest) of the snapshot at ``path``."""
    tables, manifest = read_snapshot(path)
    raw = manifest.get("config")
    if not isinstance(raw, dict):
        raise SnapshotError(f"the snapshot at {path} has no 'config' in its manifest; cannot rebuild its game")
    config = config_from_dict(raw, where=f"{path} (manifest config)")
    game: GameSpec = make_game(config)
    if game.layout.size != tables.size or manifest.get("game") != game.name:
        raise SnapshotError(f"the snapshot at {path} does not match its own config ({manifest.get('game')!r})")
    policy = current_policy(game, tables) if current else average_policy(game, tables)
    return game, policy, manifest


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "show":
        print("error: 'holdem-policy show' (Hold'em strategy browser) is not implemented yet", file=sys.stderr)
        return EXIT_USAGE
    try:
        game, policy, manifest = load_policy(args.dir, args.current)
    except (SnapshotError, ConfigError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    if game.exact is None:
        print(f"error: '{args.command}' works for kuhn and leduc; this snapshot is {game.name}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "export":
        text = json.dumps(openspiel_policy(game, policy), indent=1, sort_keys=True) + "\n"
        if args.out is None:
            sys.stdout.write(text)
        else:
            _write_atomic(args.out, text)
        return 0
    values = policy_values(game, policy)
    br = best_response_values(game, policy)
    conv = float((br - values).sum())
    print(json.dumps({
        "game": game.name,
        "iteration": manifest["iteration"],
        "policy": "current" if args.current else "average",
        "exploitability": conv / game.n_players,
        "nash_conv": conv,
        "values": [float(v) for v in values],
        "best_response_values": [float(v) for v in br],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
