"""One build of the tiny ``test`` preset shared by the abstraction tests."""
import dataclasses

import pytest

from holdem.abstraction.bucket_file import write_buckets
from holdem.abstraction.buckets import build_buckets, river_table
from holdem.abstraction.presets import get_preset


@pytest.fixture(scope="session")
def test_tables():
    return build_buckets(get_preset("test"), seed=0)


@pytest.fixture(scope="session")
def test_file(test_tables, tmp_path_factory):
    path = tmp_path_factory.mktemp("buckets") / "test.npz"
    write_buckets(test_tables, path)
    return path


@pytest.fixture(scope="session")
def river_tables(test_tables):
    """The test preset with a full river table, as the larger presets store it."""
    preset = dataclasses.replace(test_tables.preset, river_table=True)
    river = river_table(test_tables.river_lut, preset.river_buckets)
    return dataclasses.replace(test_tables, preset=preset, river=river)


@pytest.fixture(scope="session")
def river_file(river_tables, tmp_path_factory):
    path = tmp_path_factory.mktemp("buckets") / "test_river.npz"
    write_buckets(river_tables, path)
    return path
