"""No-Limit Hold'em rules for 2-6 players (reference engine) and the flat betting tree."""
from holdem.game.config import MAX_PLAYERS, MIN_PLAYERS, GameConfig
from holdem.game.engine import (
    BOARD_CARDS_VISIBLE,
    FLOP,
    N_STREETS,
    PREFLOP,
    RIVER,
    STREET_NAMES,
    TURN,
    Action,
    ActionKind,
    HandState,
    IllegalAction,
    LegalActions,
    deal,
)
from holdem.game.pots import Pot, award_pots, side_pots

__all__ = [
    "MAX_PLAYERS",
    "MIN_PLAYERS",
    "GameConfig",
    "BOARD_CARDS_VISIBLE",
    "FLOP",
    "N_STREETS",
    "PREFLOP",
    "RIVER",
    "STREET_NAMES",
    "TURN",
    "Action",
    "ActionKind",
    "HandState",
    "IllegalAction",
    "LegalActions",
    "deal",
    "Pot",
    "award_pots",
    "side_pots",
]
