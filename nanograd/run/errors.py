"""Errors the runner reports to the user as one paragraph instead of a traceback.

A mistake in an experiment file, a config override or a plugin name is the user's to fix, so the
message names the file, the key or the function at fault and says what would be valid. The CLI
exits with code 2 for these and shows the traceback only under ``--traceback``. So is a run
folder that can no longer be written (a full disk, a folder made read-only or deleted): the
machine's state is the user's to fix, and the message says what the folder still holds.
"""

from __future__ import annotations

import errno
from pathlib import Path


class ExperimentError(Exception):
    """A problem with an experiment file or with how a run was asked for."""


class ConfigError(ExperimentError):
    """A config key or value that cannot be used: unknown key, wrong type, bad literal."""


# What each way of failing to write means, and what the user can do about it.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
_GONE = (errno.ENOENT, errno.ENOTDIR, errno.ESTALE)


class FolderWriteError(ExperimentError):
    """A file of a run folder could not be written: the OS error, the file and the folder."""

    def __init__(self, name: str, folder: Path, error: OSError) -> None:
        self.name, self.folder, self.error = name, folder, error
        super().__init__(
            f"cannot write {name} in {folder}: {error.strerror or error}{self.cause()}"
        )

    @property
    def disk_full(self) -> bool:
        return self.error.errno in _FULL

    @property
    def folder_gone(self) -> bool:
        return self.error.errno in _GONE or not self.folder.is_dir()

    def cause(self) -> str:
        """What the error means for the run folder, in a few words."""
        if self.disk_full:
            return " (the disk is full)"
        if self.folder_gone:
            return " (the folder was deleted or moved while the run was going)"
        if self.error.errno in _READ_ONLY:
            return " (the folder is read-only)"
        return ""

    def remedy(self) -> str:
        """What to do before ``--resume``: free space, make the folder writable, ..."""
        if self.disk_full:
            return "free some space"
        if self.error.errno in _READ_ONLY:
            return "make the folder writable"
        return "fix what stopped the writes"
