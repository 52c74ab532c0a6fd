"""Run configuration: one YAML file, validated on load.

Sections::

    game:       kind: holdem | kuhn | leduc
                (holdem) players, stacks (int or one per seat), small_blind, big_blind, ante
    actions:    (holdem) bet/raise sizes per street: see holdem.abstraction.actions
    buckets:    (holdem) preset: NAME  or  file: PATH (relative to this file)
    solver:     fields of holdem.mccfr.params.MCCFRParams (defaults for the rest)
    supervisor: raw mapping, validated by the supervisor package with validate_section
    seed:       optional int >= 0
    batch_size: optional int >= 1
    description: optional free text

Every problem raises :class:`ConfigError` whose message starts with the file
and the key path, says what was expected and what was found, e.g.
``configs/x.yaml: solver.prune_probability: expected a number in [0, 1], got 'abc'``.
Command-line tools print it without a traceback and exit with status 2
(:func:`exit_on_config_error`).

:func:`validate_section` turns a raw mapping into a frozen dataclass using the
dataclass's own fields, type hints and defaults (int, float, bool, str,
tuples, optionals, literals, nested dataclasses), then lets the dataclass
validate itself (``__post_init__`` raising ``ValueError``).  Optional field
metadata ``{"min": x, "max": y}`` (inclusive) or ``{"choices": (...)}`` is
checked and quoted in messages.

A bare name such as ``hu_small`` (no directory, no such file) names a shipped
preset ``configs/hu_small.yaml``, found next to the installed package (the
project is installed editable) or under the working directory.
"""
from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import hashlib
import json
import math
import os
import re
import sys
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Mapping, NoReturn, TypeVar

import yaml

from holdem.abstraction.actions import ActionAbstraction

GAME_KINDS = ("holdem", "kuhn", "leduc")
TOP_LEVEL_KEYS = ("game", "actions", "buckets", "solver", "supervisor", "seed", "batch_size", "description")
HOLDEM_GAME_KEYS = ("kind", "players", "stacks", "small_blind", "big_blind", "ante")
BUCKETS_KEYS = ("preset", "file")
CONFIG_SUFFIXES = (".yaml", ".yml")
PRESET_DIR_NAME = "configs"
CONFIG_DIR_ENV = "HOLDEM_CONFIG_DIR"  # extra directory searched for preset names
EXIT_CONFIG_ERROR = 2
_PRESET_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")

T = TypeVar("T")


class ConfigError(ValueError):
    """A configuration problem; the message names the file, the key and the fix."""


# --------------------------------------------------------------------------------------
# generic section validation


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _join(where: str, key: str | int) -> str:
    """``where`` + key: ``'f.yaml: solver'`` + ``'x'`` -> ``'f.yaml: solver.x'``."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    if not where:
        return key
    if where.endswith(": "):
        return where + key
    return f"{where}.{key}"


def _range_text(meta: Mapping[str, Any]) -> str:
    lo, hi = meta.get("min"), meta.get("max")
    if lo is not None and hi is not None:
        return f" in [{lo:g}, {hi:g}]"
    if lo is not None:
        return f" >= {lo:g}"
    if hi is not None:
        return f" <= {hi:g}"
    return ""


def _convert(hint: Any, value: Any, path: str, meta: Mapping[str, Any]) -> Any:
    """Check/convert ``value`` against type ``hint``; ConfigError naming ``path``."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is object:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        options = [a for a in args if a is not type(None)]
        for option in options:
            try:
                return _convert(option, value, path, meta)
            except ConfigError:
                continue
        names = " or ".join(_type_name(o, meta) for o in options)
        if type(None) in args:
            names += " or null"
        raise ConfigError(f"{path}: expected {names}, got {_show(value)}")
    if origin is Literal:
        if any(value == a and type(value) is type(a) for a in args):
            return value
        raise ConfigError(f"{path}: expected one of {', '.join(map(repr, args))}, got {_show(value)}")
    if hint in (tuple, list):
        origin = hint
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{path}: expected {_type_name(hint, meta)}, got {_show(value)}")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis) and args:
            if len(value) != len(args):
                raise ConfigError(f"{path}: expected a list of {len(args)} items, got {len(value)}")
            items = [_convert(a, v, _join(path, i), {}) for i, (a, v) in enumerate(zip(args, value))]
        else:
            item_hint = args[0] if args else Any
            items = [_convert(item_hint, v, _join(path, i), meta) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin in (dict, collections.abc.Mapping) or hint in (dict, Mapping, collections.abc.Mapping):
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: expected a mapping, got {_show(value)}")
        return dict(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return validate_section(value, hint, path)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{path}: expected true or false, got {_show(value)}")
        return value
    if hint is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok and isinstance(value, float) and value.is_integer():
            value, ok = int(value), True
        if not ok:
            raise ConfigError(f"{path}: expected {_type_name(int, meta)}, got {_show(value)}")
        _check_range(value, path, meta, "an integer")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise ConfigError(f"{path}: expected {_type_name(float, meta)}, got {_show(value)}")
        _check_range(value, path, meta, "a number")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{path}: expected {_type_name(str, meta)}, got {_show(value)}")
        choices = meta.get("choices")
        if choices is not None and value not in choices:
            raise ConfigError(f"{path}: expected one of {', '.join(map(repr, choices))}, got {_show(value)}")
        return value
    if isinstance(hint, type):
        if isinstance(value, hint):
            return value
        raise ConfigError(f"{path}: expected {hint.__name__}, got {_show(value)}")
    return value


def _type_name(hint: Any, meta: Mapping[str, Any]) -> str:
    origin = typing.get_origin(hint)
    if hint is int:
        return "an integer" + _range_text(meta)
    if hint is float:
        return "a number" + _range_text(meta)
    if hint is bool:
        return "true or false"
    if hint is str:
        return "a string"
    if origin in (tuple, list):
        args = typing.get_args(hint)
        item = args[0] if args else Any
        plural = {int: "integers", float: "numbers", str: "strings", bool: "true/false values"}
        return f"a list of {plural.get(item, 'items')}{_range_text(meta)}"
    if dataclasses.is_dataclass(hint):
        return "a mapping"
    return getattr(hint, "__name__", str(hint))


def _check_range(value: float, path: str, meta: Mapping[str, Any], what: str) -> None:
    lo, hi = meta.get("min"), meta.get("max")
    if (lo is not None and value < lo) or (hi is not None and value > hi) or (
        isinstance(value, float) and not math.isfinite(value) and (lo is not None or hi is not None)
    ):
        raise ConfigError(f"{path}: expected {what}{_range_text(meta)}, got {_show(value)}")


def _unknown_key(path: str, key: Any, allowed: typing.Iterable[str]) -> NoReturn:
    allowed = list(allowed)
    close = difflib.get_close_matches(str(key), allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"{_join(path, str(key))}: unknown key{hint}; expected one of: {', '.join(allowed)}")


def validate_section(raw: Any, dataclass_type: type[T], where: str) -> T:
    """Build ``dataclass_type`` from the mapping ``raw`` (``None`` = empty).

    ``where`` prefixes every message, e.g. ``"configs/x.yaml: supervisor"``.
    Unknown keys, missing required fields, wrong types and out-of-range
    values (field metadata ``min``/``max``/``choices``) raise ConfigError;
    so does a ``ValueError``/``TypeError`` from the dataclass itself.
    """
    if not dataclasses.is_dataclass(dataclass_type):
        raise TypeError(f"validate_section needs a dataclass type, got {dataclass_type!r}")
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping of settings, got {_show(raw)}")
    fields = [f for f in dataclasses.fields(dataclass_type) if f.init]
    names = [f.name for f in fields]
    for key in raw:
        if key not in names:
            _unknown_key(where, key, names)
    try:
        hints = typing.get_type_hints(dataclass_type)
    except Exception as exc:  # an unresolvable annotation is a bug in the dataclass, not the config
        raise TypeError(f"cannot read the type hints of {dataclass_type.__name__}: {exc}") from exc
    kwargs: dict[str, Any] = {}
    for f in fields:
        path = _join(where, f.name)
        if f.name not in raw:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ConfigError(f"{path}: missing (required)")
            continue
        kwargs[f.name] = _convert(hints.get(f.name, Any), raw[f.name], path, f.metadata)
    try:
        return dataclass_type(**kwargs)
    except (ValueError, TypeError) as exc:
        raise ConfigError(_own_error(where, str(exc), names)) from None


_VERBS = ("must", "should", "expected", "is", "has", "needs", "cannot", "lists")


def _own_error(where: str, message: str, names: list[str]) -> str:
    """Attach a dataclass's own message to ``where``: joined as a key path when it starts with a field name."""
    section = where.rsplit(": ", 1)[-1].rsplit(".", 1)[-1]
    if section and message.startswith(section + "."):
        message = message[len(section) + 1 :]  # the dataclass already named its section
    for name in sorted(names, key=len, reverse=True):
        rest = message[len(name) :]
        if not message.startswith(name):
            continue
        if rest.startswith(":") or rest.startswith("["):
            return f"{_join(where, name)}{rest}"
        words = rest.split()
        if rest.startswith(" ") and words and words[0] in _VERBS:  # "players must be 2..6"
            return f"{_join(where, name)}:{rest}"
    return f"{where}: {message}"


# --------------------------------------------------------------------------------------
# the configuration


@dataclass(frozen=True)
class BucketsConfig:
    """Card abstraction: a named preset, or a bucket file (relative paths: from the config file)."""

    preset: str | None = None
    file: str | None = None

    def __post_init__(self) -> None:
        if (self.preset is None) == (self.file is None):
            raise ValueError("give exactly one of preset: NAME or file: PATH")
        if self.preset is not None and not _PRESET_NAME.match(self.preset):
            raise ValueError(f"preset: expected a preset name such as small, mid or large, got {self.preset!r}")
        if self.file is not None and not self.file.strip():
            raise ValueError("file: expected a path to a bucket file, got an empty string")

    def to_dict(self) -> dict[str, Any]:
        return {"preset": self.preset} if self.preset is not None else {"file": self.file}


@dataclass(frozen=True)
class Config:
    """A validated run configuration (see the module docstring).

    ``game`` is a :class:`holdem.game.config.GameConfig` for Hold'em and
    ``None`` for Kuhn/Leduc; ``supervisor`` is the raw mapping (validated by
    the supervisor package); ``source`` is the file it came from (not part of
    :meth:`to_dict` or :func:`config_hash`).
    """

    kind: str
    game: Any
    actions: ActionAbstraction | None
    buckets: BucketsConfig | None
    solver: Any
    supervisor: dict[str, Any] = field(default_factory=dict)
    seed: int | None = None
    batch_size: int | None = None
    description: str | None = None
    source: str | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        """Short name for logs: the file's stem, else the game kind."""
        return Path(self.source).stem if self.source else self.kind

    def buckets_file(self) -> Path | None:
        """The bucket file, resolved against the config file's directory; None for presets."""
        if self.buckets is None or self.buckets.file is None:
            return None
        path = Path(self.buckets.file).expanduser()
        if not path.is_absolute() and self.source:
            path = Path(self.source).resolve().parent / path
        return path

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready and loadable again with :func:`config_from_dict` (for manifests)."""
        game: dict[str, Any] = {"kind": self.kind}
        if self.game is not None:
            game.update(self.game.to_dict())
        out: dict[str, Any] = {"game": game}
        if self.actions is not None:
            out["actions"] = self.actions.to_dict()
        if self.buckets is not None:
            out["buckets"] = self.buckets.to_dict()
        out["solver"] = _plain(dataclasses.asdict(self.solver))
        out["supervisor"] = _plain(self.supervisor)
        for key in ("seed", "batch_size", "description"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


def _plain(value: Any) -> Any:
    """Tuples -> lists, mappings -> dicts, recursively (JSON/YAML friendly)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def config_hash(config: Config) -> str:
    """SHA-256 (hex) of the canonical JSON of ``config.to_dict()``; the source path does not count."""
    text = json.dumps(config.to_dict(), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _solver_params_type() -> type:
    from holdem.mccfr.params import MCCFRParams

    return MCCFRParams


def config_from_dict(raw: Any, where: str = "config") -> Config:
    """Validate a parsed mapping (e.g. a manifest's ``config``); ``where`` prefixes messages."""
    where_root = f"{where}: "
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a mapping with sections {', '.join(TOP_LEVEL_KEYS)}, got {_show(raw)}")
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            _unknown_key(where_root, key, TOP_LEVEL_KEYS)
    if "game" not in raw:
        raise ConfigError(
            f"{where}: game: missing; e.g. "
            "game: {kind: holdem, players: 2, stacks: 200, small_blind: 1, big_blind: 2}"
        )
    game_raw = raw["game"]
    if not isinstance(game_raw, Mapping):
        raise ConfigError(
            f"{where}: game: expected a mapping with kind: {' | '.join(GAME_KINDS)}, got {_show(game_raw)}"
        )
    kind = game_raw.get("kind")
    if kind not in GAME_KINDS:
        got = "nothing" if kind is None else _show(kind)
        raise ConfigError(f"{where}: game.kind: expected one of {', '.join(GAME_KINDS)}, got {got}")

    game = actions = buckets = None
    if kind == "holdem":
        game = _holdem_game(game_raw, f"{where}: game")
        if "actions" not in raw:
            raise ConfigError(
                f"{where}: actions: missing; Hold'em needs bet/raise sizes per street (see configs/hu_small.yaml)"
            )
        try:
            actions = ActionAbstraction.from_dict(raw["actions"])
        except ValueError as exc:
            raise ConfigError(f"{where}: actions{exc}") from None
        if "buckets" not in raw:
            raise ConfigError(f"{where}: buckets: missing; give preset: small|mid|large or file: PATH")
        buckets = _buckets(raw["buckets"], f"{where}: buckets")
    else:
        for key in game_raw:
            if key != "kind":
                raise ConfigError(
                    f"{where}: game.{key}: not a setting of {kind}; a {kind} game section is just kind: {kind}"
                )
        for key in ("actions", "buckets"):
            if key in raw:
                raise ConfigError(
                    f"{where}: {key}: only Hold'em configs have this section (game.kind is {kind}); remove it"
                )

    solver: Any = validate_section(raw.get("solver"), _solver_params_type(), f"{where}: solver")
    supervisor = raw.get("supervisor")
    if supervisor is None:
        supervisor = {}
    if not isinstance(supervisor, Mapping):
        raise ConfigError(f"{where}: supervisor: expected a mapping of settings, got {_show(supervisor)}")
    seed = _optional_int(raw, "seed", 0, where)
    batch_size = _optional_int(raw, "batch_size", 1, where)
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        raise ConfigError(f"{where}: description: expected a string, got {_show(description)}")
    return Config(kind, game, actions, buckets, solver, dict(supervisor), seed, batch_size, description)


def _optional_int(raw: Mapping[str, Any], key: str, minimum: int, where: str) -> int | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}: {key}: expected an integer >= {minimum}, got {_show(value)}")
    return value


def _holdem_game(raw: Mapping[str, Any], where: str) -> Any:
    from holdem.game.config import GameConfig

    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in HOLDEM_GAME_KEYS:
            _unknown_key(where, key, HOLDEM_GAME_KEYS)
        if key == "kind":
            continue
        path = _join(where, key)
        if key == "stacks" and isinstance(value, list):
            values[key] = tuple(_convert(int, v, _join(path, i), {"min": 1}) for i, v in enumerate(value))
        else:
            minimum = 0 if key == "ante" else 1
            values[key] = _convert(int, value, path, {"min": minimum})
    for key in HOLDEM_GAME_KEYS[1:5]:
        if key not in values:
            raise ConfigError(f"{_join(where, key)}: missing (required)")
    try:
        return GameConfig(**values)
    except ValueError as exc:
        raise ConfigError(_own_error(where, str(exc), list(HOLDEM_GAME_KEYS))) from None


def _buckets(raw: Any, where: str) -> BucketsConfig:
    buckets = validate_section(raw, BucketsConfig, where)
    if buckets.preset is not None:
        known = bucket_preset_counts()
        if buckets.preset not in known:
            raise ConfigError(
                f"{where}.preset: unknown preset {buckets.preset!r}; choose one of: {', '.join(known)} "
                "(or give file: PATH to a bucket file)"
            )
    return buckets


def bucket_preset_counts() -> dict[str, tuple[int, ...]]:
    """Buckets per street of every named card-abstraction preset."""
    from holdem.abstraction.presets import PRESETS

    return {name: tuple(p.buckets_per_street) for name, p in PRESETS.items()}


# --------------------------------------------------------------------------------------
# files


class _Loader(yaml.SafeLoader):
    """Safe YAML with duplicate keys refused and ``1e6``-style floats read as numbers (YAML 1.2)."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {seen[key] + 1})", key_node.start_mark
            )
        seen[key] = key_node.start_mark.line
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def preset_dirs() -> list[Path]:
    """Directories searched for preset names, in order."""
    dirs = []
    env = os.environ.get(CONFIG_DIR_ENV)
    if env:
        dirs.append(Path(env))
    package_root = Path(__file__).resolve().parent.parent  # the repository when installed editable
    dirs.append(package_root / PRESET_DIR_NAME)
    dirs.append(Path.cwd() / PRESET_DIR_NAME)
    unique: list[Path] = []
    for d in dirs:
        if d not in unique:
            unique.append(d)
    return unique


def preset_names() -> list[str]:
    names: set[str] = set()
    for d in preset_dirs():
        if d.is_dir():
            names.update(p.stem for p in d.iterdir() if p.suffix in CONFIG_SUFFIXES)
    return sorted(names)


def resolve_config_path(path: str | os.PathLike[str]) -> Path:
    """A file path as given, or the shipped preset file for a bare name (``hu_small``)."""
    p = Path(path).expanduser()
    if p.is_file():
        return p
    text = str(path)
    bare = os.sep not in text and "/" not in text
    if bare:
        stem = p.stem if p.suffix in CONFIG_SUFFIXES else p.name
        for d in preset_dirs():
            for suffix in CONFIG_SUFFIXES:
                candidate = d / (stem + suffix)
                if candidate.is_file():
                    return candidate
    names = preset_names()
    available = f"; presets: {', '.join(names)}" if names else ""
    if p.exists():
        raise ConfigError(f"{text}: not a file; give a YAML config file or a preset name{available}")
    raise ConfigError(f"{text}: no such config file or preset{available}")


def load_config(path: str | os.PathLike[str]) -> Config:
    """Load and validate a YAML config file or a preset name; raises ConfigError."""
    resolved = resolve_config_path(path)
    where = str(path) if str(path) == str(resolved) else str(resolved)
    try:
        text = resolved.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: cannot read: {exc}") from None
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"{where}:{line} not valid YAML: {problem}") from None
    if raw is None:
        raise ConfigError(f"{where}: the file is empty; it needs at least a game section")
    config = config_from_dict(raw, where)
    # absolute, so relative bucket paths resolve the same after a chdir
    return dataclasses.replace(config, source=str(resolved.resolve()))


def exit_on_config_error(func: Callable[..., int | None]) -> Callable[..., int | None]:
    """Decorator for CLI ``main`` functions: a ConfigError is printed (no traceback), exit status 2."""

    def wrapper(*args: Any, **kwargs: Any) -> int | None:
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise SystemExit(EXIT_CONFIG_ERROR) from None

    wrapper.__name__ = getattr(func, "__name__", "main")
    wrapper.__doc__ = func.__doc__
    wrapper.__wrapped__ = func  # type: ignore[attr-defined]
    return wrapper
