"""Config loader: shipped presets, validation messages, the generic section validator, hashing."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from holdem.abstraction.actions import BetSize
from holdem.config import (
    EXIT_CONFIG_ERROR,
    Config,
    ConfigError,
    config_from_dict,
    config_hash,
    exit_on_config_error,
    load_config,
    preset_names,
    validate_section,
)
from holdem.game.config import GameConfig
from holdem.mccfr.params import MCCFRParams

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ["hu_small", "hu_mid", "hu_fcpa", "6max_mid"]

HOLDEM_OK = """
game: {kind: holdem, players: 3, stacks: [100, 200, 300], small_blind: 1, big_blind: 2, ante: 1}
actions:
  default: {bet: [0.5, pot], raise: [pot], allin: true, max_raises: 2}
  preflop: {bet: [2.5bb]}
buckets: {preset: small}
solver: {prune_probability: 0.5, average_streets: [0]}
supervisor: {heartbeat_interval: 0.5}
seed: 7
batch_size: 100
"""


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_configs_load_by_name_and_path(name, tmp_path, monkeypatch):
    by_path = load_config(REPO / "configs" / f"{name}.yaml")
    monkeypatch.chdir(tmp_path)  # bare names resolve next to the package, not the cwd
    by_name = load_config(name)
    assert by_name == by_path
    assert by_name.kind == "holdem" and isinstance(by_name.game, GameConfig)
    assert by_name.actions is not None and by_name.buckets is not None
    assert name in preset_names()
    assert by_name.name == name


def test_benchmark_abstraction_is_expressible():
    c = load_config("hu_fcpa")
    assert c.game.players == 2 and c.game.stacks == (200 * c.game.big_blind,) * 2
    for street in c.actions.streets:
        assert street.bet == street.raises == (BetSize(1.0),) and street.allin


def test_full_holdem_config(tmp_path):
    c = load_config(write(tmp_path, HOLDEM_OK))
    assert c.game == GameConfig(3, (100, 200, 300), 1, 2, 1)
    assert c.actions.streets[0].bet == (BetSize(2.5, "bb"),)
    assert c.actions.streets[1].bet == (BetSize(0.5), BetSize(1.0))
    assert c.solver == MCCFRParams(prune_probability=0.5, average_streets=(0,))
    assert c.supervisor == {"heartbeat_interval": 0.5}
    assert (c.seed, c.batch_size) == (7, 100)


def test_small_games_need_only_kind(tmp_path):
    c = load_config(write(tmp_path, "game: {kind: leduc}\n"))
    assert c.kind == "leduc" and c.game is None and c.actions is None and c.solver == MCCFRParams()


def test_yaml_exponent_floats_are_numbers(tmp_path):
    c = load_config(write(tmp_path, "game: {kind: kuhn}\nsolver: {prune_threshold: -3e8, regret_floor: -3.1e8}\n"))
    assert c.solver.prune_threshold == -3e8 and c.solver.regret_floor == -3.1e8


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "game: {kind: kuhn}\nsolver: {prune_probability: 1.5}\n",
            "solver.prune_probability: expected a number in [0, 1], got 1.5",
        ),
        ("game: {kind: kuhn}\nsolver: {prune_probability: abc}\n", "solver.prune_probability: expected a number"),
        (
            "game: {kind: kuhn}\nsolver: {prune_probabilty: 0.5}\n",
            "solver.prune_probabilty: unknown key (did you mean 'prune_probability'?)",
        ),
        (
            "game: {kind: kuhn}\nsolver: {average_streets: [0, x]}\n",
            "solver.average_streets[1]: expected an integer, got 'x'",
        ),
        (
            "game: {kind: kuhn}\nsolver: {discount_interval: 2.5}\n",
            "solver.discount_interval: expected an integer, got 2.5",
        ),
        ("game: {kind: kuhn}\nsolver: [1]\n", "solver: expected a mapping of settings"),
        ("game: {kind: kuhn}\ngame: {kind: leduc}\n", "line 2: not valid YAML: duplicate key 'game'"),
        ("game: [\n", "not valid YAML"),
        ("", "the file is empty"),
        ("seed: 1\n", "game: missing"),
        ("game: {kind: poker}\n", "game.kind: expected one of holdem, kuhn, leduc, got 'poker'"),
        ("game: {kind: kuhn, players: 2}\n", "game.players: not a setting of kuhn"),
        ("game: {kind: kuhn}\nactions: {}\n", "actions: only Hold'em configs"),
        ("game: {kind: kuhn}\nseed: -1\n", "seed: expected an integer >= 0, got -1"),
        ("game: {kind: kuhn}\nbatch_size: 0\n", "batch_size: expected an integer >= 1, got 0"),
        ("game: {kind: kuhn}\nseeds: 1\n", "seeds: unknown key (did you mean 'seed'?)"),
        ("game: {kind: kuhn}\nsupervisor: 3\n", "supervisor: expected a mapping"),
        (HOLDEM_OK.replace("players: 3", "players: 7"), "game.players: must be 2..6, got 7"),
        (HOLDEM_OK.replace("[100, 200, 300]", "[100, 0, 300]"), "game.stacks[1]: expected an integer >= 1, got 0"),
        (HOLDEM_OK.replace("[100, 200, 300]", "[100, 200]"), "game.stacks: lists 2 entries but players is 3"),
        (HOLDEM_OK.replace("small_blind: 1", "small_blind: 3"), "game.small_blind: must be 1..big_blind (2), got 3"),
        (HOLDEM_OK.replace("big_blind: 2", "big_blind: two"), "game.big_blind: expected an integer >= 1, got 'two'"),
        (HOLDEM_OK.replace("ante: 1", "antes: 1"), "game.antes: unknown key (did you mean 'ante'?)"),
        (HOLDEM_OK.replace("small_blind: 1, ", ""), "game.small_blind: missing"),
        (HOLDEM_OK.replace("[2.5bb]", "[2.5x]"), "actions.preflop.bet[0]: expected a pot fraction"),
        (HOLDEM_OK.replace("max_raises: 2", "max_raises: -2"), "actions.preflop.max_raises: expected an integer >= 0"),
        (HOLDEM_OK.replace("  default:", "  defaults:"), "actions.defaults: unknown key"),
        (
            HOLDEM_OK.replace("{preset: small}", "{preset: huge}"),
            "buckets.preset: unknown preset 'huge'; choose one of: ",
        ),
        (HOLDEM_OK.replace("{preset: small}", "{preset: small, file: b.npz}"), "buckets: give exactly one of preset"),
        (HOLDEM_OK.replace("{preset: small}", "{presets: small}"), "buckets.presets: unknown key"),
        (HOLDEM_OK.replace("buckets: {preset: small}\n", ""), "buckets: missing"),
    ],
)
def test_errors_name_file_and_key(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    text = str(info.value)
    assert text.startswith(str(path) + ":"), text
    assert message in text, text


def test_missing_file_lists_presets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"no_such_thing: no such config file or preset; presets: .*hu_small"):
        load_config("no_such_thing")
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.yaml")


def test_hash_ignores_source_and_tracks_content(tmp_path):
    a = load_config(write(tmp_path, HOLDEM_OK, "a.yaml"))
    b = load_config(write(tmp_path, "# a comment\n" + HOLDEM_OK, "b.yaml"))
    c = load_config(write(tmp_path, HOLDEM_OK.replace("seed: 7", "seed: 8"), "c.yaml"))
    assert config_hash(a) == config_hash(b) != config_hash(c)
    assert len(config_hash(a)) == 64


def test_to_dict_is_json_and_loads_back(tmp_path):
    for config in [load_config(write(tmp_path, HOLDEM_OK))] + [load_config(n) for n in SHIPPED]:
        data = json.loads(json.dumps(config.to_dict()))
        again = config_from_dict(data, "manifest")
        assert again == config and config_hash(again) == config_hash(config)


def test_buckets_file_is_relative_to_the_config(tmp_path):
    sub = tmp_path / "cfg"
    sub.mkdir()
    path = write(sub, HOLDEM_OK.replace("{preset: small}", "{file: ../tables/b.npz}"))
    c = load_config(path)
    assert c.buckets_file() == sub.resolve() / "../tables/b.npz"
    assert c.buckets.file == "../tables/b.npz"  # stored as written: hashes do not depend on the machine
    assert load_config(write(tmp_path, HOLDEM_OK)).buckets_file() is None


def test_cli_wrapper_prints_and_exits_2(tmp_path, capsys):
    path = write(tmp_path, "game: {kind: poker}\n")

    @exit_on_config_error
    def main():
        load_config(path)

    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == EXIT_CONFIG_ERROR
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: game.kind") and "Traceback" not in err


# ---------------------------------------------------------------- validate_section


@dataclass(frozen=True)
class Inner:
    depth: int = 1


@dataclass(frozen=True)
class StandIn:
    """Every field kind validate_section handles, plus the dataclass's own check."""

    interval: float = field(default=1.0, metadata={"min": 0.01, "max": 60})
    retries: int = field(default=5, metadata={"min": 0})
    name: str = "x"
    verbose: bool = False
    streets: tuple[int, ...] = (0,)
    pair: tuple[int, float] = (1, 2.0)
    limit: int | None = None
    mode: Literal["fast", "safe"] = "safe"
    inner: Inner = Inner()
    required: int = field(default=0)

    def __post_init__(self) -> None:
        if self.retries > 100:
            raise ValueError(f"retries: at most 100, got {self.retries}")
        if self.interval * self.retries > 1000:
            raise ValueError("interval times retries must stay under 1000 s")


@dataclass(frozen=True)
class NeedsValue:
    value: int


def test_validate_section_converts_every_kind():
    got = validate_section(
        {"interval": 2, "retries": 3.0, "name": "n", "verbose": True, "streets": [0, 3], "pair": [4, 5],
         "limit": None, "mode": "fast", "inner": {"depth": 9}},
        StandIn,
        "f.yaml: supervisor",
    )
    assert got == StandIn(2.0, 3, "n", True, (0, 3), (4, 5.0), None, "fast", Inner(9))
    assert isinstance(got.interval, float) and isinstance(got.streets, tuple)
    assert validate_section(None, StandIn, "w") == StandIn()


@pytest.mark.parametrize(
    "raw, message",
    [
        ({"interval": "abc"}, "f.yaml: supervisor.interval: expected a number in [0.01, 60], got 'abc'"),
        ({"interval": 0}, "f.yaml: supervisor.interval: expected a number in [0.01, 60], got 0"),
        ({"retries": -1}, "f.yaml: supervisor.retries: expected an integer >= 0, got -1"),
        ({"retries": True}, "f.yaml: supervisor.retries: expected an integer >= 0, got True"),
        ({"retries": 101}, "f.yaml: supervisor.retries: at most 100, got 101"),
        ({"interval": 50, "retries": 50}, "f.yaml: supervisor: interval times retries must stay under 1000 s"),
        ({"verbose": "yes"}, "f.yaml: supervisor.verbose: expected true or false, got 'yes'"),
        ({"name": 3}, "f.yaml: supervisor.name: expected a string, got 3"),
        ({"streets": 3}, "f.yaml: supervisor.streets: expected a list of integers, got 3"),
        ({"streets": [1, "a"]}, "f.yaml: supervisor.streets[1]: expected an integer, got 'a'"),
        ({"pair": [1]}, "f.yaml: supervisor.pair: expected a list of 2 items, got 1"),
        ({"limit": "x"}, "f.yaml: supervisor.limit: expected an integer or null, got 'x'"),
        ({"mode": "slow"}, "f.yaml: supervisor.mode: expected one of 'fast', 'safe', got 'slow'"),
        (
            {"inner": {"depht": 1}},
            "f.yaml: supervisor.inner.depht: unknown key (did you mean 'depth'?); expected one of: depth",
        ),
        ({"intervall": 1}, "f.yaml: supervisor.intervall: unknown key (did you mean 'interval'?); "
         "expected one of: interval, retries, name, verbose, streets, pair, limit, mode, inner, required"),
        ([1, 2], "f.yaml: supervisor: expected a mapping of settings, got [1, 2]"),
    ],
)
def test_validate_section_errors(raw, message):
    with pytest.raises(ConfigError) as info:
        validate_section(raw, StandIn, "f.yaml: supervisor")
    assert str(info.value) == message


def test_validate_section_required_fields_and_non_dataclass():
    with pytest.raises(ConfigError, match=r"^w.value: missing \(required\)$"):
        validate_section({}, NeedsValue, "w")
    with pytest.raises(TypeError):
        validate_section({}, dict, "w")


def test_config_is_frozen():
    c = load_config("hu_small")
    assert isinstance(c, Config)
    with pytest.raises(AttributeError):
        c.seed = 3  # type: ignore[misc]
