"""PHH hand histories replayed by pokerkit, an independent reader and rules engine.

Every history is replayed strictly: each action string is applied in order
(``pokerkit.notation.parse_action``), with burn cards as unknown cards before
each board deal and nothing repaired, and the hand must then be over with the
payoffs our engine found and the ``finishing_stacks`` the file states.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from pokerkit import HandHistory
from pokerkit.notation import parse_action

from holdem.cards import format_cards
from holdem.eval.baselines import RaisePotBot, RandomBot
from holdem.eval.match import run_match, seat_names
from holdem.eval.phh import HandLog, hand_history, hands_in, phh_actions, player_order
from holdem.game import GameConfig, HandState, deal

N_RANDOM_HANDS = 1500


def replay(document: str):
    """The finished pokerkit state of a PHH document, every action applied in the order written."""
    history = HandHistory.loads(document)
    state = history.create_state()
    for action in history.actions:
        if action.startswith("d db") and state.can_burn_card():
            state.burn_card("??")
        parse_action(state, action)
    return history, state


def assert_replays(state: HandState, document: str) -> None:
    history, theirs = replay(document)
    order = player_order(state.n_players, state.button)
    assert not theirs.status, f"pokerkit's hand is not over:\n{document}"
    payoffs = [0] * state.n_players
    for i, seat in enumerate(order):
        payoffs[seat] = theirs.payoffs[i]
    assert tuple(payoffs) == state.payoffs(), document
    assert list(theirs.stacks) == history.finishing_stacks, document


def random_config(rng: np.random.Generator, players: int) -> GameConfig:
    big_blind = int(rng.choice([2, 10, 100]))
    # heads-up pokerkit breaks a tie between equal blinds in favour of the big blind acting
    # first (see tests/holdem/game/test_engine_vs_pokerkit.py), so heads-up blinds differ
    small_blind = int(rng.integers(1, big_blind if players == 2 else big_blind + 1))
    ante = int(rng.integers(1, big_blind + 1)) if rng.random() < 0.4 else 0
    stacks = [int(rng.integers(1, ante + 2 * big_blind + 1)) if rng.random() < 0.15  # partial posts
              else int(rng.integers(3 * big_blind, 80 * big_blind)) for _ in range(players)]
    return GameConfig(players, stacks, small_blind, big_blind, ante)


@dataclass
class Tally:
    showdowns: int = 0
    folds_after_flop: int = 0
    runouts: int = 0  # shown before the rest of the board
    side_pots: int = 0
    all_in_raises: int = 0


def play_random(rng: np.random.Generator, config: GameConfig, tally: Tally) -> HandState:
    holes, board = deal(config, rng)
    state = HandState.start(config, holes, board, int(rng.integers(config.players)))
    while not state.is_over:
        legal, r = state.legal(), rng.random()
        if legal.can_fold and r < 0.2:
            state.fold()
        elif legal.can_raise and r < 0.5:
            lo, hi = legal.min_raise_to, legal.max_raise_to
            amount = int(rng.choice([lo, hi, int(rng.integers(lo, hi + 1))]))
            tally.all_in_raises += amount == hi
            state.raise_to(amount)
        else:
            state.check_or_call()
    live = [s for s in range(config.players) if not state.folded[s]]
    tally.showdowns += len(live) > 1
    tally.side_pots += len(live) > 1 and len({state.contrib[s] for s in live}) > 1
    tally.folds_after_flop += len(live) == 1 and state.street > 0
    last = state.history[-1].street if state.history else 0
    tally.runouts += len(live) > 1 and last < 3
    return state


@pytest.mark.parametrize("players", [2, 3, 6])
def test_random_hands_replay_in_pokerkit_with_our_payoffs(players):
    rng = np.random.default_rng(100 + players)
    tally = Tally()
    for k in range(N_RANDOM_HANDS // 3):
        state = play_random(rng, random_config(rng, players), tally)
        document = hand_history(state, names=[f"bot{s}" for s in range(players)], hand=k + 1)
        assert_replays(state, document)
    # the random hands reach what the format must get right
    assert tally.showdowns and tally.folds_after_flop and tally.runouts and tally.all_in_raises
    assert tally.side_pots or players == 2


@pytest.mark.parametrize("players", [2, 3, 6])
def test_match_hands_replay_in_pokerkit(players):
    config = GameConfig(players, 2000, 10, 20, ante=5 if players > 2 else 0)
    states: list[tuple[HandState, int]] = []
    result = run_match(config, RandomBot(), RaisePotBot(), hands=20 * players, seed=players,
                       on_hand=lambda state, g, r: states.append((state, r)))
    assert len(states) == result.hands
    for state, r in states:
        names = seat_names(RandomBot(), RaisePotBot(), players, r)
        assert_replays(state, hand_history(state, names=names))


def test_a_heads_up_hand_reads_as_written():
    # button (seat 1) is the small blind and acts first preflop; PHH lists the big blind first
    config = GameConfig(2, [1000, 800], 5, 10)
    holes = [[51, 47], [0, 5]]  # As Ks | 2c 3d
    board = [50, 46, 42, 1, 2]  # Ah Kh Qh 2d 2h
    state = HandState.start(config, holes, board, button=1)
    state.raise_to(30)  # button
    state.check_or_call()  # big blind calls
    state.raise_to(50)  # big blind bets the flop
    state.check_or_call()
    state.raise_to(900)  # big blind bets the turn, more than the button has
    state.check_or_call()  # the button calls all-in for less; the board runs out
    assert state.is_over
    document = hand_history(state, names=["A", "B"], hand=7, extra={"_group": 3})
    assert document.splitlines() == [
        'variant = "NT"',
        "ante_trimming_status = true",
        "antes = [0, 0]",
        "blinds_or_straddles = [5, 10]",
        "min_bet = 10",
        "starting_stacks = [1000, 800]",
        'actions = ["d dh p1 AsKs", "d dh p2 2c3d", "p2 cbr 30", "p1 cc", "d db AhKhQh", "p1 cbr 50", "p2 cc", '
        '"d db 2d", "p1 cbr 900", "p2 cc", "p1 sm AsKs", "p2 sm 2c3d", "d db 2h"]',
        "hand = 7",
        "seats = [1, 2]",
        "seat_count = 2",
        'players = ["A", "B"]',
        f"finishing_stacks = [{1000 + state.payoffs()[0]}, {800 + state.payoffs()[1]}]",
        "_group = 3",
    ]
    assert_replays(state, document)


def test_a_fold_ends_the_history_without_showdown_or_more_board():
    config = GameConfig(3, 500, 1, 2, ante=1)
    holes, board = deal(config, np.random.default_rng(0))
    state = HandState.start(config, holes, board, button=0)
    state.raise_to(6)  # button opens
    state.fold()
    state.fold()
    actions = phh_actions(state)
    assert actions[:3] == [f"d dh p{i + 1} {format_cards(holes[seat], sep='')}" for i, seat in enumerate([1, 2, 0])]
    assert actions[3:] == ["p3 cbr 6", "p1 f", "p2 f"]  # p3 is the button, p1 the small blind
    assert_replays(state, hand_history(state))


def test_only_finished_hands_and_underscored_extras():
    config = GameConfig(2, 100, 1, 2)
    state = HandState.start_random(config, np.random.default_rng(1))
    with pytest.raises(ValueError, match="over"):
        hand_history(state)
    state.fold()
    with pytest.raises(ValueError, match="underscore"):
        hand_history(state, extra={"group": 1})
    with pytest.raises(ValueError, match="names"):
        hand_history(state, names=["a"])


def test_hand_log_numbers_hands_and_appends_to_an_existing_file(tmp_path):
    config = GameConfig(2, 400, 2, 4)
    rng = np.random.default_rng(3)
    states = []
    for _ in range(3):
        state = HandState.start_random(config, rng)
        while not state.is_over:
            state.check_or_call()
        states.append(state)
    path = tmp_path / "hands.phhs"
    log = HandLog(path)
    log.append(hand_history(states[0], hand=log.hands + 1))
    log.append(hand_history(states[1], hand=log.hands + 1))
    assert hands_in(path) == 2
    again = HandLog(path, append=True)
    assert again.hands == 2
    again.append(hand_history(states[2], hand=again.hands + 1))
    text = path.read_text()
    assert text.startswith("[1]\n") and "\n\n[2]\n" in text and "\n\n[3]\n" in text
    loaded = list(HandHistory.loads_all(text))
    assert [h.hand for h in loaded] == [1, 2, 3]
    for state, history in zip(states, loaded):
        assert_replays(state, history.dumps())
    # a fresh log replaces the file
    HandLog(path).append(hand_history(states[0]))
    assert hands_in(path) == 1
    other = tmp_path / "notes.txt"
    other.write_text("variant = 'NT'\n")
    with pytest.raises(ValueError, match="not a .phhs"):
        HandLog(other, append=True)
