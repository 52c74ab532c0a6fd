"""evaluate_lbr: the public entry point (duplicate groups, threads, results a function of the seed)."""
import numpy as np
import pytest
from evalkit import trained_run

from holdem.blueprint import BlueprintError
from holdem.eval import lbr
from holdem.eval.lbr import LBR_ACTION_SETS, evaluate_lbr


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return trained_run(tmp_path_factory)


def test_results_do_not_depend_on_the_number_of_threads(run):
    hands = 2 * (lbr.CHUNK_GROUPS * 2 + 7)  # three chunks, the last one short
    one = evaluate_lbr(run, hands=hands, seed=4, jobs=1, runouts=16)
    two = evaluate_lbr(run, hands=hands, seed=4, jobs=2, runouts=16)
    assert one.hands == hands and one.groups == hands // 2
    np.testing.assert_array_equal(one.group_chips, two.group_chips)
    assert one.counters == two.counters
    other = evaluate_lbr(run, hands=hands, seed=5, jobs=2, runouts=16)
    assert not np.array_equal(one.group_chips, other.group_chips)


def test_result_reads_like_a_match_result(run):
    seen = []
    result = evaluate_lbr(run, hands=60, seed=0, jobs=1, runouts=16, actions="fcpa",
                          progress=lambda g, chips: seen.append((g, chips.size)))
    summary = result.summary()
    assert summary["hero"] == "lbr" and summary["hands"] == 60 and summary["lbr_actions"] == "fcpa"
    assert "snapshots" in summary["snapshot"]  # the run's latest
    assert summary["lbr_decisions"] > 0 and summary["empty_range_fallbacks"] == 0
    e = result.estimate_mbb()
    assert e.low <= e.mean <= e.high and np.isfinite(e.half_width)
    assert seen[-1] == (29, 30) and all(g + 1 == n for g, n in seen)


def test_bad_arguments_name_the_fix(run, tmp_path_factory):
    with pytest.raises(ValueError, match="fc-fcpa"):
        evaluate_lbr(run, hands=10, actions="pot")
    with pytest.raises(ValueError, match="jobs"):
        evaluate_lbr(run, hands=10, jobs=0)
    with pytest.raises(ValueError, match="runouts"):
        evaluate_lbr(run, hands=10, runouts=0)
    with pytest.raises(BlueprintError, match="no snapshot"):
        evaluate_lbr(tmp_path_factory.mktemp("empty"), hands=10)
    from evalkit import trained_small_run

    with pytest.raises(BlueprintError, match="lbr_exact"):
        evaluate_lbr(trained_small_run(tmp_path_factory, "leduc"), hands=10)
    assert set(LBR_ACTION_SETS) >= {"fc-fcpa", "fcpa"}
