"""Build the :class:`GameSpec` a config names (``game.kind``: kuhn, leduc or holdem).

Kuhn and Leduc need nothing else.  Hold'em is built by
:func:`holdem.games.holdem.holdem_game` (tree, bucket file, dealer), imported
only when asked for.  ``config`` is a :class:`holdem.config.Config` (or a
plain mapping with a ``game`` section, for small games).
"""
from __future__ import annotations

from typing import Any, Callable

from holdem.games.kuhn import kuhn_game
from holdem.games.leduc import leduc_game
from holdem.games.spec import GameSpec

SMALL_GAMES: dict[str, Callable[[], GameSpec]] = {"kuhn": kuhn_game, "leduc": leduc_game}
GAME_KINDS = ("holdem", *SMALL_GAMES)


def game_kind(config: Any) -> str:
    if isinstance(config, dict):
        game = config.get("game")
        kind = game.get("kind") if isinstance(game, dict) else None
    else:
        kind = getattr(config, "kind", None)
    if kind not in GAME_KINDS:
        raise ValueError(f"game.kind: expected one of {list(GAME_KINDS)}, got {kind!r}")
    return kind


def make_game(config: Any, buckets_path: str | None = None, tree=None) -> GameSpec:
    """The game of a config; ``tree``: a Hold'em betting tree built already (small games build their own)."""
    kind = game_kind(config)
    if kind in SMALL_GAMES:
        return SMALL_GAMES[kind]()
    from holdem.games.holdem import holdem_game

    return holdem_game(config, buckets_path, tree=tree)
