"""Fixtures of the fault suite (helpers live in faultkit.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from supervisor.shm import REGISTRY_ENV
from worker.faults import FAULT_ENV


@pytest.fixture
def registry(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "shm-registry"
    monkeypatch.setenv(REGISTRY_ENV, str(path))
    monkeypatch.delenv(FAULT_ENV, raising=False)
    return path
