"""Shared test configuration: Hypothesis profiles and a fresh plugin state for a test.

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

# The plugins in tests/plugin_fixtures load by module name, whatever pytest's import mode.
TESTS = Path(__file__).resolve().parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@pytest.fixture
def fresh_plugins(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Registry]]:
    """No plugin loaded and no plugin environment variable set, for the length of the test.

    The fixture's value, ``fresh_plugins("plugin_fixtures.x", ...)``, loads the installed
    plugins plus those modules. Afterwards the state is reset again, so the next use in any test
    loads the usual plugins afresh under the process's own environment (which ``monkeypatch``
    restores).
    """
    monkeypatch.delenv(plugins.MODULES_ENV, raising=False)
    monkeypatch.delenv(plugins.LOAD_ENV, raising=False)
    plugins.reset()

    def load(*modules: str) -> Registry:
        plugins.reset()
        return plugins.load(list(modules))

    yield load
    plugins.reset()
