"""The ops the engine itself calls are declared, and checked when plugins load."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import nanograd as ng
from nanograd import plugins
from nanograd.registry import ENGINE_OPS, EngineOpsWarning, PluginError, Registry

LoadPlugins = Callable[..., Registry]


@pytest.fixture
def without_entry_points(
    monkeypatch: pytest.MonkeyPatch, fresh_plugins: LoadPlugins
) -> LoadPlugins:
    monkeypatch.setenv(plugins.LOAD_ENV, "")
    return fresh_plugins


def test_the_engine_declares_the_ops_its_backward_walk_and_shape_helpers_call() -> None:
    assert {"add", "sum", "reshape", "astype", "transpose"} <= set(ENGINE_OPS)


def test_the_standard_plugin_registers_every_engine_op() -> None:
    assert plugins.registry().missing_engine_ops() == []


def test_loading_plugins_without_the_engine_ops_warns_naming_each(
    without_entry_points: LoadPlugins,
) -> None:
    with pytest.warns(EngineOpsWarning) as caught:
        without_entry_points("plugin_fixtures.only_mul")
    message = str(caught[0].message)
    for name in ("'add'", "'sum'", "'reshape'", "'astype'", "'transpose'"):
        assert name in message
    assert "undoing broadcasting in backward()" in message


def test_a_broadcasting_backward_without_sum_names_the_missing_op(
    without_entry_points: LoadPlugins,
) -> None:
    with pytest.warns(EngineOpsWarning):
        without_entry_points("plugin_fixtures.only_mul")
    x = ng.tensor(np.ones((2, 3)), requires_grad=True)
    b = ng.tensor(np.ones(3), requires_grad=True)
    y = x * b
    with pytest.raises(NotImplementedError, match="needs an op named 'sum'") as info:
        y.backward(np.ones((2, 3)))
    assert "undoing broadcasting" in str(info.value)
    assert "has no attribute" not in str(info.value)


def test_a_shape_helper_without_its_op_names_it(without_entry_points: LoadPlugins) -> None:
    with pytest.warns(EngineOpsWarning):
        without_entry_points("plugin_fixtures.only_mul")
    with pytest.raises(
        NotImplementedError, match=r"Tensor\.transpose needs an op named 'transpose'"
    ):
        ng.tensor(np.ones((2, 3))).T  # noqa: B018


def test_an_engine_op_the_engine_cannot_call_is_refused_at_load(
    without_entry_points: LoadPlugins,
) -> None:
    with pytest.raises(PluginError, match=r"op 'sum': the engine calls sum\(x, axis\)") as info:
        without_entry_points("plugin_fixtures.sum_without_axis")
    assert "plugin_fixtures.sum_without_axis" in str(info.value)
