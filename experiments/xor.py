"""XOR: four noisy clusters that no straight line separates, and a small MLP that does.

Points near (±1, ±1) are labelled 1 when the signs differ. One hidden layer of tanh units is
enough; the loss is binary cross-entropy on the logit.
"""

import numpy as np

import nanograd as ng
from nanograd.run.metrics import accuracy
from nanograd.run.plotting import decision_boundary, new_figure

config = {
    "n": 400,
    "spread": 0.35,
    "hidden": [8],
    "epochs": 60,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": 0.03,
    "loss": "bce_with_logits",
}


def data(config, rng):
    corners = rng.choice([-1.0, 1.0], size=(config["n"], 2))
    X = corners + config["spread"] * rng.standard_normal(corners.shape)
    y = (corners[:, 0] != corners[:, 1]).astype(np.float64).reshape(-1, 1)
    return X, y


def model(config, rng):
    return ng.nn.MLP(2, config["hidden"], 1, activation="tanh", generator=rng)


def metrics(output, target):
    return {"accuracy": accuracy(output, target, threshold=0.0)}


def plots(run):
    fig, ax = new_figure()
    decision_boundary(ax, run, run.data.train.X, run.data.train.y, threshold=0.0)
    ax.set_title("XOR: logit and decision boundary")
    return {"boundary": fig}
