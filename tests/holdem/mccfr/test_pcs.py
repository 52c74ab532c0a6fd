"""Public chance sampling / vector CFR on the small games."""
import numpy as np
import pytest

from holdem.exploitability import exploitability, policy_values
from holdem.games.kuhn import GAME_VALUE_PLAYER0, kuhn_game
from holdem.games.leduc import leduc_game
from holdem.mccfr.pcs import PCSParams, PCSSolver


def test_kuhn_vector_cfr_reaches_the_value():
    game = kuhn_game()
    solver = PCSSolver(game)
    solver.run_batch(0, 2000, 1)
    policy = solver.average_policy()
    assert policy_values(game, policy)[0] == pytest.approx(GAME_VALUE_PLAYER0, abs=1e-5)
    assert exploitability(game, policy) < 1e-3


def test_leduc_enumerated_is_near_exact():
    game = leduc_game()
    solver = PCSSolver(game, PCSParams(sample_public=False))
    solver.run_batch(0, 600, 1)
    early = exploitability(game, solver.average_policy())
    solver.run_batch(600, 2400, 1)
    late = exploitability(game, solver.average_policy())
    assert late < early < 1e-3
    assert late < 5e-5


def test_leduc_sampled_falls_and_is_reproducible():
    game = leduc_game()
    a, b = PCSSolver(game), PCSSolver(game)
    a.run_batch(0, 300, 5)
    first = exploitability(game, a.average_policy())
    a.run_batch(300, 3000, 5)
    assert exploitability(game, a.average_policy()) < first < 1.0
    b.run_batch(0, 300, 5)
    b.run_batch(300, 3000, 5)
    assert np.array_equal(a.regret, b.regret)
    tables = a.to_tables()
    assert tables.regret.dtype == np.float32 and np.allclose(tables.strategy, a.strategy, rtol=1e-6)


def test_needs_an_exact_game():
    game = kuhn_game()
    from holdem.games.spec import GameSpec

    with pytest.raises(ValueError, match="exact chance"):
        PCSSolver(GameSpec("x", game.tree, game.layout, game.dealer, ""))
    with pytest.raises(ValueError, match="alpha"):
        PCSParams(alpha=-1)
