"""Shared test configuration: Hypothesis profiles and a way to swap the loaded plugins.

Profiles: ``dev`` (the default) is quick, 20 examples per property, with the local example
database so a failure found once is replayed first next time. ``ci`` (``HYPOTHESIS_PROFILE=ci``)
is thorough, 100 examples, derandomized so every CI run draws the same examples and a red
build reproduces exactly, with no database and the reproduction blob printed on failure.
Gradient checks never have a deadline (a full Jacobian takes what it takes).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from nanograd import plugins
from nanograd.registry import Registry

pytest_plugins = ["pytester"]

settings.register_profile("dev", max_examples=20, deadline=None)
settings.register_profile(
    "ci", max_examples=100, deadline=None, derandomize=True, database=None, print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# The fake plugins in tests/fake_plugins load by module name, whatever pytest's import mode.
TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture
def fresh_plugins() -> Iterator[Callable[..., Registry]]:
    """``fresh_plugins("fake_plugins.x", ...)`` loads the installed plugins plus those modules
    into a fresh plugin state; afterwards the normal state is loaded again."""

    def load(*modules: str) -> Registry:
        plugins.reset()
        return plugins.load(list(modules))

    yield load
    plugins.reset()
    plugins.load()
