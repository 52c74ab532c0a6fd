import numpy as np
import pytest

from holdem.eval.translation import pseudo_harmonic, raise_fraction, translate, translation_probabilities


def test_pseudo_harmonic_formula_and_its_axioms():
    # Ganzfried & Sandholm 2013: f(x) = (B - x)(1 + A) / ((B - A)(1 + x))
    assert pseudo_harmonic(0.5, 1.0, 0.75) == pytest.approx(0.25 * 1.5 / (0.5 * 1.75))
    assert pseudo_harmonic(0.5, 1.0, 0.5) == 1.0
    assert pseudo_harmonic(0.5, 1.0, 1.0) == 0.0
    xs = np.linspace(0.5, 1.0, 50)
    values = [pseudo_harmonic(0.5, 1.0, x) for x in xs]
    assert all(a > b for a, b in zip(values, values[1:]))  # strictly decreasing between the sizes
    with pytest.raises(ValueError, match="between"):
        pseudo_harmonic(0.5, 1.0, 2.0)


def test_probabilities_pick_the_neighbours_and_clamp_at_the_ends():
    sizes = [0.5, 1.0, 2.0]
    assert translation_probabilities(sizes, 0.1) == [1.0, 0.0, 0.0]
    assert translation_probabilities(sizes, 7.0) == [0.0, 0.0, 1.0]
    p = translation_probabilities(sizes, 1.5)
    assert p[0] == 0.0 and p[1] == pytest.approx(pseudo_harmonic(1.0, 2.0, 1.5)) and sum(p) == pytest.approx(1.0)
    assert translation_probabilities(sizes, 1.0)[1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="ascending"):
        translation_probabilities([1.0, 0.5], 0.7)


def test_translate_follows_the_probabilities_for_uniform_draws():
    sizes = [1.0, 49.5]
    x = 4.5
    p_low = pseudo_harmonic(1.0, 49.5, x)
    draws = (np.arange(10000) + 0.5) / 10000
    low = np.mean([translate(sizes, x, u) == 0 for u in draws])
    assert low == pytest.approx(p_low, abs=1e-3)


def test_raise_fraction_is_pot_relative():
    # preflop heads-up, blinds 50/100: a pot-sized raise goes to 100 + (150 + 50) = 300
    assert raise_fraction(300, current_bet=100, pot=150, to_call=50) == pytest.approx(1.0)
    assert raise_fraction(200, current_bet=0, pot=400, to_call=0) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        raise_fraction(10, 0, 0, 0)
