"""The source a sweep's jobs carry besides the experiment: its local helper modules.

A worker on another machine has nanograd and the plugins installed, but not the files beside the
experiment (``digits_cnn.py`` imports ``digits.py``). The jobs carry the ``.py`` files beside the
experiment and every module the experiment imported from below its folder, except installed
code that happens to live there (nanograd itself, plugins, a virtual environment).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nanograd
from nanograd import plugins
from nanograd.run.experiment import Experiment

_INSTALLED = ("site-packages", "dist-packages")


def local_modules(experiment: Experiment) -> dict[str, bytes]:
    """Path relative to the experiment's folder -> source, for each helper module."""
    own = experiment.path.resolve()
    root = own.parent
    skip = [Path(nanograd.__file__).resolve().parent]  # installed packages, and plugin files
    for info in plugins.plugins():
        module = sys.modules.get(info.module.split(":")[0])
        file = getattr(module, "__file__", None)
        if file:
            path = Path(file).resolve()
            skip.append(path.parent if path.name == "__init__.py" else path)
    candidates = set(root.glob("*.py"))
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and file.endswith(".py"):
            candidates.add(Path(file))
    found: dict[str, bytes] = {}
    for candidate in sorted(candidates):
        path = candidate.resolve()
        if path == own or root not in path.parents or not path.is_file():
            continue
        if any(part in _INSTALLED for part in path.parts):
            continue
        if any(place == path or place in path.parents for place in skip):
            continue
        found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found
