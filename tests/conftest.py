"""Fixtures of the whole suite."""
from __future__ import annotations

from pathlib import Path

import pytest

from holdem.abstraction.bucket_file import CACHE_ENV


@pytest.fixture(scope="session", autouse=True)
def bucket_cache(tmp_path_factory) -> Path:
    """A bucket cache of the session's own, so the suite never writes into the user's.

    It is set in ``os.environ``, so every process a test starts inherits it, and
    a preset built on first use (the ``test`` preset) is built once per session.
    A test that sets its own ``HOLDEM_CACHE`` with ``monkeypatch.setenv`` gets it
    for its duration, and this one back afterwards.
    """
    patch = pytest.MonkeyPatch()
    path = tmp_path_factory.mktemp("holdem-cache")
    patch.setenv(CACHE_ENV, str(path))
    yield path
    patch.undo()
