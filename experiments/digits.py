"""Handwritten digits: scikit-learn's bundled 8x8 images (no download), an MLP, ≥ 97% test accuracy.

The 1,797 images are split into test (20%), validation and training sets with the run's seed.
Needs scikit-learn, an optional extra: ``pip install 'nanograd-numpy[digits]'``. Plots: a
confusion matrix on the test set and the test digits the model gets wrong.
"""

import gzip
import importlib.util
from pathlib import Path

import numpy as np

import nanograd as ng
from nanograd.run import require
from nanograd.run.metrics import accuracy, predicted_classes
from nanograd.run.plotting import confusion_matrix, new_figure

config = {
    "test_fraction": 0.2,
    "augment": True,  # add copies shifted by one pixel in each direction
    "standardize": True,  # scale each pixel by the training set's mean and spread
    "hidden": [256],
    "dropout": 0.2,
    "epochs": 20,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": 2e-3,
    "schedule": "cosine",
    "loss": "cross_entropy",
    "loss_options": {"label_smoothing": 0.1},
    "val_fraction": 0.1,
}

INSTALL = "pip install 'nanograd-numpy[digits]' (or pip install scikit-learn)"


def load_digits():
    """Images scaled to [0, 1] as rows of 64 pixels, and their labels 0-9."""
    table = bundled_digits()
    if table is None:  # not installed (require says how to), or the file moved: ask scikit-learn
        datasets = require("sklearn.datasets", INSTALL, needed_by="experiments/digits.py")
        digits = datasets.load_digits()
        return digits.data / 16.0, digits.target
    return table[:, :-1] / 16.0, table[:, -1].astype(int)


def bundled_digits():
    """scikit-learn's digits file read as its ``load_digits`` reads it: one row per image, 64
    pixel values (0-16) and the label. None if scikit-learn or that file is not there.

    Found without importing scikit-learn: importing ``sklearn.datasets`` takes about 1.4 s,
    longer than an epoch of this experiment, to read a 1,797-row table.
    """
    spec = importlib.util.find_spec("sklearn")
    for folder in (spec and spec.submodule_search_locations) or ():
        path = Path(folder, "datasets", "data", "digits.csv.gz")
        if path.is_file():
            with gzip.open(path, "rt") as rows:
                return np.loadtxt(rows, delimiter=",")
    return None


def split(X, y, config, rng):
    """Test, validation and training sets from one shuffle of the examples."""
    order = rng.permutation(len(X))
    n_test = round(len(X) * config["test_fraction"])
    n_val = round((len(X) - n_test) * config["val_fraction"])
    test, val, train = np.split(order, [n_test, n_test + n_val])
    return {"train": (X[train], y[train]), "val": (X[val], y[val]), "test": (X[test], y[test])}


def shifted(X, y):
    """The images and copies moved one pixel up, down, left and right: more examples, cheap."""
    images = X.reshape(-1, 8, 8)
    out = [images]
    for axis, step in ((1, 1), (1, -1), (2, 1), (2, -1)):
        moved = np.roll(images, step, axis=axis)
        edge = [slice(None)] * 3
        edge[axis] = 0 if step == 1 else -1
        moved[tuple(edge)] = 0.0
        out.append(moved)
    return np.concatenate(out).reshape(-1, 64), np.tile(y, len(out))


def data(config, rng):
    X, y = load_digits()
    sets = split(X, y, config, rng)
    if config["augment"]:
        sets["train"] = shifted(*sets["train"])
    mean, scale = np.zeros(64), np.ones(64)
    if config["standardize"]:
        mean = sets["train"][0].mean(axis=0)
        scale = sets["train"][0].std(axis=0) + 0.1  # + 0.1: border pixels are almost constant
    sets = {k: ((x - mean) / scale, t) for k, (x, t) in sets.items()}
    return {**sets, "meta": {"mean": mean, "scale": scale}}


def model(config, rng):
    return ng.nn.MLP(64, config["hidden"], 10, dropout=config["dropout"], generator=rng)


def metrics(output, target):
    return {"accuracy": accuracy(output, target)}


def plots(run):
    test = run.data.test
    predicted = predicted_classes(run.predict(test.X))
    fig, ax = new_figure(size=(5.5, 5.0))
    confusion_matrix(ax, test.y, predicted)
    ax.set_title(f"test set: {ax.get_title()}")
    pixels = test.X.reshape(len(test.X), 64)
    images = pixels * run.data.meta["scale"] + run.data.meta["mean"]  # undo the standardizing
    return {"confusion": fig, "mistakes": mistakes(images, test.y, predicted)}


def mistakes(X, y, predicted, limit=24):
    """The misclassified test images, each titled true → predicted."""
    wrong = np.flatnonzero(predicted != y)[:limit]
    cols = 8
    rows = max(1, -(-len(wrong) // cols))
    fig, axes = new_figure(ncols=cols, nrows=rows, size=(1.2, 1.4))
    for ax in np.atleast_1d(axes).ravel():
        ax.axis("off")
    for ax, i in zip(np.atleast_1d(axes).ravel(), wrong, strict=False):
        ax.imshow(X[i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"{y[i]} → {predicted[i]}", fontsize=9, color="#d62728")
    fig.suptitle(
        f"{len(np.flatnonzero(predicted != y))} test digits misclassified (true → predicted)"
    )
    return fig
