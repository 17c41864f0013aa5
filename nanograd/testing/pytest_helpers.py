"""Ready-made pytest tests for a plugin's own test suite: one test per op or loss.

    # tests/test_gradients.py of a plugin distribution
    from nanograd.testing import loss_tests, op_tests

    test_op = op_tests(plugin="nanograd_conv")
    test_loss = loss_tests(plugin="nanograd_conv")

The names are read from the registry when pytest collects the file, so a new op is tested as
soon as it is registered. pytest is imported here only, when a helper is called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from nanograd.testing.runner import check_loss, check_op, registered_losses, registered_ops

__all__ = ["loss_tests", "op_tests"]


def _parametrized(
    kind: str,
    names: Sequence[str],
    check: Callable[..., None],
    plugin: str | None,
    max_examples: int | None,
    modules: Sequence[str],
) -> Callable[[str], None]:
    import pytest

    if not names:
        where = f"plugin {plugin!r}" if plugin else "the loaded plugins"
        raise LookupError(
            f"{where} registered no {kind}s to test; is the plugin installed (or named in "
            "modules=[...])? `python -m nanograd.plugins` lists what is loaded"
        )

    @pytest.mark.parametrize("name", list(names))
    def test(name: str) -> None:
        check(name, max_examples=max_examples, modules=modules)

    test.__doc__ = f"The {kind}'s gradients pass nanograd's property checks."
    return test


def op_tests(
    *names: str,
    plugin: str | None = None,
    max_examples: int | None = None,
    modules: Sequence[str] = (),
) -> Any:
    """A pytest test parametrized over ``names``, or over every op ``plugin`` registered
    (every loaded op when neither is given). Assign it to a ``test_`` name in a test module."""
    selected = names or registered_ops(plugin, modules)
    return _parametrized("op", selected, check_op, plugin, max_examples, modules)


def loss_tests(
    *names: str,
    plugin: str | None = None,
    max_examples: int | None = None,
    modules: Sequence[str] = (),
) -> Any:
    """As :func:`op_tests`, for losses."""
    selected = names or registered_losses(plugin, modules)
    return _parametrized("loss", selected, check_loss, plugin, max_examples, modules)
