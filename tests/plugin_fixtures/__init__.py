"""Small plugin modules the loader and registry tests load by name (``plugin_fixtures.<name>``).

Each module is one plugin with one behaviour: a valid one (``square``) and one per way a plugin
can fail. Tests load them with ``nanograd.plugins.load(modules=[...])`` after
``nanograd.plugins.reset()``, or name them in ``NANOGRAD_PLUGINS`` in a subprocess.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nanograd import plugins

TESTS_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_plugins_loaded(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No plugin loaded and no plugin environment variable set; afterwards, back to normal.

    Teardown resets again, so the next use in any test loads the usual plugins afresh under the
    process's own environment (restored by ``monkeypatch`` after this fixture ends).
    """
    monkeypatch.delenv(plugins.MODULES_ENV, raising=False)
    monkeypatch.delenv(plugins.LOAD_ENV, raising=False)
    monkeypatch.syspath_prepend(str(TESTS_DIR))
    plugins.reset()
    yield
    plugins.reset()


def subprocess_env(**variables: str) -> dict[str, str]:
    """The environment for a child Python that can import ``plugin_fixtures``."""
    env = {k: v for k, v in os.environ.items() if k not in (plugins.MODULES_ENV, plugins.LOAD_ENV)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    env.update(variables)
    return env


PYTHON = sys.executable
