"""Importing a plugin the user names (``-p``, ``NANOGRAD_PLUGINS``): a module, or a file.

A module name is imported as Python imports it, from ``sys.path``; the path of a ``.py`` file is
imported as the module its name gives (``-p path/to/my_ops.py`` is module ``my_ops``), without
touching ``sys.path``. Every failure is a :class:`PluginError` saying which of the two a plugin
may be.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

from nanograd.registry import PluginError


def import_module(name: str, where: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        hint = ""
        if isinstance(exc, ModuleNotFoundError) and exc.name == name.split(".")[0]:
            hint = (
                ". Check the name, and that its directory is on PYTHONPATH or the plugin is "
                "installed; a plugin file can also be given by its path (-p path/to/my_ops.py)"
            )
        raise PluginError(
            f"plugin module {name!r}{where} could not be imported: {type(exc).__name__}: {exc}"
            f"{hint}"
        ) from exc


def is_path(name: str) -> bool:
    """Whether a plugin given by the user names a file rather than a module."""
    return name.endswith(".py") or "/" in name or os.sep in name


def import_file(given: str, where: str) -> tuple[str, ModuleType]:
    """Import a plugin given as the path of a ``.py`` file, as the module its stem names."""
    # Here, not at the top: a start-up without such a plugin skips them.
    import importlib.util
    from pathlib import Path

    path = Path(given)
    usage = "a plugin is a module name importable from PYTHONPATH, or the path of a .py file"
    if path.is_dir():
        raise PluginError(
            f"plugin {given!r}{where} is a directory; {usage} (a package: put the directory "
            "that holds it on PYTHONPATH and give its name)"
        )
    if not path.is_file():
        relative = "" if path.is_absolute() else f" (relative to {Path.cwd()})"
        raise PluginError(f"plugin file {given!r}{where} does not exist{relative}; {usage}")
    name = path.stem
    if path.suffix != ".py" or not name.isidentifier():
        raise PluginError(
            f"plugin file {given!r}{where} cannot be imported: it must be a .py file whose name "
            "is a Python identifier (my_ops.py, not my-ops.py)"
        )
    existing = sys.modules.get(name)
    if existing is not None:
        if Path(getattr(existing, "__file__", None) or "").resolve() == path.resolve():
            return name, existing
        raise PluginError(
            f"plugin file {given!r}{where}: a different module named {name!r} is already "
            f"imported (from {getattr(existing, '__file__', None) or 'a built-in'}); rename "
            "the file"
        )
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as an import would: classes defined in it can be pickled
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise PluginError(
            f"plugin file {given!r}{where} failed to import: {type(exc).__name__}: {exc}"
        ) from exc
    return name, module
