"""Finding things by name: one lookup, one error type, translated by each caller; one set of
number checks for optimizers and schedules."""

from __future__ import annotations

import math

import pytest

import nanograd as ng
from nanograd.lookup import UnknownName, find
from nanograd.optim import checks, lr_scheduler
from nanograd.run.components import make_schedule
from nanograd.run.config import runner_defaults
from nanograd.run.errors import ConfigError
from nanograd.testing import resolve


def test_find_returns_the_entry_of_that_name() -> None:
    assert find({"mse": 1, "bce": 2}, "bce", "loss") == 2


def test_an_entry_whose_value_is_none_is_found() -> None:
    assert find({"hidden": None}, "hidden", "config key") is None


def test_an_unknown_name_is_a_lookup_error_with_the_closest_names() -> None:
    with pytest.raises(
        UnknownName, match=r"^no loss named 'msee' is registered; did you mean 'mse'\?$"
    ):
        find({"mse": 1, "bce": 2}, "msee", "loss")
    assert issubclass(UnknownName, LookupError)


def test_the_error_keeps_what_a_caller_needs_to_word_its_own() -> None:
    with pytest.raises(UnknownName) as info:
        find({"b": 1, "a": 2}, "zzz", "thing", registered=False)
    assert (info.value.kind, info.value.name, info.value.choices) == ("thing", "zzz", ["a", "b"])
    assert str(info.value) == "unknown thing 'zzz'"


def test_a_suffix_that_is_a_sentence_follows_a_full_stop_when_nothing_is_close() -> None:
    with pytest.raises(UnknownName, match=r"^unknown thing 'zzz'\. Valid: a$"):
        find({"a": 1}, "zzz", "thing", registered=False, suffix=" Valid: a")


def test_fold_case_accepts_another_case_and_suggests_in_lower_case() -> None:
    assert find({"adam": 1}, "ADAM", "optimizer", fold_case=True) == 1
    with pytest.raises(UnknownName, match="did you mean 'adam'"):
        find({"adam": 1}, "ADMA", "optimizer", fold_case=True)


@pytest.mark.parametrize(
    ("lookup", "error"),
    [
        (lambda: ng.ops.exq, AttributeError),
        (lambda: ng.losses.get("msee"), ValueError),
        (lambda: ng.optim.get("adma"), ValueError),
        (lambda: ng.optim.Adma, AttributeError),
        (
            lambda: lr_scheduler.create(
                "cosin", ng.optim.SGD([ng.tensor([1.0], requires_grad=True)], lr=0.1)
            ),
            ValueError,
        ),
        (lambda: ng.nn.MLP(2, [4], 1, activation="rellu"), ValueError),
        (lambda: resolve("mull"), UnknownName),
    ],
    ids=["ng.ops", "losses.get", "optim.get", "optim class", "schedule", "activation", "suite"],
)
def test_each_caller_raises_the_error_its_interface_promises_with_a_suggestion(
    lookup: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="did you mean") as info:
        lookup()  # type: ignore[operator]
    assert type(info.value) is error


def test_the_runner_and_the_factory_word_an_unknown_schedule_alike() -> None:
    sgd = ng.optim.SGD([ng.tensor([1.0], requires_grad=True)], lr=0.1)
    config = {**runner_defaults(), "schedule": "cosin"}
    with pytest.raises(ConfigError) as from_runner:
        make_schedule(sgd, config, "min", "exp.py")
    with pytest.raises(ValueError) as from_factory:
        lr_scheduler.create("cosin", sgd)
    assert str(from_factory.value) in str(from_runner.value)


# -- number checks --------------------------------------------------------------------------------


def test_optimizers_and_schedules_agree_that_an_infinite_rate_is_refused() -> None:
    params = [ng.tensor([1.0], requires_grad=True)]
    with pytest.raises(ValueError, match="SGD: lr must be a finite number >= 0, got inf"):
        ng.optim.SGD(params, lr=math.inf)
    sgd = ng.optim.SGD(params, lr=0.1)
    with pytest.raises(ValueError, match="ExponentialLR: gamma must be a finite number >= 0"):
        lr_scheduler.ExponentialLR(sgd, gamma=math.inf)
    with pytest.raises(ValueError, match="CosineAnnealingLR: eta_min must be a finite number"):
        lr_scheduler.CosineAnnealingLR(sgd, T_max=3, eta_min=math.inf)


@pytest.mark.parametrize("value", [True, 1.5, "3", 0])
def test_integer_refuses_bools_floats_strings_and_values_below_the_bound(value: object) -> None:
    with pytest.raises(
        ValueError, match=rf"StepLR: step_size must be an integer >= 1, got {value!r}"
    ):
        checks.integer("StepLR", "step_size", value)


def test_integer_accepts_a_whole_number_at_the_bound() -> None:
    assert checks.integer("x", "patience", 0, low=0) == 0
