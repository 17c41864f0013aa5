"""Config overrides: safe literal parsing, did-you-mean for unknown keys, typed errors."""

from __future__ import annotations

import pytest

from nanograd.run.config import apply_overrides, check_config, parse_literal, parse_overrides
from nanograd.run.errors import ConfigError

EXPERIMENT = {"epochs": 50, "lr": 0.01, "hidden": [16, 16], "activation": "relu", "scale": None}


def resolved(**overrides):
    return apply_overrides(check_config(EXPERIMENT, "exp.py"), overrides)


def test_values_are_python_literals():
    assert parse_overrides(["lr=1e-3", "hidden=[8, 8]", "schedule=None", "shuffle=False"]) == {
        "lr": 0.001,
        "hidden": [8, 8],
        "schedule": None,
        "shuffle": False,
    }


def test_a_bare_word_is_a_string():
    assert parse_overrides(["optimizer=sgd"]) == {"optimizer": "sgd"}


def test_code_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    text = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    assert parse_literal(text) == text
    assert not marker.exists()


def test_an_item_without_equals_sign_is_an_error():
    with pytest.raises(ConfigError, match=r"'16\]' is not of the form key=value"):
        parse_overrides(["hidden=[16,", "16]"])


def test_a_key_given_twice_is_an_error():
    with pytest.raises(ConfigError, match="given twice"):
        parse_overrides(["lr=0.1", "lr=0.2"])


def test_experiment_defaults_override_the_runners():
    config = check_config(EXPERIMENT, "exp.py")
    assert config["epochs"] == 50
    assert config["optimizer"] == "adam"  # the runner's default, untouched


def test_an_unknown_key_suggests_the_closest():
    with pytest.raises(ConfigError, match=r"unknown config key 'hiden'; did you mean 'hidden'\?"):
        resolved(hiden=[4])


def test_an_unknown_key_far_from_any_says_how_to_list_them():
    with pytest.raises(ConfigError, match=r"unknown config key 'zzz' \(--print-config"):
        resolved(zzz=1)


def test_a_wrong_type_names_the_key_and_the_expected_type():
    with pytest.raises(ConfigError, match=r"'epochs' expects int, got float 2.5"):
        resolved(epochs=2.5)


def test_a_string_for_a_number_is_a_type_error():
    with pytest.raises(ConfigError, match=r"'lr' expects float, got str 'fast'"):
        resolved(lr="fast")


def test_an_experiment_key_takes_the_type_of_its_default():
    with pytest.raises(ConfigError, match=r"'hidden' expects list, got int 3"):
        resolved(hidden=3)


def test_an_int_is_accepted_for_a_float_and_becomes_one():
    value = resolved(lr=1)["lr"]
    assert value == 1.0
    assert isinstance(value, float)


def test_a_bool_is_not_accepted_for_a_number():
    with pytest.raises(ConfigError, match="expects int"):
        resolved(epochs=True)


def test_a_tuple_is_accepted_for_a_list():
    assert resolved(hidden=(4, 4))["hidden"] == [4, 4]


def test_a_key_whose_default_is_none_takes_any_value():
    assert resolved(scale=2.0)["scale"] == 2.0


def test_none_is_accepted_where_the_runner_allows_it():
    assert resolved(batch_size=None)["batch_size"] is None


def test_a_dotted_key_sets_one_entry_of_a_dict():
    config = resolved(**{"optimizer_options.momentum": 0.9})
    assert config["optimizer_options"] == {"momentum": 0.9}


def test_a_dotted_key_into_a_non_dict_is_an_error():
    with pytest.raises(ConfigError, match="'lr' is float, not a dict"):
        resolved(**{"lr.x": 1})


def test_out_of_range_values_are_errors():
    with pytest.raises(ConfigError, match="val_fraction must be in"):
        resolved(val_fraction=1.0)
    with pytest.raises(ConfigError, match="epochs must be positive"):
        resolved(epochs=0)


def test_values_that_cannot_go_into_config_json_are_errors():
    with pytest.raises(ConfigError, match="holds a set"):
        resolved(scale={1, 2})


def test_a_bad_experiment_default_names_the_file():
    with pytest.raises(ConfigError, match=r"exp.py: config key 'epochs' expects int"):
        check_config({"epochs": "ten"}, "exp.py")
