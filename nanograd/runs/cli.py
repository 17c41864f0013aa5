"""``python -m nanograd.runs [DIR]``: the runs and sweeps under a folder, side by side.

Runs are a table of their status, the config keys that differ between them, their seed, final
and best metrics and duration; sweeps a table of their status, how many runs ended how, what
they swept and their best run. ``--sort`` orders the runs by any column (missing values last),
``--status`` keeps one status, and ``--json`` prints everything for a script instead.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nanograd._streams import until_reader_leaves
from nanograd.lookup import did_you_mean
from nanograd.run.console import Console
from nanograd.run.errors import ExperimentError
from nanograd.run.lifecycle.metrics_writer import columns as metric_order
from nanograd.runs.catalog import RunInfo, SweepInfo, find
from nanograd.sweep.grammar import format_value
from nanograd.sweep.progress import best_run

EXIT_OK, EXIT_USAGE = 0, 2
STATUSES = ("running", "completed", "failed", "interrupted")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m nanograd.runs",
        description=__doc__.split("\n\n")[1].replace("\n", " ") if __doc__ else None,
        epilog=(
            "examples:\n"
            "  python -m nanograd.runs\n"
            "  python -m nanograd.runs runs/moons --sort val_loss\n"
            "  python -m nanograd.runs --status failed\n"
            "  python -m nanograd.runs runs/moons/sweep-20250101-120000-1a2b3c --json"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir", nargs="?", type=Path, default=Path("runs"), metavar="DIR",
                   help="the folder to look in (default: runs/)")  # fmt: skip
    p.add_argument("--sort", metavar="KEY", help="order runs by this column, e.g. val_loss")
    p.add_argument("--reverse", action="store_true", help="largest first when sorting")
    p.add_argument("--status", action="append", default=[], choices=STATUSES,
                   help="only runs and sweeps with this status (repeatable)")  # fmt: skip
    p.add_argument("--json", action="store_true", help="print JSON for scripts")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    console = Console()
    status = EXIT_OK  # also when the reader leaves (| head): the listing stops quietly
    try:
        with until_reader_leaves():
            status = _list(args, console)
    except ExperimentError as exc:
        console.error(f"error: {exc}")
        return EXIT_USAGE
    return status


def _list(args: argparse.Namespace, console: Console) -> int:
    root: Path = args.dir
    if not root.is_dir():
        raise ExperimentError(
            f"{root}: no such folder; give the folder runs were written to (--out of "
            "python -m nanograd.run, runs/ by default)"
        )
    runs, sweeps = find(root, console.error)
    if args.status:
        runs = [r for r in runs if r.status in args.status]
        sweeps = [s for s in sweeps if s.status in args.status]
    header, rows = run_table(runs, root)
    if args.sort is not None:
        rows = _sorted(rows, header, args.sort, args.reverse)
    if args.json:
        print(json.dumps(_as_json(runs, sweeps, root, [r["run"] for r in rows]), indent=2))
        return EXIT_OK
    if not runs and not sweeps:
        what = f" with status {' or '.join(args.status)}" if args.status else ""
        print(f"no runs{what} under {root}")
        return EXIT_OK
    if sweeps:
        print(f"{len(sweeps)} sweep{'s' * (len(sweeps) != 1)} under {root}")
        print(_text(*sweep_table(sweeps, root)))
        print()
    order = f", by {args.sort}{' (largest first)' if args.reverse else ''}" if args.sort else ""
    print(f"{len(runs)} run{'s' * (len(runs) != 1)} under {root}{order}")
    print(_text(header, rows))
    return EXIT_OK


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return str(path)


def _differing(runs: Sequence[RunInfo]) -> list[str]:
    """Config keys whose value is not the same in every run (a key some runs lack differs)."""
    keys: list[str] = []
    for run in runs:
        keys += [k for k in run.config if k not in keys]
    return [
        key
        for key in keys
        if len({format_value(r.config[key]) if key in r.config else "\0" for r in runs}) > 1
    ]


def run_table(runs: Sequence[RunInfo], root: Path) -> tuple[list[str], list[dict[str, Any]]]:
    differing = _differing(runs)
    metrics = metric_order([r.final for r in runs if r.final])
    monitors = list(dict.fromkeys(str(r.best["metric"]) for r in runs if r.best.get("metric")))
    several = len({r.experiment for r in runs}) > 1
    header = ["run", *(["experiment"] if several else []), "status", *differing, "seed"]
    header += [*metrics, *(f"best_{m}" for m in monitors), "seconds"]
    rows = []
    for run in runs:
        row: dict[str, Any] = {
            "run": _relative(run.path, root),
            "experiment": run.experiment,
            "status": run.status,
            "seed": run.seed,
            "seconds": run.seconds,
        }
        row.update({k: run.config[k] for k in differing if k in run.config})
        row.update({k: v for k, v in run.final.items() if k in metrics})
        if run.best.get("metric"):
            row[f"best_{run.best['metric']}"] = run.best.get("value")
        rows.append(row)
    return header, rows


def sweep_table(sweeps: Sequence[SweepInfo], root: Path) -> tuple[list[str], list[dict[str, Any]]]:
    header = ["sweep", "status", "runs", "completed", "failed", "other", "swept", "best",
              "seconds"]  # fmt: skip
    rows = []
    for sweep in sweeps:
        total = sum(sweep.counts.values())
        ended = sweep.counts.get("completed", 0) + sweep.counts.get("failed", 0)
        best = best_run(sweep.runs) if sweep.runs else None
        rows.append(
            {
                "sweep": _relative(sweep.path, root),
                "status": sweep.status,
                "runs": total,
                "completed": sweep.counts.get("completed", 0),
                "failed": sweep.counts.get("failed", 0),
                "other": total - ended,
                "swept": " ".join(sweep.swept) or "seeds",
                "best": (
                    f"{best['best']['metric']} {float(best['best']['value']):.4g} "
                    f"({best['folder']})"
                    if best is not None
                    else None
                ),
                "seconds": sweep.seconds,
            }
        )
    return header, rows


def _sorted(
    rows: list[dict[str, Any]], header: Sequence[str], key: str, reverse: bool
) -> list[dict[str, Any]]:
    if key not in header:
        raise ExperimentError(
            f"--sort {key}: no such column{did_you_mean(key, header)} (columns: "
            f"{', '.join(header)})"
        )
    present = [r for r in rows if _sortable(r.get(key)) is not None]
    missing = [r for r in rows if _sortable(r.get(key)) is None]
    numbers = all(isinstance(_sortable(r[key]), float) for r in present)
    if numbers:
        present.sort(key=lambda r: float(_sortable(r[key]) or 0.0), reverse=reverse)
    else:
        present.sort(key=lambda r: str(_sortable(r[key])), reverse=reverse)
    return present + missing


def _sortable(value: Any) -> float | str | None:
    """A number as a float (NaN counts as missing), anything else as its text."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        try:
            number = float(value)  # summary.json writes NaN and infinities as text
        except ValueError:
            return value
        return None if math.isnan(number) else number
    return format_value(value)


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (int, str)):
        return str(value)
    return format_value(value)


def _text(header: Sequence[str], rows: Sequence[dict[str, Any]]) -> str:
    cells = [[_shown(row.get(k)) for k in header] for row in rows]
    widths = [max([len(h), *(len(c[i]) for c in cells)]) for i, h in enumerate(header)]
    numeric = [
        all(isinstance(row.get(k), (int, float)) or row.get(k) is None for row in rows)
        for k in header
    ]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(header), *(line(c) for c in cells)])


def _as_json(
    runs: Sequence[RunInfo], sweeps: Sequence[SweepInfo], root: Path, order: Sequence[str]
) -> dict[str, Any]:
    differing = _differing(runs)
    by_name = {_relative(r.path, root): r for r in runs}
    return {
        "runs": [
            {
                "run": name,
                "path": str(run.path),
                "experiment": run.experiment,
                "status": run.status,
                "message": run.message,
                "seed": run.seed,
                "differs": {k: run.config.get(k) for k in differing},
                "config": run.config,
                "final": run.final,
                "best": run.best,
                "evaluation": run.evaluation,
                "seconds": run.seconds,
                "started": run.started,
                "sweep": _relative(run.sweep, root) if run.sweep else None,
            }
            for name in order
            for run in [by_name[name]]
        ],
        "sweeps": [
            {
                "sweep": _relative(s.path, root),
                "path": str(s.path),
                "experiment": s.experiment,
                "status": s.status,
                "counts": s.counts,
                "swept": s.swept,
                "seconds": s.seconds,
                "started": s.started,
            }
            for s in sweeps
        ],
    }
