"""Console-script entry points that load their command inside the Ctrl-C frame.

Loading a command (numpy, numba, the compiled kernels) takes up to a second,
and a Ctrl-C during it would end in a ``KeyboardInterrupt`` traceback from the
import, before the command's own frame (:func:`holdem.cli.command.command`)
is there to catch it.  Each entry point imports its command here, so an
interrupt at any moment gives the same one line and exit status 130.
"""
from __future__ import annotations

import importlib
import sys


def loading_interrupted(prog: str) -> int:
    """Report a Ctrl-C that came while ``prog`` was loading; the status to exit with."""
    print(f"{prog}: interrupted", file=sys.stderr, flush=True)
    return 130  # as holdem.cli.command.EXIT_INTERRUPTED: 128 + SIGINT, as shells report it


# console script -> the module whose ``main`` it runs
TARGETS = {
    "holdem-tree": "holdem.cli.tree",
    "holdem-train": "holdem.cli.train",
    "holdem-policy": "holdem.cli.policy",
    "holdem-buckets": "holdem.cli.buckets",
    "holdem-eval": "holdem.cli.eval",
    "holdem-play": "holdem.cli.play",
    "holdem-supervise": "supervisor.cli",
    "holdem-worker": "worker.cli",
    "holdem-keys": "worker.keys",
}


def run(prog: str) -> int:
    """Load ``prog``'s command and run its ``main``; a Ctrl-C while loading ends as one line, 130."""
    try:
        main = importlib.import_module(TARGETS[prog]).main
    except KeyboardInterrupt:
        return loading_interrupted(prog)
    return main()


def tree() -> int:
    return run("holdem-tree")


def train() -> int:
    return run("holdem-train")


def policy() -> int:
    return run("holdem-policy")


def buckets() -> int:
    return run("holdem-buckets")


def evaluate() -> int:
    return run("holdem-eval")


def play() -> int:
    return run("holdem-play")


def supervise() -> int:
    return run("holdem-supervise")


def worker() -> int:
    return run("holdem-worker")


def keys() -> int:
    return run("holdem-keys")
