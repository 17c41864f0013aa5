"""Function approximation: learn sin(x) on [-2π, 2π] from noisy samples with a tanh MLP.

``evaluate`` measures the error against the true function on a dense grid; the plot draws the
prediction over the truth.
"""

import numpy as np

import nanograd as ng
from nanograd.run.plotting import fit_curve, new_figure

config = {
    "n": 400,
    "noise": 0.1,
    "hidden": [32, 32],
    "epochs": 200,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": 0.01,
    "schedule": "cosine",
    "loss": "mse",
}


def data(config, rng):
    x = rng.uniform(-2 * np.pi, 2 * np.pi, size=(config["n"], 1))
    return x, np.sin(x) + config["noise"] * rng.standard_normal(x.shape)


def model(config, rng):
    return ng.nn.MLP(1, config["hidden"], 1, activation="tanh", generator=rng)


def evaluate(run):
    grid = np.linspace(-2 * np.pi, 2 * np.pi, 801).reshape(-1, 1)
    error = run.predict(grid) - np.sin(grid)
    return {
        "grid_rmse": float(np.sqrt(np.mean(error**2))),
        "grid_max_error": float(np.abs(error).max()),
    }


def plots(run):
    fig, ax = new_figure(size=(7.5, 4.0))
    fit_curve(ax, run, run.data.train.X, run.data.train.y, truth=np.sin, label="MLP")
    ax.set_title("sin(x): prediction against truth")
    return {"fit": fig}
