import pytest

from holdem.config import ConfigError, config_from_dict
from holdem.mccfr.params import MCCFRParams


def test_defaults_are_valid_and_round_trip():
    p = MCCFRParams()
    assert MCCFRParams.from_dict(p.to_dict()) == p


@pytest.mark.parametrize(
    "field,value",
    [
        ("discount_interval", 0),
        ("prune_probability", 1.5),
        ("prune_threshold", 5.0),
        ("average_streets", (0, 4)),
        ("average_streets", (1, 1)),
        ("strategy_interval", 0),
        ("linear_weighting", 1),
        ("prune_after", -1),
    ],
)
def test_bad_values_name_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        MCCFRParams(**{field: value})


def test_floor_must_be_below_threshold():
    with pytest.raises(ValueError, match="regret_floor"):
        MCCFRParams(prune_threshold=-10.0, regret_floor=-5.0)


def test_from_dict_rejects_unknown_keys():
    with pytest.raises(ValueError, match="prune_prob"):
        MCCFRParams.from_dict({"prune_prob": 0.5})


def test_config_loader_validates_the_solver_section():
    cfg = config_from_dict({"game": {"kind": "leduc"}, "solver": {"average_streets": [0, 1], "prune_probability": 0}})
    assert cfg.solver == MCCFRParams(average_streets=(0, 1), prune_probability=0.0)
    with pytest.raises(ConfigError, match="solver.prune_probability"):
        config_from_dict({"game": {"kind": "leduc"}, "solver": {"prune_probability": "abc"}})
