"""The packages import only downward (docs/architecture.md, "Layers").

``holdem/`` is the poker library: no processes, sockets or asyncio, and no
``worker`` or ``supervisor``, except the older command line, which runs the
supervisor.  ``worker/`` never imports ``supervisor``.  Read from the source
with ``ast``, so a lazy import inside a function counts too.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "holdem": {"worker", "supervisor", "asyncio", "zmq", "subprocess", "multiprocessing"},
    "worker": {"supervisor"},
}
# the older training command line runs the supervisor of holdem-supervise
ALLOWED = {"holdem/cli/train_blueprint.py": {"supervisor"}}


def imported_packages(path: Path) -> set[str]:
    """Top-level package of every absolute import in the file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_packages_import_only_downward(package):
    wrong = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        bad = imported_packages(path) & (FORBIDDEN[package] - ALLOWED.get(where, set()))
        if bad:
            wrong[where] = sorted(bad)
    assert wrong == {}
