"""Finding installed plugins: the entry points of one group, read from the metadata folders of
the distributions on ``sys.path``.

``importlib.metadata`` finds the same entry points, but importing it brings in email, zipfile,
csv, socket and more: over a quarter of what importing NumPy costs, paid by every script before
its first op, for what is a directory listing and a small INI file per distribution. This reads
those files itself, as ``importlib.metadata`` does: each ``<name>-<version>.dist-info`` (or
``.egg-info``) folder in each directory of ``sys.path``, its ``entry_points.txt``, and for a
distribution with an entry point in the group, its name and version from ``METADATA``
(``PKG-INFO`` for egg-info). A distribution found in two places counts once, from the first
directory on ``sys.path``, as in ``importlib.metadata.entry_points()``. Distributions inside
zip files on ``sys.path`` are not searched.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any, NamedTuple

_SUFFIXES = (".dist-info", ".egg-info")


class EntryPoint(NamedTuple):
    """One entry point: its name, its value (``module`` or ``module:attribute``) and the
    distribution that declares it (the ``Name`` and ``Version`` of its metadata).

    A named tuple rather than a frozen dataclass, which costs a millisecond of every start-up.
    """

    name: str
    value: str
    distribution: str | None
    version: str | None

    def load(self) -> Any:
        """Import the module and return it, or the attribute the value names."""
        module_name, _, attribute = self.value.partition(":")
        target: Any = importlib.import_module(module_name.strip())
        for part in attribute.strip().split(".") if attribute.strip() else ():
            target = getattr(target, part)
        return target


def entry_points(group: str, path: list[str] | None = None) -> list[EntryPoint]:
    """Every entry point of ``group`` declared by a distribution on ``path`` (``sys.path``)."""
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for directory in sys.path if path is None else path:
        try:
            names = sorted(os.listdir(directory or "."))
        except OSError:  # not a directory (a zip file), or gone
            continue
        for folder in names:
            if not folder.endswith(_SUFFIXES):
                continue
            key = _normalise(folder.rpartition(".")[0].partition("-")[0])
            if key in seen:
                continue
            seen.add(key)
            where = os.path.join(directory, folder)
            declared = _section(_read(os.path.join(where, "entry_points.txt")), group)
            if not declared:
                continue
            name, version = _name_and_version(where, folder)
            found += [EntryPoint(n, v, name, version) for n, v in declared]
    return found


def _normalise(name: str) -> str:
    """A distribution's name as its folder and the index compare it (PEP 503)."""
    return "".join("-" if c in "-_." else c for c in name.lower())


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except OSError:
        return ""


def _section(text: str, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` lines of section ``[group]`` of an entry_points.txt."""
    entries: list[tuple[str, str]] = []
    current = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
        elif current == group and "=" in line:
            name, _, value = line.partition("=")
            entries.append((name.strip(), value.split("[")[0].strip()))  # drop [extras]
    return entries


def _name_and_version(where: str, folder: str) -> tuple[str | None, str | None]:
    """``Name`` and ``Version`` from the metadata's header, else from the folder's name."""
    fields: dict[str, str] = {}
    for filename in ("METADATA", "PKG-INFO"):
        for line in _read(os.path.join(where, filename)).splitlines():
            if not line.strip():
                break  # the header ends at the first blank line
            key, _, value = line.partition(":")
            if key in ("Name", "Version") and key not in fields:
                fields[key] = value.strip()
        if fields:
            break
    stem = folder.rpartition(".")[0]
    name, _, version = stem.partition("-")
    return fields.get("Name", name or None), fields.get("Version", version or None)
