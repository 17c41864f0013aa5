"""A sweep's two figures: every run's learning curve coloured by its swept value, and the final
metric against each swept key, mean ± standard deviation over seeds.

Both show the metric the runs monitor (``val_loss`` by default, ``train_loss`` without a
validation set). Numbers are coloured along a colour map (on a log scale when they span a
decade or more, as learning rates do); anything else (optimizer names, layer lists) gets one
colour per value. Failed runs' curves are dashed, up to where they stopped.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LogNorm, Normalize
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, NullFormatter

from nanograd.run.plotting import CLASS_COLORS, new_figure
from nanograd.sweep.grammar import format_value

Run = Mapping[str, Any]


def monitored(runs: Sequence[Run]) -> str | None:
    """The metric the runs monitor (the first one named, if runs differ)."""
    for run in runs:
        metric = (run.get("best") or {}).get("metric")
        if metric:
            return str(metric)
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class Colours:
    """The colour of each value of one swept key."""

    def __init__(self, values: Sequence[Any]) -> None:
        distinct = list(dict.fromkeys(format_value(v) for v in values))
        self.numeric = bool(values) and all(_is_number(v) for v in values)
        self.map = colormaps["viridis"]
        self.norm: Normalize | None = None
        if self.numeric:
            low, high = min(values), max(values)
            if low > 0 and high / low >= 10:
                self.norm = LogNorm(low, high)
            else:
                self.norm = Normalize(low, high if high > low else low + 1)
        self.order = distinct

    def __call__(self, value: Any) -> Any:
        if self.norm is not None:
            return self.map(0.9 * float(self.norm(value)))  # the top of viridis is too pale
        return CLASS_COLORS[self.order.index(format_value(value)) % len(CLASS_COLORS)]


def _history(folder: Path, metric: str) -> tuple[list[float], list[float]]:
    """Epochs and the metric's values from a run's metrics.csv (empty if it has none)."""
    try:
        with (folder / "metrics.csv").open() as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        return [], []
    epochs, values = [], []
    for row in rows:
        try:
            value = float(row.get(metric) or "nan")
            epoch = float(row["epoch"])
        except (KeyError, ValueError):
            continue
        if math.isfinite(value):
            epochs.append(epoch)
            values.append(value)
    return epochs, values


def _log_scale_fits(values: Sequence[float]) -> bool:
    """Values that span decades: losses falling from 1 to 0.001, or to exactly 0 (a hinge loss
    does), which a log scale shows and a linear one flattens."""
    positive = [v for v in values if v > 0]
    return bool(positive) and min(values) >= 0 and max(positive) / min(positive) > 30


def _log_axis(ax: Any, which: str, values: Sequence[float], ticks: Sequence[float] = ()) -> None:
    """A log scale for ``values``, read as plain numbers (0.2, not 2 x 10^-1): ticks at
    ``ticks`` when given (the swept values), else at 1, 2 and 5 of each decade. When some
    values are exactly 0 the scale turns linear below the smallest decade, so they still show,
    at the bottom."""
    scale = getattr(ax, f"set_{which}scale")
    axis = ax.xaxis if which == "x" else ax.yaxis
    if min(values) == 0:
        # at most four decades below the largest value; below that, linear down to 0
        largest = max(values)
        smallest = max(min(v for v in values if v > 0), largest * 1e-4)
        low = math.floor(math.log10(smallest))
        scale("symlog", linthresh=10.0**low, linscale=0.5)
        getattr(ax, f"set_{which}lim")(-0.3 * 10.0**low, None)  # 0 near the edge, not below
        decades = range(low, math.ceil(math.log10(largest)) + 1)
        ticks = ticks or [0.0, *(m * 10.0**k for k in decades for m in (1, 2, 5))]
    else:
        scale("log")
    axis.set_major_locator(FixedLocator(ticks) if ticks else LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axis.set_minor_formatter(NullFormatter())


def learning_curves(
    runs: Sequence[Run], swept: Sequence[str], folder: Path, title: str
) -> Figure | None:
    """Every run's monitored metric per epoch, one panel per swept key coloured by it."""
    metric = monitored(runs)
    if metric is None:
        return None
    curves = {r["index"]: _history(folder / str(r["folder"]), metric) for r in runs}
    if not any(epochs for epochs, _ in curves.values()):
        return None
    keys = list(swept) or ["seed"]
    fig, axes = new_figure(ncols=len(keys), size=(5.6, 4.2))
    axes = np.atleast_1d(axes)
    every_value: list[float] = []
    for ax, key in zip(axes, keys, strict=True):
        values = [_value(r, key) for r in runs]
        colours = Colours(values)
        for run, value in zip(runs, values, strict=True):
            epochs, ys = curves[run["index"]]
            if not epochs:
                continue
            every_value += ys
            style = "--" if run["status"] == "failed" else "-"
            ax.plot(epochs, ys, style, color=colours(value), linewidth=1.2, alpha=0.85)
        _key_legend(fig, ax, key, values, colours)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(f"coloured by {key}")
        ax.grid(alpha=0.3)
    if _log_scale_fits(every_value):
        for ax in axes:
            _log_axis(ax, "y", every_value)
    fig.suptitle(title)
    figure: Figure = fig
    return figure


def _value(run: Run, key: str) -> Any:
    return run["seed"] if key == "seed" else run["values"].get(key)


def _key_legend(fig: Any, ax: Any, key: str, values: Sequence[Any], colours: Colours) -> None:
    """A colour bar for numbers, a legend of the values otherwise."""
    if colours.norm is not None and len(set(map(format_value, values))) > 6:
        bar = ScalarMappable(norm=colours.norm, cmap=colours.map)
        fig.colorbar(bar, ax=ax, label=key)
        return
    seen: dict[str, Any] = {}
    for value in values:
        seen.setdefault(format_value(value), value)
    handles = [
        ax.plot([], [], color=colours(value), label=f"{key}={text}")[0]
        for text, value in seen.items()
    ]
    ax.legend(handles=handles, fontsize="small")


def final_metric(
    runs: Sequence[Run], swept: Sequence[str], grid: Sequence[str], title: str
) -> Figure | None:
    """The monitored metric's final value against each swept key, mean ± std over seeds.

    On each key's panel, one line per combination of the other grid keys; a sampled key's
    values are points, not a line.
    """
    metric = monitored(runs)
    done = [r for r in runs if r["status"] == "completed" and _is_number(_final(r, metric))]
    if metric is None or not done:
        return None
    keys = list(swept) or ["seed"]
    fig, axes = new_figure(ncols=len(keys), size=(5.6, 4.2))
    axes = np.atleast_1d(axes)
    finals = [float(_final(r, metric)) for r in done]
    for ax, key in zip(axes, keys, strict=True):
        others = [k for k in grid if k != key]
        series: dict[str, list[Run]] = {}
        for run in done:
            name = " ".join(f"{k}={format_value(run['values'][k])}" for k in others)
            series.setdefault(name, []).append(run)
        xs_all = [_value(r, key) for r in done]
        numeric = all(_is_number(x) for x in xs_all)
        positions = {t: i for i, t in enumerate(dict.fromkeys(map(format_value, xs_all)))}
        width = 0.3 / max(1, len(series) - 1)  # categories: the series side by side
        for number, (name, members) in enumerate(series.items()):
            xs, means, stds = _aggregate(members, key, metric)
            if numeric:
                order = np.argsort(xs)
                at, means, stds = (list(np.asarray(a)[order]) for a in (xs, means, stds))
            else:
                shift = (number - (len(series) - 1) / 2) * width if len(series) > 1 else 0.0
                at = [positions[format_value(x)] + shift for x in xs]
            colour = CLASS_COLORS[number % len(CLASS_COLORS)]
            line = "-" if numeric and key in grid else ""  # a line only along a numeric grid key
            ax.errorbar(at, means, yerr=stds, fmt="o" + line, color=colour, capsize=3,
                        markersize=4, label=name or None)  # fmt: skip
        if numeric and min(xs_all) > 0 and max(xs_all) / min(xs_all) >= 10:
            distinct = sorted(set(xs_all))
            _log_axis(ax, "x", distinct, distinct if key in grid and len(distinct) <= 8 else ())
        if not numeric:
            ax.set_xticks(list(positions.values()), list(positions))
            ax.set_xlim(-0.5, len(positions) - 0.5)
        if _log_scale_fits(finals):
            _log_axis(ax, "y", finals)
        if any(series):
            ax.legend(fontsize="small")
        seeds = max(len(m) for m in _groups(done, key).values())
        spread = f"mean ± std over {seeds} seeds" if seeds > 1 else "one seed each"
        ax.set_xlabel(key)
        ax.set_ylabel(f"final {metric}")
        ax.set_title(f"final {metric} by {key} ({spread})")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    figure: Figure = fig
    return figure


def _final(run: Run, metric: str | None) -> Any:
    return (run.get("final") or {}).get(metric) if metric else None


def _groups(runs: Sequence[Run], key: str) -> dict[str, list[Run]]:
    """Runs that differ only by seed, together (same values of every swept key)."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        name = format_value(run["values"]) + f"|{run.get('trial')}" + f"|{_value(run, key)}"
        groups.setdefault(name, []).append(run)
    return groups


def _aggregate(
    runs: Sequence[Run], key: str, metric: str
) -> tuple[list[Any], list[float], list[float]]:
    """Per distinct value of ``key`` among ``runs`` (and trial): x, mean and std of the metric."""
    xs, means, stds = [], [], []
    for members in _groups(runs, key).values():
        finals = np.array([float(_final(m, metric)) for m in members])
        xs.append(_value(members[0], key))
        means.append(float(finals.mean()))
        stds.append(float(finals.std(ddof=1)) if len(finals) > 1 else 0.0)
    return xs, means, stds
