"""The experiment's local helper modules: the files beside it that it imports.

``digits_cnn.py`` imports ``digits.py`` from its own folder. A sweep's jobs carry these files
to workers that have nanograd and the plugins installed but not the experiment's folder; a run
folder keeps a copy of those the experiment imports (``modules/``), so ``--resume`` rebuilds the
run as it began from any working directory, even after the originals were edited or removed.
Installed code that happens to live below the experiment's folder (nanograd itself, plugins, a
virtual environment) is never taken.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import nanograd
from nanograd import plugins
from nanograd.run.experiment import Experiment

_INSTALLED = ("site-packages", "dist-packages")


class _Local:
    """Which files count as the experiment's local modules."""

    def __init__(self, experiment: Experiment) -> None:
        self.own = experiment.path.resolve()
        self.root = self.own.parent
        self.skip = [Path(nanograd.__file__).resolve().parent]  # nanograd, and plugin files
        for info in plugins.plugins():
            module = sys.modules.get(info.module.split(":")[0])
            file = getattr(module, "__file__", None)
            if file:
                path = Path(file).resolve()
                self.skip.append(path.parent if path.name == "__init__.py" else path)

    def path(self, file: object) -> Path | None:
        """``file`` resolved, if it is a local module's source file."""
        if not isinstance(file, str) or not file.endswith(".py"):
            return None
        path = Path(file).resolve()
        if path == self.own or self.root not in path.parents or not path.is_file():
            return None
        if any(part in _INSTALLED for part in path.parts):
            return None
        if any(place == path or place in path.parents for place in self.skip):
            return None
        return path

    def sources(self, paths: set[Path]) -> dict[str, bytes]:
        return {p.relative_to(self.root).as_posix(): p.read_bytes() for p in sorted(paths)}


def local_modules(experiment: Experiment) -> dict[str, bytes]:
    """Path relative to the experiment's folder -> source, for each helper module a job may
    need: every ``.py`` file next to the experiment (a job may import one lazily) and every
    module imported from below its folder."""
    local = _Local(experiment)
    candidates: list[object] = [str(p) for p in local.root.glob("*.py")]
    candidates += [getattr(m, "__file__", None) for m in list(sys.modules.values())]
    return local.sources({p for p in map(local.path, candidates) if p is not None})


def imported_modules(experiment: Experiment) -> dict[str, bytes]:
    """Path relative to the experiment's folder -> source, for each local module the
    experiment imports (``import digits``, ``from digits import data``), and those they
    import in turn: found from the modules' namespaces, not from what this process happens
    to have imported before."""
    local = _Local(experiment)
    found: set[Path] = set()
    todo = [experiment.module]
    while todo:
        namespace = vars(todo.pop())
        for value in list(namespace.values()):
            module = value if isinstance(value, ModuleType) else _home(value)
            path = local.path(getattr(module, "__file__", None))
            if module is not None and path is not None and path not in found:
                found.add(path)
                todo.append(module)
    return local.sources(found)


def _home(value: object) -> ModuleType | None:
    """The module a function or class was defined in."""
    try:
        name = getattr(value, "__module__", None)
    except Exception:  # an object whose attribute lookup itself fails
        return None
    return sys.modules.get(name) if isinstance(name, str) else None
