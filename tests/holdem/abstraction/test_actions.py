"""Action abstraction: size parsing, the pot-relative formula, mapping to legal amounts."""
from __future__ import annotations

import pytest

from holdem.abstraction.actions import (
    MAX_SIZES_PER_LIST,
    ActionAbstraction,
    BetSize,
    StreetActions,
)


@pytest.mark.parametrize(
    "raw, value, unit",
    [
        (0.5, 0.5, "pot"),
        (1, 1.0, "pot"),
        ("pot", 1.0, "pot"),
        ("POT", 1.0, "pot"),
        ("75%", 0.75, "pot"),
        ("0.33", 0.33, "pot"),
        ("2.5bb", 2.5, "bb"),
        ("3 BB", 3.0, "bb"),
        (".5", 0.5, "pot"),
    ],
)
def test_parse_sizes(raw, value, unit):
    size = BetSize.parse(raw)
    assert size.value == pytest.approx(value) and size.unit == unit


@pytest.mark.parametrize("raw", ["", "1x", "bb", "-1", True, None, [1], 0, -0.5, "0bb", float("nan"), 1e9])
def test_parse_rejects_bad_sizes(raw):
    with pytest.raises(ValueError):
        BetSize.parse(raw)


def test_to_raw_round_trips():
    for raw in (0.5, "2.5bb", 1.0):
        assert BetSize.parse(BetSize.parse(raw).to_raw()) == BetSize.parse(raw)


def test_pot_fraction_is_relative_to_the_pot_after_calling():
    # facing a bet of 100 into a pot that is now 300 (200 before the bet), with nothing in yet:
    # pot after calling = 300 + 100 = 400, so a pot raise goes to 100 + 400 = 500
    assert BetSize(1.0).target(current_bet=100, pot=300, to_call=100, big_blind=10) == 500
    assert BetSize(0.5).target(current_bet=100, pot=300, to_call=100, big_blind=10) == 300
    # no bet to face: a bet of f * pot
    assert BetSize(0.75).target(current_bet=0, pot=200, to_call=0, big_blind=10) == 150
    # heads-up preflop, small blind 1 in, big blind 2: pot 3, to call 1 -> pot raise to 2 + 4 = 6
    assert BetSize(1.0).target(current_bet=2, pot=3, to_call=1, big_blind=2) == 6


def test_rounding_is_half_up_to_whole_chips():
    assert BetSize(0.5).target(current_bet=0, pot=5, to_call=0, big_blind=2) == 3  # 2.5 -> 3
    assert BetSize(0.33).target(current_bet=0, pot=10, to_call=0, big_blind=2) == 3  # 3.3 -> 3


def test_big_blind_sizes_are_raise_to_amounts():
    assert BetSize(2.5, "bb").target(current_bet=100, pot=150, to_call=50, big_blind=100) == 250


def mapped(street_actions: StreetActions, **kw) -> tuple[int, ...]:
    abstraction = ActionAbstraction((street_actions,) * 4)
    args = dict(
        street=1, n_raises=0, current_bet=0, pot=100, to_call=0, min_raise_to=10, max_raise_to=1000, big_blind=10
    )
    args.update(kw)
    return abstraction.raise_amounts(**args)


def test_below_minimum_becomes_minimum_and_duplicates_merge():
    # 0.01 pot = 1 chip and 0.05 pot = 5 chips are both below the minimum raise of 10
    assert mapped(StreetActions((0.01, 0.05, 0.5), (), False, 3)) == (10, 50)


def test_above_stack_becomes_allin_and_merges_with_allin():
    assert mapped(StreetActions((0.5, 20.0), (), True, 3)) == (50, 1000)
    assert mapped(StreetActions((0.5, 20.0), (), False, 3)) == (50, 1000)
    assert mapped(StreetActions((0.5,), (), False, 3)) == (50,)


def test_sorted_ascending_allin_last():
    assert mapped(StreetActions((2.0, 0.5, 1.0), (), True, 3)) == (50, 100, 200, 1000)


def test_short_stack_only_allin():
    # min raise capped at the stack (the engine's convention): everything maps to all-in
    assert mapped(StreetActions((0.5, 1.0), (), True, 3), min_raise_to=40, max_raise_to=40) == (40,)


def test_first_bet_and_raise_sizes_differ():
    s = StreetActions(bet=(0.5,), raises=(1.0,), allin=False, max_raises=3)
    assert mapped(s, n_raises=0) == (50,)
    # facing a bet of 50 into 150: pot raise to 50 + (150 + 50) = 250
    assert mapped(s, n_raises=1, current_bet=50, pot=150, to_call=50, min_raise_to=100) == (250,)


def test_raise_cap():
    s = StreetActions((0.5,), (1.0,), True, 2)
    assert mapped(s, n_raises=1) != ()
    assert mapped(s, n_raises=2) == ()
    assert mapped(StreetActions((0.5,), (1.0,), True, 0)) == ()


def test_from_dict_default_merging_and_round_trip():
    raw = {
        "default": {"bet": [1.0], "raise": ["pot"], "allin": False, "max_raises": 2},
        "preflop": {"bet": ["2.5bb"], "max_raises": 4},
        "river": {"allin": True},
    }
    a = ActionAbstraction.from_dict(raw)
    pre, flop, turn, river = a.streets
    assert pre.bet == (BetSize(2.5, "bb"),) and pre.raises == (BetSize(1.0),) and pre.max_raises == 4 and not pre.allin
    assert flop == turn == StreetActions((BetSize(1.0),), (BetSize(1.0),), False, 2)
    assert river.allin and river.max_raises == 2
    assert ActionAbstraction.from_dict(a.to_dict()) == a


def test_uniform():
    a = ActionAbstraction.uniform(bet=(1.0,), raises=(1.0,), allin=True, max_raises=3)
    assert len(set(a.streets)) == 1 and a.max_actions() == 4


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ({"flop": {"bet": [1.0], "raise": [1.0]}}, ".preflop.bet: missing"),
        ({"default": {"bet": [1.0], "raise": [1.0]}, "flopp": {}}, ".flopp: unknown key"),
        ({"default": {"bet": [1.0], "raise": [1.0], "size": 1}}, ".default.size: unknown key"),
        ({"default": {"bet": [1.0], "raise": [1.0, "huge"]}}, ".preflop.raise[1]: expected a pot fraction"),
        ({"default": {"bet": 1.0, "raise": [1.0]}}, ".preflop.bet: expected a list of sizes"),
        ({"default": {"bet": [1.0], "raise": [1.0], "allin": "yes"}}, ".preflop.allin: expected true or false"),
        (
            {"default": {"bet": [1.0], "raise": [1.0], "max_raises": -1}},
            ".preflop.max_raises: expected an integer >= 0",
        ),
        ({"default": {"bet": [1.0] * (MAX_SIZES_PER_LIST + 1), "raise": []}}, ".preflop.bet: at most"),
        ([1, 2], ": expected a mapping of streets"),
    ],
)
def test_from_dict_errors_name_the_key(raw, fragment):
    with pytest.raises(ValueError) as info:
        ActionAbstraction.from_dict(raw)
    assert fragment in str(info.value)


def test_needs_four_streets():
    with pytest.raises(ValueError, match="streets"):
        ActionAbstraction((StreetActions((1.0,), (1.0,)),) * 3)
