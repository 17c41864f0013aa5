"""Writing a file all or nothing: a temporary file beside it, then ``os.replace``.

A reader, or a process stopped half-way, sees the old file or the new one, never half of one.
Checkpoints and every file of a run folder are written this way.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@functools.cache
def _file_mode() -> int:
    """What ``open()`` would give a new file (0o644 for the usual umask); mkstemp gives 0o600,
    which would hide the file from the other people who share the machine or the folder."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_open(path: str | os.PathLike[str], durable: bool = True) -> Iterator[BinaryIO]:
    """A binary file handle whose contents replace ``path`` only if the block succeeds.

    ``durable`` flushes the contents to the disk before the rename, so that even a power cut
    leaves the old file or the new one. Without it the write is still all or nothing for every
    reader and for a process killed half-way (the kernel holds the data), only not across a
    power cut; it is for a file rewritten often that another, durable file can remake."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if hasattr(os, "fchmod"):  # POSIX; Windows has no such modes
                os.fchmod(handle.fileno(), _file_mode())
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, durable: bool = True) -> None:
    """Write ``data`` to ``path`` all or nothing (``durable``: see :func:`atomic_open`)."""
    with atomic_open(path, durable) as handle:
        handle.write(data)
