"""Digits with a small convolutional network, using ops from a plugin distribution.

``conv2d`` and ``max_pool2d`` come from ``nanograd-conv`` (plugins/nanograd_conv), a separate
distribution registered through the ``nanograd`` entry point group: the worked example of
writing an op plugin. Install it with ``pip install -e plugins/nanograd_conv``. Data, split,
augmentation and plots are those of ``digits.py`` (imported from beside this file), with the
images as 1x8x8 arrays. Test accuracy is about 98-99%.
"""

import digits
import numpy as np

import nanograd as ng
from nanograd.run import require
from nanograd.run.plotting import new_figure

config = {
    "test_fraction": 0.2,
    "augment": True,  # add copies shifted by one pixel in each direction
    "standardize": False,  # pixels stay in [0, 1]
    "channels": [16, 32],
    "epochs": 8,
    "batch_size": 32,
    "optimizer": "adam",
    "lr": 3e-3,
    "schedule": "cosine",
    "loss": "cross_entropy",
    "loss_options": {"label_smoothing": 0.1},
    "val_fraction": 0.1,
}

PLUGIN_INSTALL = "pip install -e plugins/nanograd_conv (from the nanograd checkout)"


def data(config, rng):
    sets = digits.data(config, rng)  # rows of 64 pixels, shifted copies added, standardized
    images = {name: (x.reshape(-1, 1, 8, 8), t) for name, (x, t) in sets.items() if name != "meta"}
    return {**images, "meta": sets["meta"]}


def model(config, rng):
    conv = require("nanograd_conv.nn", PLUGIN_INSTALL, needed_by="experiments/digits_cnn.py")
    c1, c2 = config["channels"]
    return ng.nn.Sequential(
        conv.Conv2d(1, c1, 3, padding=1, generator=rng),  # 8x8
        ng.nn.ReLU(),
        conv.MaxPool2d(2),  # 4x4
        conv.Conv2d(c1, c2, 3, padding=1, generator=rng),
        ng.nn.ReLU(),
        conv.MaxPool2d(2),  # 2x2
        ng.nn.Flatten(),
        ng.nn.Linear(c2 * 2 * 2, 10, generator=rng),
    )


metrics = digits.metrics


def plots(run):
    return {**digits.plots(run), "filters": filters(np.asarray(run.model[0].weight.data))}


def filters(weight, cols=8):
    """The first convolution's 3x3 filters, one small image each, eight to a row."""
    n = weight.shape[0]
    rows = -(-n // cols)
    fig, axes = new_figure(ncols=cols, nrows=rows, size=(1.1, 1.3))
    limit = np.abs(weight).max()
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i < n:
            ax.imshow(weight[i, 0], cmap="RdBu", vmin=-limit, vmax=limit)
            ax.set_title(f"filter {i}", fontsize=9)
    fig.suptitle("first-layer 3x3 filters (red negative, blue positive)")
    return fig
