"""A trained strategy (blueprint): load it from a snapshot and query it for real Hold'em states.

The policy is the average strategy, normalised, on the streets whose
average was accumulated (``solver.average_streets``) and the current
(regret-matching) strategy elsewhere, as Pluribus's blueprint used the
average preflop and the current strategy after it (Brown & Sandholm 2019,
"Superhuman AI for multiplayer poker", supplementary materials).

Querying a real state (:meth:`Blueprint.action_probabilities`):

1. Seats: the betting tree has the button at seat 0, so a real seat ``s``
   at a table whose button is ``b`` is tree seat ``(s - b) mod n``.
2. The real action history is walked down the abstract tree.  Folds and
   checks/calls map to themselves; a raise that matches an abstract size
   exactly stays on the tree; any other raise is mapped by the randomized
   pseudo-harmonic translation (:mod:`holdem.eval.translation`) among the
   node's raise sizes, measured in pots in each game (real state, abstract
   node); a real all-in maps to the abstract all-in when the node has one.
   The translation draws are a hash of (translation seed, seat, the board
   dealt for the whole hand, the button, the action's index), so every query
   during one hand sees the same mapping, different hands draw independently,
   and an opponent cannot foresee a draw (it hashes cards still face down).
   The seat's own cards are not hashed: its play then depends on them only
   through its rows, so an opponent's model of it (its range over every hole,
   :mod:`holdem.search.lbr`) is exact, and a search from its view of the
   history solves the same subgame whatever it holds.
3. The bucket of the seat's cards on the street comes from the bucket file
   (the same lookup the dealer trains with).
4. The abstract actions get concrete amounts in the real state: a raise
   keeps its amount when the real and abstract states agree, else its pot
   fraction is applied to the real pot; amounts are clipped to the legal
   range, an abstract all-in stays all-in, a fold that is not legal becomes
   a check, a raise that is not legal becomes a call.

Off the tree: when the real hand leaves the abstract tree (a raise where the
abstraction allows none, or a translated path that ended the abstract hand
while the real one goes on), the blueprint checks or calls (``node == -1``
in the returned :class:`Decision`).  A card-independent fallback keeps the
blueprint's strategy well defined and keeps opponent-range reasoning (local
best response) exact: such actions carry no information.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from holdem.eval.translation import raise_fraction, translate
from holdem.game.engine import BOARD_CARDS_VISIBLE, ActionKind, HandState
from holdem.game.tree_arrays import ACTION_CHECK_CALL, ACTION_FOLD, ACTION_RAISE, NODE_DECISION
from holdem.games.spec import GameSpec
from holdem.mccfr.rng import SEED_MASK, mix_py
from holdem.mccfr.strategy import average_strategy, current_strategy

OFF_TREE = -1
ROOT = 0
ALL_STREETS = (0, 1, 2, 3)
_U_SCALE = float(SEED_MASK + 1)  # mix_py returns 63-bit ints


class BlueprintError(ValueError):
    """A blueprint that cannot be loaded or used here; the message says why and what to do."""


@dataclass(frozen=True)
class Choice:
    """One abstract action as played in the real state (engine conventions for ``amount``)."""

    kind: ActionKind
    amount: int  # chips a check/call puts in, the raise-to street total of a raise, 0 for a fold
    probability: float
    abstract_action: int  # index at the abstract node; -1 for the off-tree fallback


@dataclass(frozen=True)
class Decision:
    """The blueprint's distribution at one real decision."""

    seat: int
    node: int  # abstract node, or OFF_TREE
    bucket: int  # bucket of the seat's cards on the street, -1 off the tree
    choices: tuple[Choice, ...]

    @property
    def on_tree(self) -> bool:
        return self.node != OFF_TREE

    def probabilities(self) -> np.ndarray:
        return np.array([c.probability for c in self.choices], dtype=np.float64)

    def sample(self, rng: np.random.Generator) -> Choice:
        p = self.probabilities()
        i = int(np.searchsorted(np.cumsum(p), rng.random() * p.sum(), side="right"))
        return self.choices[min(i, len(self.choices) - 1)]


def blueprint_policy(game: GameSpec, regret: np.ndarray, strategy: np.ndarray,
                     average_streets: Sequence[int] = ALL_STREETS) -> np.ndarray:
    """float64[layout.size]: average strategy on ``average_streets``, current strategy elsewhere."""
    tree, layout = game.tree, game.layout
    average = average_strategy(tree, layout, regret, strategy)
    current = current_strategy(tree, layout, regret)
    nodes = tree.decision_nodes()  # TableLayout assigns offsets in node order, so rows are contiguous per node
    counts = np.array([layout.buckets_per_street[tree.street[n]] for n in nodes], dtype=np.int64)
    widths = counts * tree.n_actions[nodes]
    row_street = np.repeat(tree.street[nodes].astype(np.int64), widths)
    use_average = np.isin(row_street, np.asarray(tuple(average_streets), dtype=np.int64))
    return np.where(use_average, average, current)


def _normalise_rows(regret: np.ndarray, strategy: np.ndarray, use_average: bool) -> np.ndarray:
    """Rows ``[k, A]`` of the blueprint from raw table rows (see :func:`blueprint_policy`)."""
    na = regret.shape[1]
    out = np.full(regret.shape, 1.0 / na)
    done = np.zeros(regret.shape[0], dtype=bool)
    if use_average:
        s = strategy.astype(np.float64)
        total = s.sum(axis=1)
        done = total > 0.0
        out[done] = s[done] / total[done, None]
    pos = np.maximum(regret.astype(np.float64), 0.0)
    total = pos.sum(axis=1)
    matched = ~done & (total > 0.0)
    out[matched] = pos[matched] / total[matched, None]
    return out


def _street_base(tree, stacks: Sequence[int], ante: int) -> np.ndarray:
    """int64[N, P]: each seat's contribution before the node's street began (so street bet = contrib - base)."""
    base = np.empty_like(tree.contrib)
    antes = np.minimum(np.asarray(stacks, dtype=np.int64), ante)
    for node in range(tree.n_nodes):  # preorder ids: a parent comes before its children
        parent = tree.parent[node]
        if parent < 0:
            base[node] = antes
        elif tree.street[node] != tree.street[parent]:
            base[node] = tree.contrib[node]
        else:
            base[node] = base[parent]
    return base


class Blueprint:
    """A policy over a game's abstract tree, plus what is needed to play it in real Hold'em.

    Backed either by a dense ``policy`` array or by MCCFR ``tables``; with
    tables, rows are normalised on demand (:meth:`rows`), so a blueprint too
    large to hold as a float64 policy next to its tables (6-max) still loads.
    """

    def __init__(self, game: GameSpec, policy: np.ndarray | None = None, *, tables: Any = None,
                 average_streets: Sequence[int] = ALL_STREETS, game_config: Any = None, bucket_tables: Any = None,
                 manifest: dict | None = None, source: str | None = None, translation_seed: int = 0):
        if (policy is None) == (tables is None):
            raise BlueprintError("give a blueprint either a policy array or MCCFR tables")
        if policy is not None:
            policy = np.asarray(policy, dtype=np.float64)
            if policy.shape != (game.layout.size,):
                raise BlueprintError(f"policy has shape {policy.shape}; game {game.name!r} needs ({game.layout.size},)")
        elif tables.regret.shape != (game.layout.size,) or tables.strategy.shape != (game.layout.size,):
            raise BlueprintError(f"tables hold {tables.regret.shape[0]} entries; "
                                 f"game {game.name!r} needs {game.layout.size}")
        self.game = game
        self.tree = game.tree
        self.layout = game.layout
        self._policy = policy
        self._tables = tables
        self.average_streets = tuple(int(s) for s in average_streets)
        self.game_config = game_config
        self.bucket_tables = bucket_tables if bucket_tables is not None else getattr(game.dealer, "tables", None)
        self.manifest = manifest or {}
        self.source = source
        self.translation_seed = int(translation_seed)
        self._base = None
        if game_config is not None and not hasattr(self.tree, "street_base"):  # a PathTree derives it per node
            self._base = _street_base(self.tree, game_config.stacks, game_config.ante)
        self._bucket_cache = lru_cache(maxsize=4096)(self._bucket_uncached)

    @property
    def policy(self) -> np.ndarray:
        """float64[layout.size]: the whole policy (computed once from the tables when table-backed)."""
        if self._policy is None:
            t = self._tables
            self._policy = blueprint_policy(self.game, t.regret, t.strategy, self.average_streets)
        return self._policy

    # ------------------------------------------------------------ construction

    @classmethod
    def from_tables(cls, game: GameSpec, tables: Any, average_streets: Sequence[int] = ALL_STREETS,
                    **kwargs) -> "Blueprint":
        """From MCCFR tables (``regret``/``strategy`` arrays) of ``game``, held by reference."""
        return cls(game, tables=tables, average_streets=average_streets, **kwargs)

    @classmethod
    def load(cls, path: str | os.PathLike, buckets_path: str | os.PathLike | None = None,
             translation_seed: int = 0) -> "Blueprint":
        """Load the snapshot at ``path`` (a snapshot directory, or a run directory: its latest snapshot).

        Hold'em needs the run's bucket file: ``buckets_path``, else the one the
        snapshot's config names (a preset comes from the cache, built there on
        first use).  Its content hash must equal the snapshot's abstraction hash.
        """
        from holdem.config import ConfigError, config_from_dict
        from holdem.games.registry import make_game
        from holdem.mccfr.snapshot import SnapshotError, read_snapshot, resolve_snapshot

        try:
            snap = resolve_snapshot(path)
            tables, manifest = read_snapshot(snap)
        except SnapshotError as e:
            raise BlueprintError(str(e)) from None
        where = f"{snap / 'manifest.json'}: config"
        if not isinstance(manifest.get("config"), dict):
            raise BlueprintError(f"{snap / 'manifest.json'} has no 'config' section; it was not written by a trainer")
        try:
            config = config_from_dict(manifest["config"], where=where)
        except ConfigError as e:
            raise BlueprintError(str(e)) from None
        game_config = config.game if config.kind == "holdem" else None
        if config.kind == "holdem":
            bucket_file = _bucket_file(config, manifest, snap, buckets_path)
            try:
                game = make_game(config, str(bucket_file) if bucket_file is not None else None)
            except Exception as e:  # bucket-file problems carry their own message and fix
                raise BlueprintError(f"cannot build the game of {snap}: {e}") from None
            want = manifest.get("abstraction_hash")
            if want and game.abstraction_hash != want:
                raise BlueprintError(
                    f"the bucket file {bucket_file or config.buckets.to_dict()} "
                    f"has hash {game.abstraction_hash[:16]}..., "
                    f"but {snap} was trained on {str(want)[:16]}...; pass the run's bucket file with --buckets PATH"
                )
        else:
            game = make_game(config)
        if tables.size != game.layout.size:
            raise BlueprintError(
                f"{snap} holds tables of {tables.size} entries but its config gives {game.layout.size}; "
                "the snapshot and its config disagree (was the tree builder changed since training?)"
            )
        params = manifest.get("params") or {}
        streets = params.get("average_streets", list(config.solver.average_streets))
        return cls.from_tables(game, tables, tuple(int(s) for s in streets), game_config=game_config,
                               manifest=manifest, source=str(snap), translation_seed=translation_seed)

    # ------------------------------------------------------------------ views

    @property
    def n_players(self) -> int:
        return self.tree.n_players

    @property
    def is_holdem(self) -> bool:
        return self.game_config is not None

    @property
    def iteration(self) -> int | None:
        it = self.manifest.get("iteration")
        return int(it) if isinstance(it, int) else None

    def row(self, node: int, bucket: int) -> np.ndarray:
        """float64[A]: action probabilities at abstract ``node`` for ``bucket``."""
        return self.rows(node, np.array([bucket]))[0]

    def rows(self, node: int, buckets: np.ndarray) -> np.ndarray:
        """float64[len(buckets), A]: the rows of many buckets at ``node`` (bucket -1 gives zeros).

        Table-backed: the rules of :mod:`holdem.mccfr.strategy` row by row
        (normalised strategy sums on average streets when positive, else
        regret matching, else uniform).
        """
        na = int(self.tree.n_actions[node])
        b = np.asarray(buckets, dtype=np.int64)
        idx = int(self.layout.offset[node]) + np.maximum(b, 0)[:, None] * na + np.arange(na)
        if self._policy is not None:
            out = self._policy[idx]
        else:
            out = _normalise_rows(self._tables.regret[idx], self._tables.strategy[idx],
                                  int(self.tree.street[node]) in self.average_streets)
        out[b < 0] = 0.0
        return out

    def row_arrays(self) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """(dense policy, regret table, strategy-sum table) that :meth:`rows` reads, for compiled readers:
        the policy and two Nones when policy-backed, None and the two tables when table-backed."""
        if self._policy is not None:
            return self._policy, None, None
        return None, self._tables.regret, self._tables.strategy

    def street_base_array(self) -> np.ndarray:
        """int64[N, P]: chips each tree seat had in before each node's street began (a full Hold'em tree)."""
        self._require_holdem()
        if self._base is None:
            raise BlueprintError(f"{self.game.name!r} keeps its tree as paths (too big to lay out per node); "
                                 "per-node arrays exist only for full trees")
        return self._base

    def tree_seat(self, seat: int, button: int) -> int:
        return (seat - button) % self.n_players

    def bucket(self, hole: Sequence[int], board_visible: Sequence[int]) -> int:
        """Bucket of ``hole`` on the street ``board_visible`` (0, 3, 4 or 5 cards) shows."""
        return self._bucket_cache(tuple(int(c) for c in hole), tuple(int(c) for c in board_visible))

    def _bucket_uncached(self, hole: tuple[int, ...], board: tuple[int, ...]) -> int:
        from holdem.abstraction.deal import hand_buckets

        self._require_holdem()
        return hand_buckets(self.bucket_tables, hole, board)[-1]

    def hole_buckets(self, board_visible: Sequence[int]) -> np.ndarray:
        """int32[1326]: the bucket of every hole on this board (-1 where a hole meets the board)."""
        from holdem.eval.ranges import board_array, hole_buckets

        self._require_holdem()
        t = self.bucket_tables
        river = getattr(t, "river", None)
        if river is None:
            river = np.zeros(0, dtype=np.uint8)
        out = np.empty(1326, np.int32)
        hole_buckets(board_array(board_visible), len(board_visible), t.flop, t.turn, t.river_lut, river, out)
        return out

    # --------------------------------------------------------- real states

    def _require_holdem(self) -> None:
        if self.game_config is None or self.bucket_tables is None:
            raise BlueprintError(
                f"this blueprint plays {self.game.name!r} on its abstract tree only; real-state queries need a "
                "Hold'em blueprint (its game config and bucket file)"
            )

    def check_table(self, config: Any, button: int) -> None:
        """Raise BlueprintError unless a hand of ``config`` with this button is the game the blueprint was
        trained on."""
        self._require_holdem()
        mine = self.game_config
        for name in ("players", "small_blind", "big_blind", "ante"):
            if getattr(config, name) != getattr(mine, name):
                raise BlueprintError(
                    f"the table has {name}={getattr(config, name)} but the blueprint was trained with "
                    f"{name}={getattr(mine, name)}; play it at the table of its config"
                )
        n = mine.players
        if any(config.stacks[s] != mine.stacks[self.tree_seat(s, button)] for s in range(n)):
            raise BlueprintError(
                f"the table's stacks {list(config.stacks)} (button {button}) differ from the blueprint's "
                f"{list(mine.stacks)} (button at seat 0); play it with the stacks it was trained with"
            )

    def _draw_key(self, state: HandState, seat: int) -> int:
        """Seed of this hand's translation draws as ``seat`` sees it; draw ``i`` is ``mix(key, i)``."""
        key = mix_py(self.translation_seed, seat)
        for c in (*state.board, state.button):
            key = mix_py(key, c)
        return key

    def _street_base(self, node: int) -> np.ndarray:
        """Chips each seat had in before ``node``'s street began."""
        if self._base is not None:
            return self._base[node]
        return self.tree.street_base[node]  # type: ignore[attr-defined]  # a PathTree

    def _street_bets(self, node: int) -> np.ndarray:
        return self.tree.contrib[node] - self._street_base(node)

    def _abstract_raises(self, node: int) -> tuple[list[int], list[float], int | None]:
        """(action indices, sizes in pots, index of the all-in or None) of the raises at ``node``."""
        tree = self.tree
        actor = int(tree.actor[node])
        bets = self._street_bets(node)
        current = int(bets.max())
        to_call = current - int(bets[actor])
        pot = int(tree.pot[node])
        allin_to = int(self.game_config.stacks[actor] - self._street_base(node)[actor])
        idx, sizes, allin = [], [], None
        for a in range(int(tree.n_actions[node])):
            if tree.action_kind[node, a] != ACTION_RAISE:
                continue
            amount = int(tree.action_amount[node, a])
            idx.append(a)
            sizes.append(raise_fraction(amount, current, pot, to_call))
            if amount == allin_to:
                allin = a
        return idx, sizes, allin

    def _step(self, node: int, replay: HandState, action, u: float) -> int:
        """The abstract child that the real ``action`` (taken in ``replay``) maps to, or OFF_TREE."""
        tree = self.tree
        if (tree.kind[node] != NODE_DECISION or tree.street[node] != action.street
                or tree.actor[node] != self.tree_seat(action.seat, replay.button)):
            return OFF_TREE
        kinds = tree.action_kind[node, : int(tree.n_actions[node])]
        if action.kind != ActionKind.RAISE:
            want = ACTION_FOLD if action.kind == ActionKind.FOLD else ACTION_CHECK_CALL
            hits = np.flatnonzero(kinds == want)
            return int(tree.children[node, hits[0]]) if len(hits) else OFF_TREE
        idx, sizes, allin = self._abstract_raises(node)
        if not idx:
            return OFF_TREE
        exact = [a for a in idx if int(tree.action_amount[node, a]) == action.amount]
        if exact and self._same_state(replay, node):  # an abstract amount in an identical state stays on the tree
            return int(tree.children[node, exact[0]])
        legal = replay.legal()
        if allin is not None and action.amount == legal.max_raise_to:
            return int(tree.children[node, allin])
        bets = replay.street_bets
        current = max(bets)
        x = raise_fraction(action.amount, current, replay.pot, current - bets[action.seat])
        return int(tree.children[node, idx[translate(sizes, x, u)]])

    def _same_state(self, state: HandState, node: int) -> bool:
        """Real and abstract hands have put in the same chips (seat by seat, whole hand and street)."""
        n = self.n_players
        b = state.button
        bets = self._street_bets(node)
        return all(
            state.contrib[s] == self.tree.contrib[node, self.tree_seat(s, b)]
            and state.street_bets[s] == bets[self.tree_seat(s, b)]
            for s in range(n)
        )

    def path(self, state: HandState, seat: int | None = None) -> list[int]:
        """Abstract nodes along ``state``'s history as ``seat`` (default: the actor) maps it.

        ``path[i]`` is the node at which history action ``i`` was taken and
        ``path[-1]`` the node of the current state (or the terminal reached);
        OFF_TREE from the first action that leaves the tree on.
        """
        self._require_holdem()
        self.check_table(state.config, state.button)
        seat = state.actor if seat is None else seat
        if seat is None:
            raise BlueprintError("the hand is over; name the seat whose view of the history to map")
        replay = HandState.start(state.config, state.holes, state.board, state.button)
        key = self._draw_key(state, seat)
        node = ROOT
        nodes = [node]
        for i, action in enumerate(state.history):
            if node != OFF_TREE:
                node = self._step(node, replay, action, mix_py(key, i) / _U_SCALE)
                replay.apply(action)
            nodes.append(node)
        tree = self.tree
        if node != OFF_TREE and not state.is_over and (
            tree.kind[node] != NODE_DECISION or tree.street[node] != state.street
            or tree.actor[node] != self.tree_seat(state.actor, state.button)
        ):
            nodes[-1] = OFF_TREE
        return nodes

    def locate(self, state: HandState, seat: int | None = None) -> int:
        """The abstract node of ``state`` as ``seat`` (default: the actor) maps its history, or OFF_TREE."""
        return self.path(state, seat)[-1]

    def action_index(self, node: int, child: int) -> int:
        """Index of the action at ``node`` that leads to ``child`` (-1 if none)."""
        hits = np.flatnonzero(self.tree.children[node, : int(self.tree.n_actions[node])] == child)
        return int(hits[0]) if len(hits) else -1

    def action_probabilities(self, state: HandState, seat: int | None = None) -> Decision:
        """The blueprint's distribution for ``seat`` (must be the seat to act; default it) in ``state``."""
        self._require_holdem()
        if state.is_over:
            raise BlueprintError("the hand is over: there is no decision to make")
        if seat is None:
            seat = state.actor
        if seat != state.actor:
            raise BlueprintError(f"seat {seat} is not to act (seat {state.actor} is)")
        legal = state.legal()
        node = self.locate(state, seat)
        if node == OFF_TREE:
            return Decision(seat, OFF_TREE, -1, (Choice(ActionKind.CHECK_CALL, legal.call_amount, 1.0, -1),))
        bucket = self.bucket(state.holes[seat], state.board[: BOARD_CARDS_VISIBLE[state.street]])
        probs = self.row(node, bucket)
        same = self._same_state(state, node)
        idx, sizes, allin = self._abstract_raises(node)
        size_of = dict(zip(idx, sizes))
        choices = []
        for a in range(int(self.tree.n_actions[node])):
            kind = self.tree.action_kind[node, a]
            p = float(probs[a])
            if kind == ACTION_FOLD and legal.can_fold:
                choices.append(Choice(ActionKind.FOLD, 0, p, a))
            elif kind == ACTION_RAISE and legal.can_raise:
                amount = self._real_raise(state, legal, node, a, same, size_of[a], a == allin)
                choices.append(Choice(ActionKind.RAISE, amount, p, a))
            else:
                choices.append(Choice(ActionKind.CHECK_CALL, legal.call_amount, p, a))
        return Decision(seat, node, bucket, tuple(choices))

    def _real_raise(self, state: HandState, legal, node: int, a: int, same: bool, size: float, is_allin: bool) -> int:
        if is_allin:
            return legal.max_raise_to
        if same:
            amount = int(self.tree.action_amount[node, a])
        else:
            bets = state.street_bets
            current = max(bets)
            to_call = current - bets[state.actor]
            amount = current + int(np.floor(size * (state.pot + to_call) + 0.5))
        return min(max(amount, legal.min_raise_to), legal.max_raise_to)


def _bucket_file(config: Any, manifest: dict, snap: Path, override: str | os.PathLike | None) -> Path | None:
    """The bucket file to load, or None to let the config's preset resolve through the cache."""
    if override is not None:
        path = Path(override).expanduser()
        if not path.is_file():
            raise BlueprintError(f"--buckets {path}: no such file (build one with holdem-buckets build)")
        return path
    recorded = manifest.get("buckets_path") or (config.buckets.file if config.buckets is not None else None)
    if not recorded:
        return None
    path = Path(recorded).expanduser()
    candidates = [path] if path.is_absolute() else [path, snap / path, snap.parent.parent / path]
    for c in candidates:
        if c.is_file():
            return c
    raise BlueprintError(
        f"the snapshot's bucket file {recorded} is not found (looked in {', '.join(str(c) for c in candidates)}); "
        "pass it with --buckets PATH"
    )
