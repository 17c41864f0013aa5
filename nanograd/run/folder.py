"""The run folder: ``<out>/<experiment>/<timestamp>-<id>/``, made once and never overwritten.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so
a reader, or a run stopped half-way, never sees half a file. ``summary.json`` carries the run's
status: ``running`` while it trains, then ``completed``, ``failed`` or ``interrupted``.

A write that fails (a full disk, a folder made read-only or deleted) leaves the file as it was
and raises :class:`~nanograd.run.errors.FolderWriteError`; the folder remembers which files it
could not write, so the run's last message can say what the folder holds. While a run is live
its folder keeps a small reserve file (``.reserve``), given up on a full disk so that the final
summary.json can still say how the run ended.
"""

from __future__ import annotations

import json
import math
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nanograd._atomic import atomic_write_bytes
from nanograd.run.errors import FolderWriteError

STATUSES = ("running", "completed", "failed", "interrupted")
RESERVE = ".reserve"
RESERVE_BYTES = 16 * 1024  # far more than a summary.json, whose write it makes room for


class RunFolder:
    """A run's folder and the atomic writes into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.unwritten: list[str] = []  # files whose latest write failed, in order
        self.failure: FolderWriteError | None = None  # the first failed write
        self.status: str | None = None  # what summary.json in the folder says, once known

    @classmethod
    def create(cls, out: Path, experiment: str, prefix: str = "") -> RunFolder:
        """A new, empty folder; the short random id keeps two runs in one second apart.
        ``prefix`` starts the name (a sweep's folder is ``sweep-<timestamp>-<id>``)."""
        parent = out / experiment
        parent.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        while True:
            path = parent / f"{prefix}{stamp}-{secrets.token_hex(3)}"
            try:
                path.mkdir()
            except FileExistsError:
                continue
            return cls(path)

    @classmethod
    def new(cls, path: Path) -> RunFolder:
        """The folder ``path``, made now; it must not exist yet."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir()
        return cls(path)

    def file(self, name: str) -> Path:
        return self.path / name

    @contextmanager
    def writing(self, name: str) -> Iterator[Path]:
        """The path of ``name``, for a block that writes it: an ``OSError`` in the block becomes
        a :class:`FolderWriteError` naming the file and the folder, and is remembered."""
        try:
            yield self.file(name)
        except OSError as exc:
            raise self.failed(name, exc) from exc
        if name in self.unwritten:
            self.unwritten.remove(name)

    def failed(self, name: str, error: OSError) -> FolderWriteError:
        """Remember that ``name`` could not be written; the error to raise."""
        failure = FolderWriteError(name, self.path, error)
        if name not in self.unwritten:
            self.unwritten.append(name)
        if self.failure is None:
            self.failure = failure
        return failure

    def write_bytes(self, name: str, data: bytes, durable: bool = True) -> Path:
        """Write ``name`` atomically; ``durable=False`` skips the flush to disk (see
        :func:`nanograd._atomic.atomic_open`)."""
        with self.writing(name) as path:
            atomic_write_bytes(path, data, durable)
        return path

    def write_text(self, name: str, text: str, durable: bool = True) -> Path:
        return self.write_bytes(name, text.encode("utf-8"), durable)

    def write_json(self, name: str, value: Any) -> Path:
        return self.write_text(name, json.dumps(_finite(value), indent=2) + "\n")

    def read_json(self, name: str) -> Any:
        return json.loads(self.file(name).read_text())

    def mark(self, summary: dict[str, Any], status: str) -> None:
        """Write ``summary.json`` with ``status``; on a full disk, give up the reserve for it."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        summary["status"] = status
        try:
            self.write_json("summary.json", summary)
        except FolderWriteError as exc:
            # The reserve is kept for the summary that says how the run ended.
            if not (exc.disk_full and status != "running" and self.release_reserve()):
                raise
            self.write_json("summary.json", summary)
            if self.failure is exc:  # the reserve was enough: nothing is missing
                self.failure = None
        self.status = status

    def make_reserve(self) -> None:
        """Set aside room for a last summary.json (random bytes: compressing file systems
        would store zeros in no room at all). Not one of the run's files: a failure raises
        :class:`FolderWriteError` but is not remembered."""
        try:
            atomic_write_bytes(self.file(RESERVE), os.urandom(RESERVE_BYTES))
        except OSError as exc:
            raise FolderWriteError(RESERVE, self.path, exc) from exc

    def release_reserve(self) -> bool:
        """Delete the reserve; whether there was one."""
        try:
            self.file(RESERVE).unlink()
        except OSError:
            return False
        return True

    def check_writable(self) -> None:
        """Raise :class:`FolderWriteError` unless a file can be made in the folder now."""
        try:
            fd, tmp = tempfile.mkstemp(prefix=".writable.", dir=self.path)
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            raise FolderWriteError("a new file", self.path, exc) from exc


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as strings so the file stays standard JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
