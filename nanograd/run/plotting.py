"""Drawing helpers for run plots: loss curves, fitted curves, decision boundaries, confusion
matrices.

Figures are made with ``matplotlib.figure.Figure`` directly (the Agg canvas), never through
pyplot, so no display is needed and no global figure state leaks between runs. An experiment's
``plots(run)`` returns ``{"name": figure}`` and may use these helpers or plain matplotlib.

Every experiment file imports this module, so it imports matplotlib only inside the helpers
that draw: importing matplotlib takes longer than a small run's training, and a run with
``--no-plots`` (a sweep's runs too) or one that stops on a config mistake makes no figure.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

CLASS_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]  # fmt: skip
UNFINISHED_COLOR = "#d62728"  # the title of a plot of a run that did not complete


def new_figure(
    ncols: int = 1, nrows: int = 1, size: tuple[float, float] = (5.5, 4.5)
) -> tuple[Figure, Any]:
    """``(figure, axes)``: ``axes`` is one Axes for a 1x1 grid, else an array of them."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=True)
    return fig, axes


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes: the bytes ``fig.savefig(buffer, format="png", dpi=dpi)`` writes.

    ``savefig`` draws a figure that has a layout engine twice: once without rendering, to lay it
    out, then again to render it. Printing on an Agg canvas lays out and renders in one draw,
    the same pixels and metadata. A matplotlibrc that asks ``savefig`` for more (a tight
    bounding box, another face colour, transparency) is honoured by going through ``savefig``.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    rc = matplotlib.rcParams
    if not (
        rc["savefig.bbox"] is None
        and rc["savefig.facecolor"] == "auto"
        and rc["savefig.edgecolor"] == "auto"
        and not rc["savefig.transparent"]
    ):
        fig.savefig(buffer, format="png", dpi=dpi)
        return buffer.getvalue()
    canvas, own_dpi = fig.canvas, fig.dpi
    try:
        agg: Any = FigureCanvasAgg(fig)  # the figure's canvas until its own is put back
        agg._is_saving = True  # as savefig: animated artists are drawn too
        fig.dpi = dpi
        agg.print_png(buffer)
    finally:
        fig.dpi = own_dpi
        fig.set_canvas(canvas)
    return buffer.getvalue()


def mark_unfinished(fig: Any, status: str, epoch: int, epochs: int) -> None:
    """Head the figure's title with the run's status when it did not complete, so a plot of a
    partial model (an accuracy, a fit) is never read as the final result."""
    note = f"{status} after epoch {epoch} of {epochs}: not the final model"
    existing = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) is not None else ""
    fig.suptitle(f"{note}\n{existing}" if existing else note, color=UNFINISHED_COLOR)


def _markers(n: int) -> dict[str, Any]:
    return {"marker": "o", "markersize": 3} if n <= 30 else {}


def loss_curves(
    history: Sequence[dict[str, float]],
    title: str = "",
    monitor: str | None = None,
    best_epoch: int | None = None,
    loss: str = "",
) -> Figure:
    """Training and validation loss per epoch; beside it the other metrics, and the learning
    rate when it changed. ``loss`` names the loss function on the first panel's axis."""
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

    epochs = [row["epoch"] for row in history]
    keys = [k for k in history[-1] if k not in ("epoch", "lr", "seconds")]
    parts = [k.split("_", 1) for k in keys if k.startswith(("train_", "val_"))]
    metric_names = sorted({name for _, name in parts if name != "loss"})
    others = [k for k in keys if not k.startswith(("train_", "val_"))]  # added by plugins
    lrs = [row.get("lr", np.nan) for row in history]
    show_lr = len(set(lrs)) > 1
    panels = 1 + len(metric_names) + len(others) + int(show_lr)
    fig, axes = new_figure(ncols=panels, size=(5.0, 3.8))
    axes = np.atleast_1d(axes)
    style = _markers(len(epochs))

    ax = axes[0]
    losses: list[float] = []
    for split, color in (("train", "#1f77b4"), ("val", "#ff7f0e")):
        key = f"{split}_loss"
        if key in history[0]:
            values = [row.get(key, np.nan) for row in history]
            losses += [v for v in values if np.isfinite(v)]
            ax.plot(epochs, values, color=color, label=key, **style)
    if losses and min(losses) > 0 and max(losses) / min(losses) > 30:
        ax.set_yscale("log")
        # Ticks at 1, 2 and 5 of each decade, written 0.2 rather than 2 x 10^-1.
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_title("loss")
    ax.set_ylabel(f"{loss} loss" if loss else "loss")
    _mark_best(axes, monitor, best_epoch)
    ax.set_xlabel("epoch")
    ax.legend()
    ax.grid(alpha=0.3)

    for ax, name in zip(axes[1:], metric_names, strict=False):
        for split, color in (("train", "#1f77b4"), ("val", "#ff7f0e")):
            key = f"{split}_{name}"
            if key in history[0]:
                ax.plot(
                    epochs,
                    [row.get(key, np.nan) for row in history],
                    color=color,
                    label=key,
                    **style,
                )
        ax.set_title(name)
        ax.set_ylabel(name)
        ax.set_xlabel("epoch")
        ax.legend()
        ax.grid(alpha=0.3)
    for ax, name in zip(axes[1 + len(metric_names) :], others, strict=False):
        ax.plot(epochs, [row.get(name, np.nan) for row in history], color="#9467bd", **style)
        ax.set_title(name)
        ax.set_ylabel(name)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    if show_lr:
        ax = axes[-1]
        ax.plot(epochs, lrs, color="#2ca02c", **style)
        ax.set_title("learning rate")
        ax.set_ylabel("lr")
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if title:
        fig.suptitle(title)
    return fig


def _mark_best(axes: Any, monitor: str | None, best_epoch: int | None) -> None:
    if best_epoch is None:
        return
    for i, ax in enumerate(axes):
        ax.axvline(
            best_epoch,
            color="0.5",
            linestyle=":",
            linewidth=1,
            label=f"best {monitor} (epoch {best_epoch})" if i == 0 else None,
        )


def fit_curve(
    ax: Axes,
    run: Any,
    x: np.ndarray,
    y: np.ndarray,
    truth: Any = None,
    label: str = "model",
) -> None:
    """Data points, the model's prediction over the data's range and, if given, the truth."""
    x = np.asarray(x).reshape(len(x), -1)[:, 0]
    y = np.asarray(y).reshape(len(y), -1)[:, 0]
    span = x.max() - x.min()
    grid = np.linspace(x.min() - 0.05 * span, x.max() + 0.05 * span, 400)
    ax.scatter(x, y, s=12, color="#1f77b4", alpha=0.55, edgecolors="none", label="data")
    if truth is not None:
        ax.plot(grid, truth(grid), color="0.25", linestyle="--", linewidth=1.5, label="truth")
    prediction = run.predict(grid.reshape(-1, 1).astype(run.data.train.X.dtype))
    ax.plot(
        grid, prediction.reshape(len(grid), -1)[:, 0], color="#d62728", linewidth=2.2, label=label
    )
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend()
    ax.grid(alpha=0.3)


def decision_boundary(
    ax: Axes,
    run: Any,
    X: np.ndarray,
    y: np.ndarray,
    threshold: float = 0.0,
    resolution: int = 250,
) -> None:
    """The model's decision regions over the plane of 2-D inputs ``X``, with the points.

    A model with one output is a binary classifier whose score is compared to ``threshold``
    (0 for logits and margins, 0.5 for probabilities): the shading shows the score and the black
    line the boundary. A model with one output per class shades each class's region.
    """
    from matplotlib.colors import ListedColormap

    X = np.asarray(X)
    y = np.asarray(y).reshape(len(y), -1)[:, 0]
    pad = 0.1 * (X.max(axis=0) - X.min(axis=0))
    lo, hi = X.min(axis=0) - pad, X.max(axis=0) + pad
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(run.data.train.X.dtype)
    out = run.predict(grid)
    out = out.reshape(len(grid), -1)
    if out.shape[1] > 1:
        classes = out.argmax(axis=1).reshape(gx.shape)
        k = out.shape[1]
        cmap = ListedColormap(CLASS_COLORS[:k])
        ax.contourf(gx, gy, classes, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=0.25)
        ax.contour(gx, gy, classes, levels=np.arange(k) + 0.5, colors="0.2", linewidths=0.8)
        for c in range(k):
            mask = y == c
            ax.scatter(
                X[mask, 0],
                X[mask, 1],
                s=16,
                color=CLASS_COLORS[c % 10],
                edgecolors="white",
                linewidths=0.4,
                label=f"class {c}",
            )
    else:
        score = out[:, 0].reshape(gx.shape)
        span = float(np.percentile(np.abs(score - threshold), 95)) or 1.0
        ax.contourf(
            gx,
            gy,
            np.clip(score, threshold - span, threshold + span),
            levels=20,
            cmap="RdBu",
            vmin=threshold - span,
            vmax=threshold + span,
            alpha=0.55,
        )
        ax.contour(gx, gy, score, levels=[threshold], colors="black", linewidths=1.5)
        positive = y > (0.0 if y.min() < 0 else 0.5)
        ax.scatter(
            X[~positive, 0],
            X[~positive, 1],
            s=16,
            color="#b2182b",
            edgecolors="white",
            linewidths=0.4,
            label=f"y = {y[~positive].min():g}" if (~positive).any() else None,
        )
        ax.scatter(
            X[positive, 0],
            X[positive, 1],
            s=16,
            color="#2166ac",
            edgecolors="white",
            linewidths=0.4,
            label=f"y = {y[positive].max():g}" if positive.any() else None,
        )
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.8)


def confusion_matrix(
    ax: Axes, target: np.ndarray, predicted: np.ndarray, labels: Sequence[Any] | None = None
) -> np.ndarray:
    """Counts of each (true, predicted) class pair, drawn with the counts written in; returned."""
    target = np.asarray(target).astype(int).ravel()
    predicted = np.asarray(predicted).astype(int).ravel()
    k = int(max(target.max(), predicted.max())) + 1
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (target, predicted), 1)
    ax.imshow(counts, cmap="Blues")
    names = [str(name) for name in (labels if labels is not None else range(k))]
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    limit = counts.max() / 2 if counts.size else 0
    for i in range(k):
        for j in range(k):
            if counts[i, j]:
                ax.text(
                    j,
                    i,
                    str(counts[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if counts[i, j] > limit else "black",
                )
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(f"confusion matrix (accuracy {accuracy:.2%})")
    return counts
