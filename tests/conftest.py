"""Shared test configuration: Hypothesis profiles and a fresh plugin state for a test.

Profiles: ``dev`` (the default) is quick, 20 examples per property, with the local example
database so a failure found once is replayed first next time. ``ci`` (``HYPOTHESIS_PROFILE=ci``)
is thorough, 100 examples, derandomized so every CI run draws the same examples and a red
build reproduces exactly, with no database and the reproduction blob printed on failure.
Gradient checks never have a deadline (a full Jacobian takes what it takes).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


class Needs:
    """``needs(what, available, install)``: a test's real outside part (a browser, a Dask
    cluster) is there, or the test cannot run. On a developer's machine it is skipped with the
    install command as the reason; in CI, where .ci/run installs everything, it fails."""

    def __call__(self, what: str, available: bool, install: str) -> None:
        if available:
            return
        message = f"needs {what}, which is not installed here ({install})"
        if os.environ.get("CI") or os.environ.get("HYPOTHESIS_PROFILE") == "ci":
            pytest.fail(f"CI {message}")
        pytest.skip(message)

    def module(self, name: str, install: str) -> Any:
        """The module ``name``, imported, when it is installed."""
        try:
            return importlib.import_module(name)
        except ImportError:
            self(f"the Python module {name}", False, install)
            raise


@pytest.fixture(scope="session")
def needs() -> Needs:
    return Needs()


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
