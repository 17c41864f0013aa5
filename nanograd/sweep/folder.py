"""The sweep folder: ``<out>/<experiment>/sweep-<timestamp>-<id>/``.

It holds one run folder per started run (``run-000``, ``run-001``, ...), ``sweep.json`` (the
command, the grid, the seeds, and each run's status and results), ``sweep.csv`` (one row per
run), ``source/`` (the experiment and its helper modules as the sweep started, which every job
of the sweep, resumed ones included, runs), and at the end of each session the plots and
``report.html``. Every file is written atomically, and sweep.json and sweep.csv are rewritten as
each run ends, so a sweep stopped at any moment leaves a consistent folder.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from nanograd._atomic import atomic_write_bytes
from nanograd.run.errors import ExperimentError
from nanograd.run.folder import RunFolder
from nanograd.run.lifecycle.metrics_writer import columns as metric_order
from nanograd.sweep.grammar import format_value
from nanograd.sweep.job import Result

SWEEP_JSON, SWEEP_CSV, SOURCE = "sweep.json", "sweep.csv", "source"
# A run's status in sweep.json: pending until submitted, running, then how it ended. Cancelled
# runs never started (Ctrl-C came first); --resume runs those, the pending, the running (the
# sweep was killed) and the interrupted ones (from their checkpoint when they have one).
RUN_STATUSES = ("pending", "running", "completed", "failed", "interrupted", "cancelled")
ENDED = ("completed", "failed")
NOT_METRICS = ("epoch", "lr", "seconds")


def run_folder_name(index: int, count: int) -> str:
    return f"run-{index:0{max(3, len(str(count - 1)))}d}"


class SweepFolder:
    """A sweep's folder and its record (the contents of sweep.json)."""

    def __init__(self, folder: RunFolder, record: dict[str, Any]) -> None:
        self.folder = folder
        self.record = record

    @classmethod
    def create(
        cls,
        out: Path,
        record: dict[str, Any],
        source_name: str,
        source: bytes,
        helpers: Mapping[str, bytes],
    ) -> SweepFolder:
        """A new sweep folder with its sources and a first sweep.json and sweep.csv."""
        try:
            folder = RunFolder.create(out, record["experiment"], prefix="sweep-")
            sweep = cls(folder, record)
            for relative, data in {source_name: source, **helpers}.items():
                path = folder.path / SOURCE / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(path, data)
            sweep.save()
        except OSError as exc:
            raise ExperimentError(
                f"cannot write a sweep folder under --out {out}: {exc.strerror or exc} "
                f"({exc.filename or out}); choose a folder you can write to"
            ) from exc
        return sweep

    @classmethod
    def open(cls, path: Path) -> SweepFolder:
        folder = RunFolder(path)
        try:
            record = folder.read_json(SWEEP_JSON)
        except (OSError, ValueError) as exc:
            raise ExperimentError(f"--resume {path}: not a sweep folder ({exc})") from exc
        problem = _misshapen(record)
        if problem:
            raise ExperimentError(
                f"--resume {path}: sweep.json is not what a sweep writes: {problem}; it was "
                "edited since, or written by something else"
            )
        return cls(folder, record)

    @staticmethod
    def holds_sweep(path: Path) -> bool:
        return (path / SWEEP_JSON).is_file()

    @property
    def path(self) -> Path:
        return self.folder.path

    @property
    def runs(self) -> list[dict[str, Any]]:
        runs: list[dict[str, Any]] = self.record["runs"]
        return runs

    def sources(self) -> tuple[bytes, dict[str, bytes]]:
        """The experiment's text and its helpers' as the sweep started."""
        root = self.path / SOURCE
        name = Path(self.record["file"]).name
        helpers = {
            str(p.relative_to(root)): p.read_bytes()
            for p in sorted(root.rglob("*.py"))
            if p.relative_to(root) != Path(name)
        }
        return (root / name).read_bytes(), helpers

    def run_path(self, entry: Mapping[str, Any]) -> Path:
        return self.path / str(entry["folder"])

    def save(self) -> None:
        """Write sweep.json, then sweep.csv."""
        self.folder.write_json(SWEEP_JSON, self.record)
        self.folder.write_text(SWEEP_CSV, to_csv(self.record))

    def store(self, entry: dict[str, Any], result: Result, fallback: Mapping[str, Any]) -> None:
        """Write the run folder a job sent back and take its results into ``entry``.

        A job that sent no folder (the run failed before making one, or its worker died) gets
        one all the same, with ``fallback`` as its config.json and a summary.json saying why.
        """
        path = self.run_path(entry)
        path.mkdir(exist_ok=True)
        files = dict(result.files)
        if not files:
            files = _stand_in(entry, result, fallback, path)
        for stale in path.iterdir():  # left by an earlier session the new files replace
            if stale.is_file() and stale.name not in files:
                stale.unlink()
        summary_data = files.pop("summary.json")
        for name, data in files.items():
            atomic_write_bytes(path / name, data)
        atomic_write_bytes(path / "summary.json", summary_data)  # last: the folder is whole
        take_results(entry, result)


# What --resume reads from sweep.json, and from each of its runs.
_RECORD: dict[str, type] = {"experiment": str, "file": str, "sessions": list, "runs": list}
_RUN: dict[str, type] = {
    "index": int,
    "folder": str,
    "seed": int,
    "status": str,
    "overrides": dict,
    "values": dict,
}


def _misshapen(record: Any) -> str:
    """What is wrong with a sweep.json's contents, or ``""``."""
    if not isinstance(record, dict):
        return f"it holds a JSON {type(record).__name__}, not an object"
    for key, kind in _RECORD.items():
        if not isinstance(record.get(key), kind):
            return f"{key!r} should be a {kind.__name__}, found {record.get(key)!r:.60}"
    for i, run in enumerate(record["runs"]):
        if not isinstance(run, dict):
            return f"runs[{i}] should be an object, found {run!r:.60}"
        for key, kind in _RUN.items():
            if not isinstance(run.get(key), kind):
                return f"runs[{i}][{key!r}] should be a {kind.__name__}, found {run.get(key)!r:.60}"
        if run["status"] not in RUN_STATUSES:
            return f"runs[{i}]['status'] is {run['status']!r}, not one of {', '.join(RUN_STATUSES)}"
    return ""


def _stand_in(
    entry: Mapping[str, Any], result: Result, config: Mapping[str, Any], path: Path
) -> dict[str, bytes]:
    """config.json and summary.json for a run that never wrote its own folder."""
    import json

    from nanograd.run.console import Console

    summary = {
        "experiment": config["experiment"],
        "file": config["file"],
        "run_dir": str(path),
        "seed": entry["seed"],
        "status": result.status,
        "message": result.message,
        "epochs": {"planned": config["config"]["epochs"], "completed": 0},
        "final": {},
        "best": {},
        "evaluation": {},
        "ended": Console.stamp(),
        "sessions": [],
        "files": ["config.json", "summary.json"],
    }

    def encode(value: Any) -> bytes:
        return (json.dumps(value, indent=2) + "\n").encode("utf-8")

    return {"config.json": encode(dict(config)), "summary.json": encode(summary)}


def take_results(entry: dict[str, Any], result: Result) -> None:
    """The run's status, message and numbers from what its job sent back."""
    summary = result.summary()
    entry["status"] = result.status
    entry["message"] = result.message
    entry["worker"] = result.worker
    entry["epochs"] = (summary.get("epochs") or {}).get("completed", 0)
    entry["final"] = {k: v for k, v in (summary.get("final") or {}).items() if k not in NOT_METRICS}
    entry["best"] = summary.get("best") or {}
    entry["evaluation"] = summary.get("evaluation") or {}
    sessions = summary.get("sessions") or []
    entry["seconds"] = round(sum(float(s.get("seconds", 0.0)) for s in sessions), 3)


# -- sweep.csv ------------------------------------------------------------------------------------


def table(record: Mapping[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    """sweep.csv's columns and rows (values as Python objects; see :func:`to_csv`)."""
    runs: list[dict[str, Any]] = record["runs"]
    swept = list(record.get("swept", []))
    finals = metric_order([run["final"] for run in runs if run.get("final")])
    monitors = _unique(
        str(run["best"]["metric"]) for run in runs if (run.get("best") or {}).get("metric")
    )
    best = [f"best_{m}" for m in monitors] + (["best_epoch"] if monitors else [])
    evaluations = _unique(k for run in runs for k in run.get("evaluation") or {})
    taken = set(finals) | set(best)
    named = {k: (f"evaluation_{k}" if k in taken else k) for k in evaluations}
    head = ["run", "status"] + (["trial"] if record.get("trials") else [])
    header = [*head, *swept, "seed", "epochs", *finals, *best, *named.values(), "seconds"]
    header += ["folder", "message"]
    rows = []
    for run in runs:
        row: dict[str, Any] = {
            "run": run["index"],
            "status": run["status"],
            "trial": run.get("trial"),
            "seed": run["seed"],
            "epochs": run.get("epochs"),
            "seconds": run.get("seconds"),
            "folder": run["folder"],
            "message": " ".join(str(run.get("message") or "").split()),
        }
        row.update({k: run["values"].get(k) for k in swept})
        row.update({k: (run.get("final") or {}).get(k) for k in finals})
        bests = run.get("best") or {}
        if bests.get("metric"):
            row[f"best_{bests['metric']}"] = bests.get("value")
            row["best_epoch"] = bests.get("epoch")
        row.update({named[k]: v for k, v in (run.get("evaluation") or {}).items()})
        rows.append(row)
    return header, rows


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def cell(value: Any) -> str:
    """A CSV cell: floats exactly (``repr``), swept values as the command line writes them."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, (int, str)):
        return str(value)
    return format_value(value)


def to_csv(record: Mapping[str, Any]) -> str:
    header, rows = table(record)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(row.get(key)) for key in header])
    return out.getvalue()
