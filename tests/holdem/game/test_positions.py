"""Position names: the standard names for 2 to 6 seats, agreeing with the engine's blinds and first actor."""
import numpy as np
import pytest

from holdem.game.config import GameConfig
from holdem.game.engine import HandState
from holdem.game.positions import position, position_names, seat_of


def test_names_for_every_table_size():
    assert position_names(2) == ("BTN/SB", "BB")
    assert position_names(3) == ("BTN", "SB", "BB")
    assert position_names(4) == ("BTN", "SB", "BB", "UTG")
    assert position_names(5) == ("BTN", "SB", "BB", "UTG", "CO")
    assert position_names(6) == ("BTN", "SB", "BB", "UTG", "HJ", "CO")


def test_position_follows_the_button():
    assert position(0, 2) == "BTN/SB" and position(1, 2) == "BB"
    assert position(0, 2, button=1) == "BB" and position(1, 2, button=1) == "BTN/SB"
    assert [position(s, 6, button=4) for s in range(6)] == ["BB", "UTG", "HJ", "CO", "BTN", "SB"]


@pytest.mark.parametrize("players", range(2, 7))
@pytest.mark.parametrize("button", range(6))
def test_names_match_the_engine(players, button):
    if button >= players:
        return
    config = GameConfig(players, 1000, 5, 10, 0)
    state = HandState.start_random(config, np.random.default_rng(0), button=button)
    assert position(state.small_blind_seat, players, button).endswith("SB")
    assert position(state.big_blind_seat, players, button) == "BB"
    first = "BTN/SB" if players == 2 else ("BTN" if players == 3 else "UTG")
    assert position(state.actor, players, button) == first  # the first to act preflop


def test_seat_of_is_the_inverse():
    for players in range(2, 7):
        for button in range(players):
            for seat in range(players):
                assert seat_of(position(seat, players, button), players, button) == seat
    assert seat_of("btn", 2) == seat_of("SB", 2) == 0 and seat_of("bb", 2, button=0) == 1


@pytest.mark.parametrize("call", [lambda: position_names(1), lambda: position_names(7), lambda: position(2, 2),
                                  lambda: seat_of("HJ", 5)])
def test_bad_arguments(call):
    with pytest.raises(ValueError):
        call()
