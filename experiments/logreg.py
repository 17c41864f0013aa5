"""Logistic regression on two Gaussian blobs: a linear layer, a sigmoid, binary cross-entropy.

The model outputs a probability, so the decision boundary is where it crosses 0.5: a straight
line between the blobs.
"""

import numpy as np

import nanograd as ng
from nanograd.run.metrics import accuracy
from nanograd.run.plotting import decision_boundary, new_figure

config = {
    "n": 400,
    "distance": 2.5,  # between the blob centres, in standard deviations
    "epochs": 40,
    "batch_size": 32,
    "optimizer": "sgd",
    "lr": 0.2,
    "loss": "bce",
}


def data(config, rng):
    n = config["n"] // 2
    centre = np.array([config["distance"] / 2, config["distance"] / 4])
    X = np.concatenate([rng.normal(-centre, 1.0, (n, 2)), rng.normal(centre, 1.0, (n, 2))])
    y = np.concatenate([np.zeros(n), np.ones(n)]).reshape(-1, 1)
    return X, y


def model(config, rng):
    return ng.nn.Sequential(ng.nn.Linear(2, 1, generator=rng), ng.nn.Sigmoid())


def metrics(output, target):
    return {"accuracy": accuracy(output, target, threshold=0.5)}


def plots(run):
    fig, ax = new_figure()
    decision_boundary(ax, run, run.data.train.X, run.data.train.y, threshold=0.5)
    ax.set_title("logistic regression: p(y = 1) and the 0.5 boundary")
    return {"boundary": fig}
