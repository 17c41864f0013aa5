"""The gradient property test for every registered loss, as for ops.

Losses are read from the registry at collection, so a loss is tested the moment a plugin
registers it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import find, given

from nanograd.domain import Case
from nanograd.registry import Registry
from nanograd.testing import cases, check_loss, registered_losses

LOSSES = registered_losses()


@pytest.mark.parametrize("name", LOSSES)
def test_loss_gradients_pass_the_property_checks(name: str) -> None:
    check_loss(name)


def test_the_standard_losses_are_discovered() -> None:
    assert {"mse", "cross_entropy"} <= set(registered_losses(plugin="nanograd_std"))


def test_a_plugin_loss_is_discovered_and_checked(
    fresh_plugins: Callable[..., Registry],
) -> None:
    fresh_plugins("plugin_fixtures.good")
    assert registered_losses(plugin="plugin_fixtures.good") == ["squared_error"]
    check_loss("squared_error", max_examples=10)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_each_reduction_is_drawn_for_a_loss_that_takes_one(
    fresh_plugins: Callable[..., Registry], reduction: str
) -> None:
    fresh_plugins("plugin_fixtures.good")
    case = find(cases("squared_error"), lambda c: c.params["reduction"] == reduction)
    assert case.params == {"reduction": reduction}


def test_a_loss_without_a_domain_gets_two_inputs_of_one_shape(
    fresh_plugins: Callable[..., Registry],
) -> None:
    fresh_plugins("plugin_fixtures.wrong_loss")

    @given(cases("half_detached_mse"))
    def two_inputs_of_one_shape(case: Case) -> None:
        assert len(case.inputs) == 2 and case.inputs[0].shape == case.inputs[1].shape

    two_inputs_of_one_shape()
