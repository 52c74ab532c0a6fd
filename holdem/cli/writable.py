"""Can this process write where a command will write?  Checked before any work starts.

:func:`check_directory` proves it the only reliable way: it creates the
directory if missing, then creates, writes, fsyncs and removes a small file
in it.  Permission bits alone do not tell (root ignores them, a read-only
mount or an immutable directory refuses root too), and a full disk often
shows only when the data is flushed.  Directories it had to create are
removed again, so a command that stops for another reason leaves nothing
behind.  Every problem is a :class:`~holdem.cli.command.UsageError` naming
the path, what is wrong, and what to do.
"""
from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from holdem.cli.command import UsageError

PROBE_BYTES = 4096  # one block: a full disk refuses it even when it still has room for an inode
PROBE_PREFIX = ".holdem-write-check-"


def _problem(exc: OSError) -> str:
    code = exc.errno
    reason = exc.strerror or str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk is full ({reason}); free some space or choose a directory on another disk"
    if code == errno.EROFS:
        return "its file system is mounted read-only; choose a writable directory"
    if code in (errno.EACCES, errno.EPERM):
        return f"this user may not write there ({reason}); choose a directory you can write, or change its permissions"
    if code == errno.ENOTDIR:
        return f"part of the path is a file, not a directory ({reason}); choose a path under a directory"
    return f"cannot write there ({reason}); choose another directory"


def _probe(directory: Path) -> None:
    fd, name = tempfile.mkstemp(prefix=PROBE_PREFIX, dir=directory)
    try:
        os.write(fd, b"\0" * PROBE_BYTES)
        os.fsync(fd)
    finally:
        os.close(fd)
        os.unlink(name)


def _under_a_file(label: str, existing: Path) -> UsageError:
    return UsageError(f"{label}: {existing} is a file, so nothing can be created under it; "
                      "choose a path under a directory")


def check_directory(path: str | os.PathLike[str], label: str) -> None:
    """Raise UsageError unless ``path`` is, or can be made, a directory this process can write files in.

    ``label`` starts every message, e.g. ``"--logdir runs/x"``.
    """
    path = Path(path)
    created: list[Path] = []
    try:
        if path.exists() and not path.is_dir():
            raise UsageError(f"{label}: is a file, not a directory; give a directory (it is created if missing)")
        missing = []
        existing = path
        while not existing.exists() and existing != existing.parent:
            missing.append(existing)
            existing = existing.parent
        if existing.exists() and not existing.is_dir():
            raise _under_a_file(label, existing)
        for directory in reversed(missing):
            directory.mkdir()
            created.append(directory)
        _probe(path)
    except OSError as exc:
        raise UsageError(f"{label}: {_problem(exc)}") from None
    finally:
        for directory in reversed(created):
            try:
                directory.rmdir()
            except OSError:
                pass


def check_output_file(path: str | os.PathLike[str], flag: str) -> None:
    """Raise UsageError unless a file can be written at ``path`` (its directory is checked as above)."""
    path = Path(path)
    label = f"{flag} {path}"
    if path.is_dir():
        raise UsageError(f"{label}: is a directory; give a file name inside it")
    if path.parent.exists() and not path.parent.is_dir():
        raise _under_a_file(label, path.parent)
    check_directory(path.parent, f"{label} (in {path.parent})")
