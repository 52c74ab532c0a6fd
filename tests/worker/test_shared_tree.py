"""The betting tree in shared memory: packed by the supervisor, mapped (not built) by local workers."""
from __future__ import annotations

import json

import numpy as np
import pytest

from holdem.abstraction.bucket_file import ensure_buckets
from holdem.game.tree_arrays import compact_arrays, compact_from_arrays
from holdem.games.leduc import leduc_game
from supervisor.shm import SharedTables
from worker import protocol as p
from worker.engine import SolverEngine
from worker.shm import array_views, open_segment

HU_TINY = """game: {kind: holdem, players: 2, stacks: 2000, small_blind: 50, big_blind: 100}
actions:
  default: {bet: [pot], raise: [pot], allin: true, max_raises: 1}
buckets: {preset: test}
"""


def test_packed_arrays_come_back_as_they_went(tmp_path):
    arrays = {"a": np.arange(5, dtype=np.int8), "b": np.ones((3, 2), dtype=np.int64), "n": np.array(7),
              "f": np.zeros((2, 0), dtype=np.bool_), "x": np.linspace(0, 1, 3, dtype=np.float32)}
    with SharedTables(4, "run", registry=tmp_path) as tables:
        layout = tables.share_arrays(arrays)
        assert all(e["offset"] % 64 == 0 for e in layout)
        segment = open_segment(tables.arrays_name)
        views = array_views(segment, json.loads(json.dumps(layout)))
        for name, a in arrays.items():
            assert views[name].dtype == a.dtype and np.array_equal(views[name], a)
        # the registry lists the third segment, so a dead run's tree is swept with its tables
        entry = json.loads(next(tmp_path.glob("*.json")).read_text())
        assert tables.arrays_name in entry["segments"] and len(entry["segments"]) == 3
        del views
        segment.close()
        with pytest.raises(RuntimeError):
            tables.share_arrays(arrays)


@pytest.mark.parametrize("change, error", [
    (lambda e: e.update(dtype="<U4"), "dtype"),
    (lambda e: e.update(offset=1 << 40), "past the segment"),
    (lambda e: e.update(offset=3), "offset"),
    (lambda e: e.update(shape=[-1]), "shape"),
    (lambda e: e.pop("shape"), "needs name, dtype, shape, offset"),
])
def test_a_bad_layout_is_refused_by_name(tmp_path, change, error):
    with SharedTables(4, "run", registry=tmp_path) as tables:
        layout = tables.share_arrays({"a": np.arange(10), "b": np.arange(3, dtype=np.int8)})
        change(layout[1])
        segment = open_segment(tables.arrays_name)
        try:
            with pytest.raises(ValueError, match=error):
                array_views(segment, layout)
            with pytest.raises(ValueError, match="repeated"):
                array_views(segment, [layout[0], layout[0]])
        finally:
            segment.close()


def test_tree_round_trip_and_shape_checks():
    tree = leduc_game().compact
    again = compact_from_arrays(compact_arrays(tree))
    for name in ("kind", "street", "actor", "n_actions", "first_child", "delta", "offset", "root_contrib"):
        assert np.array_equal(getattr(again, name), getattr(tree, name))
    assert (again.n_players, again.n_streets, again.max_depth, again.table_size) == (
        tree.n_players, tree.n_streets, tree.max_depth, tree.table_size)
    broken = compact_arrays(tree)
    broken["delta"] = broken["delta"][:1]
    with pytest.raises(ValueError, match="delta"):
        compact_from_arrays(broken)
    for bad in (broken["nodes"].astype(np.int32), broken["nodes"].reshape(-1, 1), broken["nodes"][::2]):
        with pytest.raises(ValueError, match="nodes"):
            compact_from_arrays({**broken, "nodes": bad})
    del broken["delta"]
    with pytest.raises(ValueError, match="missing"):
        compact_from_arrays(broken)


def test_a_worker_maps_the_supervisors_tree(tmp_path):
    from worker.game import load_game

    config_path = tmp_path / "hu_tiny.yaml"
    config_path.write_text(HU_TINY)
    buckets = ensure_buckets("test")
    _, game = load_game(config_path, buckets)
    with SharedTables(game.layout.size, "run", registry=tmp_path) as tables:
        layout = tables.share_arrays(compact_arrays(game.compact))
        welcome = p.Welcome(run_id="run", config_path=str(config_path), buckets_path=str(buckets),
                            regret_segment=tables.names[0], strategy_segment=tables.names[1],
                            table_size=game.layout.size, heartbeat_interval=1.0, liveness=5,
                            tree_segment=tables.arrays_name, tree_layout=json.dumps(layout))
        engine = SolverEngine()
        engine.load(p.decode(p.encode(welcome), p.FROM_SUPERVISOR))
        tree = engine.solver.game.compact
        assert np.array_equal(tree.delta, game.compact.delta)
        assert np.array_equal(engine.solver.game.tree.contrib, game.tree.contrib)  # expanded on demand, the same
        # the same memory (mapped twice, so compare by writing, not by address)
        tables.arrays["delta"][-1] += 12345
        assert tree.delta[-1] == game.compact.delta[-1] + 12345
        tables.arrays["delta"][-1] -= 12345
        engine.run(p.Batch(batch_id=1, first_iteration=0, iterations=200, batch_start=0, seed=3, scratch=False))
        assert np.any(tables.regret != 0)  # trained on the shared tables, walking the shared tree
        engine.solver = engine.scratch = None
        del tree
        for segment in engine.segments:
            segment.close()


def test_welcome_names_segment_and_layout_together():
    base = dict(run_id="r", config_path="c.yaml", buckets_path="", regret_segment="x", strategy_segment="y",
                table_size=4, heartbeat_interval=1.0, liveness=5)
    with pytest.raises(p.ProtocolError, match="tree_layout"):
        p.Welcome(**base, tree_segment="hdm1_abct")
