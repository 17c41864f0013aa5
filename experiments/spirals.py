"""Three interleaved spirals: a three-class problem for an MLP with softmax cross-entropy.

The model outputs one logit per class; ``cross_entropy`` applies the softmax itself. The plot
shades each class's region.
"""

import numpy as np

import nanograd as ng
from nanograd.run.metrics import accuracy
from nanograd.run.plotting import decision_boundary, new_figure

config = {
    "points_per_class": 100,
    "classes": 3,
    "noise": 0.2,
    "hidden": [64, 64],
    "epochs": 150,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": 0.01,
    "schedule": "cosine",
    "loss": "cross_entropy",
}


def data(config, rng):
    n, k = config["points_per_class"], config["classes"]
    X, y = [], []
    for c in range(k):  # the spirals of Stanford's CS231n notes: arms a third of a turn apart
        r = np.linspace(0.0, 1.0, n)
        theta = np.linspace(4.0 * c, 4.0 * (c + 1), n) + config["noise"] * rng.standard_normal(n)
        X.append(np.column_stack([r * np.sin(theta), r * np.cos(theta)]))
        y.append(np.full(n, c))
    return np.concatenate(X), np.concatenate(y)


def model(config, rng):
    return ng.nn.MLP(2, config["hidden"], config["classes"], activation="relu", generator=rng)


def metrics(output, target):
    return {"accuracy": accuracy(output, target)}


def plots(run):
    fig, ax = new_figure()
    decision_boundary(ax, run, run.data.train.X, run.data.train.y)
    ax.set_title("three spirals: class regions")
    return {"boundary": fig}
