"""Where a run came from: versions, loaded plugins and the git commit, for summary.json."""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

import nanograd
from nanograd import plugins


def versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "nanograd": nanograd.__version__,
        "numpy": np.__version__,
    }


def plugin_list() -> list[dict[str, Any]]:
    """Each loaded plugin with its distribution, version, and how many things it registered."""
    return [
        {
            "name": info.name,
            "module": info.module,
            "distribution": info.distribution,
            "version": info.version,
            "source": info.source,
            "ops": len(info.ops),
            "losses": len(info.losses),
            "optimizers": len(info.optimizers),
        }
        for info in plugins.plugins()
    ]


def git_commit(directory: Path) -> dict[str, Any] | None:
    """The commit checked out where the experiment file lives, and whether it has edits."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=directory, capture_output=True, text=True, timeout=5
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}
