"""Finding the runs and sweeps under a folder, and reading what their files say about them.

A run is a folder with a summary.json (its config.json beside it); a sweep is a folder with a
sweep.json, and its runs are found like any other. A file that cannot be read is reported and
skipped, so one broken folder does not hide the others.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NOT_METRICS = ("epoch", "lr", "seconds")


@dataclass
class RunInfo:
    """One run: where it is, how it went, its config and its numbers."""

    path: Path
    experiment: str
    status: str
    message: str
    seed: Any
    config: dict[str, Any]
    final: dict[str, Any]
    best: dict[str, Any]
    evaluation: dict[str, Any]
    seconds: float | None
    started: str
    sweep: Path | None = None


@dataclass
class SweepInfo:
    """One sweep: where it is, how it went, what it swept, and its runs' statuses."""

    path: Path
    experiment: str
    status: str
    swept: list[str]
    counts: dict[str, int]
    seconds: float | None
    started: str
    runs: list[dict[str, Any]] = field(default_factory=list)


def find(root: Path, warn: Callable[[str], None]) -> tuple[list[RunInfo], list[SweepInfo]]:
    """Every run and sweep below ``root``, in folder order."""
    runs: list[RunInfo] = []
    sweeps: list[SweepInfo] = []
    for folder, names in _walk(root):
        if "sweep.json" in names:
            sweep = _read(folder / "sweep.json", warn)
            if sweep is not None:
                sweeps.append(_sweep(folder, sweep))
        if "summary.json" in names:
            summary = _read(folder / "summary.json", warn)
            if summary is not None:
                config = _read(folder / "config.json", warn, missing_ok=True) or {}
                runs.append(_run(folder, summary, config))
    in_sweep = {s.path for s in sweeps}
    for run in runs:
        if run.path.parent in in_sweep:
            run.sweep = run.path.parent
    return runs, sweeps


def _walk(root: Path) -> Iterator[tuple[Path, list[str]]]:
    for here, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if not f.startswith(".") and f != "source")
        yield Path(here), files


def _read(path: Path, warn: Callable[[str], None], missing_ok: bool = False) -> Any:
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        if not missing_ok:
            warn(f"warning: {path} is gone; skipped")
        return None
    except (OSError, ValueError) as exc:
        warn(f"warning: {path} cannot be read ({exc}); skipped")
        return None
    if not isinstance(data, dict):
        warn(f"warning: {path} does not hold a JSON object; skipped")
        return None
    return data


def _seconds(sessions: Any) -> float | None:
    if not isinstance(sessions, list) or not sessions:
        return None
    return round(sum(float(s.get("seconds", 0.0)) for s in sessions if isinstance(s, dict)), 3)


def _run(folder: Path, summary: dict[str, Any], config: dict[str, Any]) -> RunInfo:
    final = {k: v for k, v in (summary.get("final") or {}).items() if k not in NOT_METRICS}
    return RunInfo(
        path=folder,
        experiment=str(summary.get("experiment") or config.get("experiment") or "?"),
        status=str(summary.get("status", "?")),
        message=str(summary.get("message") or ""),
        seed=summary.get("seed", config.get("seed")),
        config=dict(config.get("config") or {}),
        final=final,
        best=dict(summary.get("best") or {}),
        evaluation=dict(summary.get("evaluation") or {}),
        seconds=_seconds(summary.get("sessions")),
        started=str(summary.get("started") or ""),
    )


def _sweep(folder: Path, record: dict[str, Any]) -> SweepInfo:
    runs = [r for r in record.get("runs") or [] if isinstance(r, dict)]
    counts: dict[str, int] = {}
    for run in runs:
        counts[str(run.get("status"))] = counts.get(str(run.get("status")), 0) + 1
    return SweepInfo(
        path=folder,
        experiment=str(record.get("experiment", "?")),
        status=str(record.get("status", "?")),
        swept=[str(k) for k in record.get("swept") or []],
        counts=counts,
        seconds=_seconds(record.get("sessions")),
        started=str(record.get("started") or ""),
        runs=runs,
    )
