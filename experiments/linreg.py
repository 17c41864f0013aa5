"""Linear regression: recover y = 2x + 3 from noisy samples, as the original C++ demo did.

A single ``Linear(1, 1)`` trained with mini-batch SGD on the mean squared error. The learning
rate anneals to zero (cosine schedule), so the fit settles on the least-squares solution of the
training set, which ``evaluate`` computes independently with ``numpy.linalg.lstsq``.
"""

import numpy as np

import nanograd as ng
from nanograd.run.plotting import fit_curve, new_figure

config = {
    "n": 200,  # samples, before the validation split
    "noise": 0.5,  # standard deviation of the Gaussian noise on y
    "slope": 2.0,
    "intercept": 3.0,
    "epochs": 60,
    "batch_size": 16,
    "optimizer": "sgd",
    "lr": 0.05,
    "schedule": "cosine",
    "loss": "mse",
}


def data(config, rng):
    x = rng.uniform(-2.0, 2.0, size=(config["n"], 1))
    noise = config["noise"] * rng.standard_normal((config["n"], 1))
    return x, config["slope"] * x + config["intercept"] + noise


def model(config, rng):
    return ng.nn.Linear(1, 1, generator=rng)


def least_squares(run):
    """Slope and intercept minimising the squared error on the training set, by NumPy."""
    x, y = run.data.train.X, run.data.train.y
    design = np.column_stack([x[:, 0], np.ones(len(x))])
    (slope, intercept), *_ = np.linalg.lstsq(design, y[:, 0], rcond=None)
    return float(slope), float(intercept)


def evaluate(run):
    slope = float(run.model.weight.data[0, 0])
    intercept = float(run.model.bias.data[0])
    ls_slope, ls_intercept = least_squares(run)
    return {
        "slope": slope,
        "intercept": intercept,
        "lstsq_slope": ls_slope,
        "lstsq_intercept": ls_intercept,
        "max_abs_diff": max(abs(slope - ls_slope), abs(intercept - ls_intercept)),
    }


def plots(run):
    fig, ax = new_figure()
    truth = lambda x: run.config["slope"] * x + run.config["intercept"]
    fit_curve(ax, run, run.data.train.X, run.data.train.y, truth=truth)
    e = run.evaluation
    if e:
        ax.set_title(
            f"fit y = {e['slope']:.3f}x + {e['intercept']:.3f}   "
            f"(least squares {e['lstsq_slope']:.3f}x + {e['lstsq_intercept']:.3f})"
        )
    return {"fit": fig}
