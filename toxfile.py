"""tox plugin: find the Pythons that pyenv installed, so a plain `tox` tests every one of them.

tox looks for `python3.10` and the like on PATH. Under pyenv those are shims, and a shim runs
only the versions that are active (PYENV_VERSION, a .python-version file or pyenv's global
version); every other installed version looks missing. This hands tox the interpreters
themselves, the newest patch release of each installed CPython 3 minor version, to try before
its usual search. An interpreter given with `tox --discover PATH` is still tried first.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from tox.config.sets import ConfigSet
    from tox.session.state import State

# tox's own marker (tox.plugin.impl), made here so the tests can import this file without tox.
impl = pluggy.HookimplMarker("tox")
_CPYTHON_VERSION = re.compile(r"(3)\.(\d+)\.(\d+)")  # pyenv names CPython builds "3.12.1"


def pyenv_root() -> Path | None:
    """pyenv's root folder ($PYENV_ROOT, else what `pyenv root` says), or None without pyenv."""
    root = os.environ.get("PYENV_ROOT")
    if not root:
        pyenv = shutil.which("pyenv")
        if pyenv is None:
            return None
        try:
            done = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=30, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        root = done.stdout.strip()
    path = Path(root)
    return path if (path / "versions").is_dir() else None


def pyenv_interpreters(root: Path) -> list[str]:
    """The newest patch release of each CPython 3 minor version under ``root``, newest first."""
    newest: dict[tuple[int, int], tuple[int, Path]] = {}
    for folder in (root / "versions").iterdir():
        match = _CPYTHON_VERSION.fullmatch(folder.name)
        if match is None:
            continue
        major, minor, patch = map(int, match.groups())
        exe = folder / "bin" / f"python{major}.{minor}"
        usable = exe.is_file() and os.access(exe, os.X_OK)
        if usable and ((major, minor) not in newest or patch > newest[major, minor][0]):
            newest[major, minor] = (patch, exe)
    return [str(newest[key][1]) for key in sorted(newest, reverse=True)]


@impl
def tox_add_core_config(core_conf: ConfigSet, state: State) -> None:
    options = state.conf.options
    if not hasattr(options, "discover"):  # a command that creates no environment (`tox list`)
        return
    root = pyenv_root()
    if root is None:
        return
    given = list(options.discover or [])
    options.discover = given + [exe for exe in pyenv_interpreters(root) if exe not in given]
