"""Compiled LBR hands checked against the reference engine and the Python blueprint, and its action sets."""
import numpy as np
import pytest
from evalkit import trained_run

from holdem.blueprint import OFF_TREE, Blueprint
from holdem.eval import lbr_kernel as kern
from holdem.eval.baselines import pot_raise_to
from holdem.eval.lbr import LBRKernel
from holdem.eval.lbr_actions import LBR_ACTION_SETS, SET_FC, SET_FCPA, street_sets
from holdem.eval.lbr_equity import equity_from_ranks, runout_ranks
from holdem.game.engine import Action, ActionKind, HandState
from holdem.game.tree_arrays import ACTION_FOLD, ACTION_RAISE

SEED = 3
LBR_MOVE = -2  # recorded in place of a blueprint node at LBR's decisions


@pytest.fixture(scope="module")
def bp(tmp_path_factory):
    return Blueprint.load(trained_run(tmp_path_factory), translation_seed=SEED)


@pytest.fixture(scope="module")
def kernels(bp):
    return {name: LBRKernel(bp, name, runouts=32) for name in LBR_ACTION_SETS}


def _replay(bp, kernel, actions_name, groups=40):
    """Play ``groups`` duplicate groups compiled, replay every hand on HandState; yields (state before, action,
    recorded node, lbr seat) and checks payoffs."""
    chips, stats, history = kernel.play(SEED, 0, groups, record=True)
    holes, boards = kernel.deal(SEED, 0, groups)
    steps = []
    for g in range(groups):
        total = 0
        for lbr in range(2):
            state = HandState.start(bp.game_config, holes[g].tolist(), boards[g].tolist(), button=g % 2)
            for seat, kind, amount, node in history[g, lbr]:
                if seat < 0:
                    break
                assert not state.is_over and state.actor == seat
                steps.append((state.copy(), Action(int(seat), ActionKind(int(kind)), int(amount), state.street),
                              int(node), lbr))
                if kind == ACTION_FOLD:
                    state.fold()
                elif kind == ACTION_RAISE:
                    state.raise_to(int(amount))  # IllegalAction if the compiled engine allowed an illegal raise
                else:
                    assert amount == state.legal().call_amount
                    state.check_or_call()
            assert state.is_over
            total += state.payoffs()[lbr]
        assert chips[g] == total / 2
    return steps, stats


@pytest.mark.parametrize("actions", ["fcpa", "fc-fcpa"])
def test_compiled_hands_follow_the_rules_and_the_blueprint(bp, kernels, actions):
    """Legal moves, the same payoffs as the reference engine, and at every blueprint decision the node its own
    (hashed) translation walk reaches and a move its distribution plays."""
    steps, stats = _replay(bp, kernels[actions], actions)
    seen = 0
    for state, action, node, lbr in steps:
        if action.seat == lbr:
            assert node == LBR_MOVE
            continue
        seen += 1
        assert bp.locate(state) == node
        decision = bp.action_probabilities(state)
        played = [c for c in decision.choices if c.kind == action.kind
                  and (c.kind != ActionKind.RAISE or c.amount == action.amount)]
        assert sum(c.probability for c in played) > 0
    assert seen == stats[kern.ST_BP_DECISIONS] and seen > 50
    assert stats[kern.ST_EMPTY_RANGE] == 0


def test_action_sets_make_the_published_moves(bp, kernels):
    """fc never raises; fcpa raises pot-sized (clipped) or all-in; tree raises to the blueprint's own sizes."""
    for name in ("fc", "fc-fcpa", "fcpa"):
        sets = street_sets(name)
        steps, stats = _replay(bp, kernels[name], name)
        raises = [(s, a) for s, a, _, lbr in steps if a.seat == lbr and a.kind == ActionKind.RAISE]
        for state, action in raises:
            assert sets[state.street] == SET_FCPA
            legal = state.legal()
            pot = min(max(pot_raise_to(state), legal.min_raise_to), legal.max_raise_to)
            assert action.amount in (pot, legal.max_raise_to)
        assert (len(raises) > 0) == (SET_FCPA in sets)
        assert len(raises) == stats[kern.ST_LBR_RAISES]
    steps, _ = _replay(bp, kernels["tree"], "tree")
    tree = bp.tree
    n_raises = 0
    for state, action, _, lbr in steps:
        if action.seat != lbr or action.kind != ActionKind.RAISE:
            continue
        n_raises += 1
        node = bp.locate(state)  # LBR keeps to the tree: the blueprint's walk needs no translation
        legal = state.legal()
        sizes = {min(max(int(tree.action_amount[node, a]), legal.min_raise_to), legal.max_raise_to)
                 for a in range(int(tree.n_actions[node])) if tree.action_kind[node, a] == ACTION_RAISE}
        assert action.amount in sizes
    assert n_raises > 0


def test_action_set_names():
    assert set(LBR_ACTION_SETS) >= {"fc-fcpa", "fcpa", "fc", "tree"}
    assert list(street_sets("fc-fcpa")) == [SET_FC, SET_FC, SET_FCPA, SET_FCPA]
    with pytest.raises(ValueError, match="fc-fcpa"):
        street_sets("fcp")


def test_lbr_raises_and_wins_against_a_blueprint_that_always_folds_to_raises(bp):
    tree, layout = bp.tree, bp.layout
    policy = bp.policy.copy()
    for node in tree.decision_nodes():
        na = int(tree.n_actions[node])
        kinds = list(tree.action_kind[node, :na])
        if ACTION_FOLD in kinds:
            rows = layout.rows(node, int(tree.street[node]), na)
            policy[rows] = 0.0
            policy[rows[:, kinds.index(ACTION_FOLD)]] = 1.0
    folder = Blueprint(bp.game, policy, game_config=bp.game_config)
    kernel = LBRKernel(folder, "fcpa", runouts=16)
    chips, stats, _ = kernel.play(0, 0, 20)
    assert (chips > 0).all()  # LBR raises first chance it gets and the blueprint folds
    assert stats[kern.ST_LBR_RAISES] > 0 and stats[kern.ST_BP_OFF_TREE] == 0


def test_the_model_is_one_branch_while_every_bet_is_on_the_tree(bp, kernels):
    """Raises to the blueprint's own sizes in identical states leave nothing to translate."""
    kernel = kernels["tree"]
    _, stats, _ = kernel.play(SEED, 0, 30)
    assert stats[kern.ST_MAX_BRANCHES] == 1 and stats[kern.ST_TRANSLATED] == 0
    assert stats[kern.ST_LBR_OFF_TREE] == 0
    _, stats, _ = kernels["fcpa"].play(SEED, 0, 30)
    assert stats[kern.ST_LBR_DECISIONS] > 0 and OFF_TREE == -1


def _exact_equity(hero, board, street):
    n = len(board[: (0, 3, 4, 5)[street]])
    ranks, masks, out = np.empty((48, 1326), np.int32), np.empty(48, np.int64), np.empty(1326)
    k = runout_ranks(np.asarray(board, np.int64), n, 1, np.uint64(0), ranks, masks)
    equity_from_ranks(hero[0], hero[1], ranks, masks, k, out)
    return out


def _candidates(bp, state, node, actions):
    legal = state.legal()
    if not legal.can_raise:
        return set()
    if actions == "tree":
        tree = bp.tree
        return {min(max(int(tree.action_amount[node, a]), legal.min_raise_to), legal.max_raise_to)
                for a in range(int(tree.n_actions[node])) if tree.action_kind[node, a] == ACTION_RAISE}
    return {min(max(pot_raise_to(state), legal.min_raise_to), legal.max_raise_to), legal.max_raise_to}


@pytest.mark.parametrize("actions", ["fcpa", "tree"])
def test_turn_and_river_decisions_take_the_largest_lbr_value(bp, kernels, actions):
    """Recompute LBR's values in Python where its equity is exact (turn, river) and the model has one
    translation branch, and check the compiled player took the best: fold -contrib, call (2wp - 1) M,
    raise fp * theirs + (1 - fp)(2wp' - 1) M'."""
    kernel = kernels[actions]
    steps, _ = _replay(bp, kernel, actions, groups=80)
    checked = 0
    for state, action, _, lbr in steps:
        if action.seat != lbr or state.street < 2:
            continue
        history = [(a.kind, a.amount) for a in state.history]
        weights, branches = kernel.model_range(state.holes, state.board, state.button, lbr, history)
        if len(branches) != 1 or branches[0] == OFF_TREE:
            continue
        node, opp = branches[0], 1 - lbr
        eq = _exact_equity(state.holes[lbr], state.board, state.street)
        legal = state.legal()
        mine, theirs = state.contrib[lbr], state.contrib[opp]
        wp = weights @ eq / weights.sum()
        values = {(ActionKind.CHECK_CALL, legal.call_amount): (2 * wp - 1) * min(mine + legal.call_amount, theirs)}
        if legal.can_fold:
            values[(ActionKind.FOLD, 0)] = -float(mine)
        buckets = bp.hole_buckets(state.board_visible)
        for amount in _candidates(bp, state, node, actions):
            move = Action(lbr, ActionKind.RAISE, amount, state.street)
            child = bp._step(node, state, move, 0.0)
            if child != bp._step(node, state, move, 1 - 1e-16):
                break  # a translated raise: covered by the range tests
            kinds = list(bp.tree.action_kind[child, : bp.tree.n_actions[child]]) if child >= 0 else []
            fold = bp.rows(child, buckets)[:, kinds.index(ACTION_FOLD)] if ACTION_FOLD in kinds else 0 * eq
            fp = weights @ fold / weights.sum()
            cont = weights * (1 - fold)
            wp_called = cont @ eq / cont.sum() if cont.sum() > 0 else wp
            matched = min(mine + amount - state.street_bets[lbr], theirs + state.stacks[opp])
            values[(ActionKind.RAISE, amount)] = fp * theirs + (1 - fp) * (2 * wp_called - 1) * matched
        else:
            ranked = sorted(values.values(), reverse=True)
            if len(ranked) > 1 and ranked[0] - ranked[1] < 1e-6:
                continue  # a near tie: rounding may pick either
            assert values[(action.kind, action.amount)] == pytest.approx(ranked[0], abs=1e-9)
            checked += 1
    assert checked >= 10
