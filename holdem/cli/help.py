"""Help texts shared by the training commands, so each flag reads the same everywhere."""
from __future__ import annotations

BATCH_SIZE_HELP = ("iterations per reproducibility batch: the grid on which seeds, snapshots and exact resume "
                   "are laid")
SUPERVISED_BATCH_SIZE_HELP = (BATCH_SIZE_HELP + "; the supervisor hands each worker several of them at once, so "
                              "small values no longer cost speed")


def description(doc: str | None) -> str:
    """A module docstring as ``--help`` text: printed as written (it is plain text)."""
    return (doc or "").strip()
