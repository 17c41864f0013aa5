"""The run folder: ``<out>/<experiment>/<timestamp>-<id>/``, made once and never overwritten.

Every file is written atomically (a temporary file in the same folder, then ``os.replace``), so
a reader, or a run stopped half-way, never sees half a file. ``summary.json`` carries the run's
status: ``running`` while it trains, then ``completed``, ``failed`` or ``interrupted``.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from pathlib import Path
from typing import Any

from nanograd._atomic import atomic_write_bytes

STATUSES = ("running", "completed", "failed", "interrupted")


class RunFolder:
    """A run's folder and the atomic writes into it."""

    def __init__(self, path: Path) -> None:
        self.path = path

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

    def write_bytes(self, name: str, data: bytes) -> Path:
        path = self.file(name)
        atomic_write_bytes(path, data)
        return path

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode("utf-8"))

    def write_json(self, name: str, value: Any) -> Path:
        return self.write_text(name, json.dumps(_finite(value), indent=2) + "\n")

    def read_json(self, name: str) -> Any:
        return json.loads(self.file(name).read_text())

    def mark(self, summary: dict[str, Any], status: str) -> None:
        """Write ``summary.json`` with ``status``."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        summary["status"] = status
        self.write_json("summary.json", summary)


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as strings so the file stays standard JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
