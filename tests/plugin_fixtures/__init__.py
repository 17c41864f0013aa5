"""Small plugin modules the tests load by name (``plugin_fixtures.<name>``), one behaviour each.

For the loader and the registry: ``square`` is a valid plugin, and each of ``fails_to_import``,
``raises_in_hook``, ``missing_gradient``, ``misspelled_hook``, ``wrong_hook_argument``,
``redefines_add`` and ``square_again`` fails in its own way, and ``undecorated_hook`` loads with
a warning. For the property suite: ``good``
registers a correct op and loss, and the others an op or loss that is wrong on purpose (a
gradient off by a factor, wrong only where inputs broadcast, wrong only at second order, not
linear in the upstream gradient, writing into its input, float32 made float64, a detached factor
in a loss, a domain with nothing to differentiate). The bugs the suite must catch under every
seed: ``wrong_axis`` (right only for axis None and 0), ``wrong_keepdims`` (right only with
keepdims=True), ``slightly_off`` (1e-4 off, relatively), ``ignores_upstream`` and
``detached_factor`` (wrong at second order only); ``raising_vjp`` has vjps that raise, and
``recording`` notes the inputs a run drew.

Tests load them with the ``fresh_plugins`` fixture of ``tests/conftest.py``, with ``-p`` on a
command line, or in ``NANOGRAD_PLUGINS`` in a child process (see :func:`subprocess_env`). The
module's name is the plugin's name, so a reported failure names it.
"""

from __future__ import annotations

import os
from pathlib import Path

from nanograd import plugins

TESTS_DIR = Path(__file__).resolve().parent.parent


def subprocess_env(**variables: str) -> dict[str, str]:
    """The environment for a child Python that can import ``plugin_fixtures``, with no plugin
    variable inherited from this process, and ``variables`` set."""
    env = {k: v for k, v in os.environ.items() if k not in (plugins.MODULES_ENV, plugins.LOAD_ENV)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(TESTS_DIR), env.get("PYTHONPATH")]))
    env.update(variables)
    return env
