"""Fixtures of the supervisor tests."""
import pytest
from remoterun import remote_env


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A remote run's surroundings (:func:`remoterun.remote_env`)."""
    yield from remote_env(tmp_path, monkeypatch)
