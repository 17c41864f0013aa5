"""Fit y = x² + 3x - 1 with a small MLP: the case the original C++ demo could not fit.

A straight line cannot follow a parabola; two hidden layers of GELU units can. ``evaluate``
reports the error on a dense grid against the true curve, and the fitted curve is drawn over the
data.
"""

import numpy as np

import nanograd as ng
from nanograd.run.plotting import fit_curve, new_figure

config = {
    "n": 300,
    "noise": 0.3,
    "hidden": [16, 16],
    "activation": "gelu",
    "epochs": 300,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": 0.02,
    "schedule": "cosine",
    "loss": "mse",
}


def truth(x):
    return x**2 + 3 * x - 1


def data(config, rng):
    x = rng.uniform(-3.0, 3.0, size=(config["n"], 1))
    return x, truth(x) + config["noise"] * rng.standard_normal(x.shape)


def model(config, rng):
    return ng.nn.MLP(1, config["hidden"], 1, activation=config["activation"], generator=rng)


def evaluate(run):
    grid = np.linspace(-3.0, 3.0, 601).reshape(-1, 1)
    error = run.predict(grid) - truth(grid)
    return {
        "grid_rmse": float(np.sqrt(np.mean(error**2))),
        "grid_max_error": float(np.abs(error).max()),
    }


def plots(run):
    fig, ax = new_figure()
    fit_curve(ax, run, run.data.train.X, run.data.train.y, truth=truth, label="MLP")
    ax.set_title("y = x² + 3x - 1: MLP fit")
    return {"fit": fig}
