"""Two moons, as in micrograd's demo: an MLP 2-16-16-1, the max-margin (hinge) loss with an L2
penalty, full-batch SGD whose learning rate decays linearly from 1.0 to 0.1.

micrograd reaches 100% training accuracy on 100 points in 100 steps for its seed; with any
seed, 200 steps get there. ``evaluate`` reports the training accuracy of the final model.
"""

import numpy as np

import nanograd as ng
from nanograd.run.metrics import accuracy
from nanograd.run.plotting import decision_boundary, new_figure

config = {
    "n": 100,
    "noise": 0.1,
    "hidden": [16, 16],
    "epochs": 200,
    "batch_size": None,  # full batch, as micrograd
    "optimizer": "sgd",
    "lr": 1.0,
    "schedule": "linear",  # 1.0 -> 0.1 over the run, as micrograd's 1.0 - 0.9 * k / 100
    "schedule_options": {"start_factor": 1.0, "end_factor": 0.1},
    "loss": "hinge",
    "l2": 1e-4,
    "val_fraction": 0.0,  # micrograd trains on all points
}


def make_moons(n, noise, rng):
    """scikit-learn's two interleaving half circles, in NumPy; labels -1 and +1."""
    n_out, n_in = n // 2, n - n // 2
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.concatenate(
        [
            np.column_stack([np.cos(outer), np.sin(outer)]),
            np.column_stack([1 - np.cos(inner), 1 - np.sin(inner) - 0.5]),
        ]
    )
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([-np.ones(n_out), np.ones(n_in)]).reshape(-1, 1)
    order = rng.permutation(n)
    return X[order], y[order]


def data(config, rng):
    return make_moons(config["n"], config["noise"], rng)


def model(config, rng):
    net = ng.nn.MLP(2, config["hidden"], 1, activation="relu", generator=rng)
    for p in net.parameters():  # micrograd draws every weight and bias from U(-1, 1)
        ng.nn.init.uniform_(p, -1.0, 1.0, generator=rng)
    return net


def metrics(output, target):
    return {"accuracy": accuracy(output, target)}


def evaluate(run):
    train = run.data.train
    return {"final_train_accuracy": accuracy(run.predict(train.X), train.y)}


def plots(run):
    fig, ax = new_figure()
    decision_boundary(ax, run, run.data.train.X, run.data.train.y, threshold=0.0)
    acc = run.evaluation.get("final_train_accuracy")
    ax.set_title("two moons" + (f" (train accuracy {acc:.0%})" if acc is not None else ""))
    return {"boundary": fig}
