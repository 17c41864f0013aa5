"""The standard losses against their definitions written out in NumPy, their reductions and
options, numerical stability at logits of 1e4, error messages, and the ng.losses namespace."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nanograd as ng
from nanograd import plugins

RNG = np.random.default_rng(42)
X = RNG.standard_normal((4, 3))
T = RNG.standard_normal((4, 3))
LOGITS = RNG.standard_normal((5, 4)) * 2
LABELS = np.array([0, 3, 1, 1, 2])


def reduce(values: np.ndarray, reduction: str) -> Any:
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


def log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    z = z - z.max(axis=axis, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def value(t: ng.Tensor) -> np.ndarray:
    return np.asarray(t.data)


REDUCTIONS = ["mean", "sum", "none"]


# -- values against their definitions -------------------------------------------------------------


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse(reduction: str) -> None:
    expected = reduce((X - T) ** 2, reduction)
    np.testing.assert_allclose(value(ng.losses.mse(ng.tensor(X), T, reduction)), expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_l1(reduction: str) -> None:
    expected = reduce(np.abs(X - T), reduction)
    np.testing.assert_allclose(value(ng.losses.l1(ng.tensor(X), T, reduction)), expected)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_huber_is_quadratic_inside_delta_and_linear_outside(delta: float, reduction: str) -> None:
    d = np.abs(X - T)
    assert (d < 0.5).any() and (d > 2.0).any()  # both pieces are exercised
    expected = np.where(d <= delta, 0.5 * d**2, delta * (d - 0.5 * delta))
    got = ng.losses.huber(ng.tensor(X), T, reduction=reduction, delta=delta)
    np.testing.assert_allclose(value(got), reduce(expected, reduction), rtol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction: str) -> None:
    p = 1 / (1 + np.exp(-X))
    t = (T > 0).astype(float)
    expected = reduce(-(t * np.log(p) + (1 - t) * np.log(1 - p)), reduction)
    np.testing.assert_allclose(value(ng.losses.bce(ng.tensor(p), t, reduction=reduction)), expected)


def test_bce_clamps_the_log_at_minus_100() -> None:
    loss = ng.losses.bce(ng.tensor([0.0, 1.0]), np.array([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(value(loss), [100.0, 100.0])


def test_bce_gradient_is_finite_where_the_log_is_clamped() -> None:
    # Interior points follow d/dx = (x - t) / (x(1 - x)); at 0 and 1 the clamped log is flat.
    x = ng.tensor([0.0, 1.0, 0.25, 0.75], requires_grad=True)
    ng.losses.bce(x, np.array([1.0, 0.0, 1.0, 0.0]), reduction="sum").backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, -4.0, 4.0], rtol=1e-14)
    # A float32 sigmoid saturates to exactly 1.0 at 30: the loss still trains the other points.
    z = ng.tensor(np.array([30.0, -3.0], dtype=np.float32), requires_grad=True)
    ng.losses.bce(ng.ops.sigmoid(z), np.array([0.0, 1.0]), reduction="sum").backward()
    assert z.grad is not None
    np.testing.assert_allclose(z.grad.data, [0.0, -1 / (1 + np.exp(-3.0))], rtol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_equals_bce_of_the_sigmoid(reduction: str) -> None:
    t = (T > 0).astype(float)
    p = 1 / (1 + np.exp(-X))
    expected = reduce(-(t * np.log(p) + (1 - t) * np.log(1 - p)), reduction)
    got = ng.losses.bce_with_logits(ng.tensor(X), t, reduction=reduction)
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)


def test_bce_with_logits_pos_weight_and_weight() -> None:
    t = (T > 0).astype(float)
    p = 1 / (1 + np.exp(-X))
    pos_weight = np.array([1.0, 2.0, 0.5])
    weight = np.linspace(0.1, 1.2, 12).reshape(4, 3)
    expected = -weight * (pos_weight * t * np.log(p) + (1 - t) * np.log(1 - p))
    got = ng.losses.bce_with_logits(
        ng.tensor(X), t, weight=weight, reduction="none", pos_weight=pos_weight
    )
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_is_the_max_margin_loss(reduction: str) -> None:
    y = np.where(T > 0, 1, -1)
    expected = reduce(np.maximum(0, 1 - y * X), reduction)
    np.testing.assert_allclose(
        value(ng.losses.hinge(ng.tensor(X), y, reduction=reduction)), expected
    )
    wide = reduce(np.maximum(0, 2 - y * X), reduction)
    got = ng.losses.hinge(ng.tensor(X), y, margin=2.0, reduction=reduction)
    np.testing.assert_allclose(value(got), wide)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_integer_labels(reduction: str) -> None:
    nll = -log_softmax(LOGITS, 1)[np.arange(5), LABELS]
    got = ng.losses.cross_entropy(ng.tensor(LOGITS), LABELS, reduction=reduction)
    np.testing.assert_allclose(value(got), reduce(nll, reduction), rtol=1e-12)


def test_cross_entropy_class_weights_divide_the_mean_by_the_weights_used() -> None:
    w = np.array([0.5, 1.0, 2.0, 4.0])
    nll = -log_softmax(LOGITS, 1)[np.arange(5), LABELS]
    expected = np.sum(w[LABELS] * nll) / np.sum(w[LABELS])
    got = ng.losses.cross_entropy(ng.tensor(LOGITS), LABELS, weight=w)
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)


def test_cross_entropy_ignore_index_drops_those_samples() -> None:
    labels = np.array([0, -100, 1, 1, -100])
    kept = [0, 2, 3]
    nll = -log_softmax(LOGITS, 1)[kept, labels[kept]]
    got = ng.losses.cross_entropy(ng.tensor(LOGITS), labels)
    np.testing.assert_allclose(value(got), nll.mean(), rtol=1e-12)
    none = ng.losses.cross_entropy(ng.tensor(LOGITS), labels, reduction="none")
    assert value(none)[1] == 0.0 and value(none)[4] == 0.0
    custom = ng.losses.cross_entropy(ng.tensor(LOGITS), np.where(labels < 0, 3, labels),
                                     ignore_index=3)  # fmt: skip
    np.testing.assert_allclose(value(custom), nll.mean(), rtol=1e-12)


def test_cross_entropy_label_smoothing_mixes_in_the_uniform_target() -> None:
    eps, n_classes = 0.2, 4
    logp = log_softmax(LOGITS, 1)
    target = np.full((5, n_classes), eps / n_classes)
    target[np.arange(5), LABELS] += 1 - eps
    expected = -(target * logp).sum(1).mean()
    got = ng.losses.cross_entropy(ng.tensor(LOGITS), LABELS, label_smoothing=eps)
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)


def pytorch_smoothed_cross_entropy(
    logits: np.ndarray, labels: np.ndarray, weight: np.ndarray, eps: float, reduction: str
) -> Any:
    """PyTorch's cross_entropy with integer labels and label smoothing, as its implementation
    composes it: (1 - eps)·nll + eps/C·smooth, where smooth = -Σ_c w_c·log p_c per sample,
    both zero at ignored labels and, for "mean", both divided by Σ w[label] over kept labels."""
    n_classes = logits.shape[1]
    logp = log_softmax(logits, 1)
    kept = labels != -100
    safe = np.where(kept, labels, 0)
    nll = -weight[safe] * logp[np.arange(len(labels)), safe] * kept
    smooth = -(logp * weight).sum(1) * kept
    if reduction == "mean":
        total = np.sum(weight[safe] * kept)
        nll, smooth = nll.sum() / total, smooth.sum() / total
    elif reduction == "sum":
        nll, smooth = nll.sum(), smooth.sum()
    return (1 - eps) * nll + eps / n_classes * smooth


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_label_smoothing_with_weights_and_ignored_labels(reduction: str) -> None:
    labels = np.array([0, -100, 3, 1, 2])
    w = np.array([0.5, 1.0, 2.0, 4.0])
    expected = pytorch_smoothed_cross_entropy(LOGITS, labels, w, 0.3, reduction)
    got = ng.losses.cross_entropy(
        ng.tensor(LOGITS), labels, weight=w, reduction=reduction, label_smoothing=0.3
    )
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities_with_weights_and_smoothing(reduction: str) -> None:
    # PyTorch: target·(1 - eps) + eps/C, each class weighted, "mean" over the samples.
    probs = np.exp(log_softmax(np.random.default_rng(5).standard_normal((5, 3)), 1))
    logits = LOGITS[:, :3]
    w = np.array([0.5, 2.0, 1.0])
    per_sample = -(log_softmax(logits, 1) * (probs * 0.8 + 0.2 / 3) * w).sum(1)
    got = ng.losses.cross_entropy(
        ng.tensor(logits), probs, weight=w, reduction=reduction, label_smoothing=0.2
    )
    np.testing.assert_allclose(value(got), reduce(per_sample, reduction), rtol=1e-12)


def test_cross_entropy_with_class_probabilities() -> None:
    probs = np.exp(log_softmax(RNG.standard_normal((5, 4)), 1))
    expected = -(probs * log_softmax(LOGITS, 1)).sum(1).mean()
    got = ng.losses.cross_entropy(ng.tensor(LOGITS), probs)
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)
    onehot = np.eye(4)[LABELS]
    from_onehot = ng.losses.cross_entropy(ng.tensor(LOGITS), onehot, label_smoothing=0.1)
    from_labels = ng.losses.cross_entropy(ng.tensor(LOGITS), LABELS, label_smoothing=0.1)
    np.testing.assert_allclose(value(from_onehot), value(from_labels), rtol=1e-12)


def test_cross_entropy_unbatched_and_spatial_inputs() -> None:
    single = ng.losses.cross_entropy(ng.tensor(LOGITS[1]), np.array(3))
    np.testing.assert_allclose(value(single), -log_softmax(LOGITS[1], 0)[3], rtol=1e-12)
    spatial = RNG.standard_normal((2, 4, 3))  # (N, C, d)
    labels = np.array([[0, 3, 1], [2, 2, 0]])
    logp = log_softmax(spatial, 1)
    expected = -np.take_along_axis(logp, labels[:, None, :], axis=1)[:, 0, :]
    got = ng.losses.cross_entropy(ng.tensor(spatial), labels, reduction="none")
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)


def test_nll_of_log_softmax_is_cross_entropy() -> None:
    logp = ng.ops.log_softmax(ng.tensor(LOGITS), axis=1)
    w = np.array([1.0, 2.0, 1.0, 0.5])
    for reduction in REDUCTIONS:
        np.testing.assert_allclose(
            value(ng.losses.nll(logp, LABELS, weight=w, reduction=reduction)),
            value(
                ng.losses.cross_entropy(ng.tensor(LOGITS), LABELS, weight=w, reduction=reduction)
            ),
            rtol=1e-12,
        )


@pytest.mark.parametrize("reduction", [*REDUCTIONS, "batchmean"])
def test_kl_div(reduction: str) -> None:
    log_q = log_softmax(X, 1)
    p = np.exp(log_softmax(T, 1))
    p[0, 0] = 0.0  # 0 · log 0 counts as 0
    pointwise = np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0) - p * log_q
    expected = pointwise.sum() / 4 if reduction == "batchmean" else reduce(pointwise, reduction)
    got = ng.losses.kl_div(ng.tensor(log_q), p, reduction=reduction)
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)
    assert np.isfinite(value(got)).all()


def test_kl_div_with_log_target() -> None:
    log_q, log_p = log_softmax(X, 1), log_softmax(T, 1)
    expected = (np.exp(log_p) * (log_p - log_q)).sum() / 4
    got = ng.losses.kl_div(ng.tensor(log_q), log_p, reduction="batchmean", log_target=True)
    np.testing.assert_allclose(value(got), expected, rtol=1e-12)


# -- gradients -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "inputs", "params"),
    [
        ("mse", (X, T), {}),
        ("huber", (X, T), {"delta": 0.7, "reduction": "sum"}),
        ("bce", (1 / (1 + np.exp(-X)), (T > 0) * 1.0), {}),
        ("bce_with_logits", (X, (T > 0) * 1.0), {"pos_weight": np.array([1.0, 3.0, 0.5])}),
        ("cross_entropy", (LOGITS, LABELS),
         {"weight": np.array([0.5, 1.0, 2.0, 1.5]), "label_smoothing": 0.1}),
        ("cross_entropy", (LOGITS, np.exp(log_softmax(LOGITS.T[::-1].T, 1))), {}),
        ("nll", (log_softmax(LOGITS, 1), np.array([0, -100, 1, 1, 2])), {}),
        ("hinge", (X, np.where(T > 0, 1, -1)), {"reduction": "none"}),
        ("kl_div", (log_softmax(X, 1), np.exp(log_softmax(T, 1))), {"reduction": "batchmean"}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_loss_gradients_pass_gradcheck(
    name: str, inputs: tuple[Any, ...], params: dict[str, Any]
) -> None:
    loss = ng.losses.get(name)
    assert ng.gradcheck(lambda *a: loss(*a, **params), inputs, name=name)


def test_a_target_that_requires_grad_gets_a_gradient() -> None:
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    t = ng.tensor([0.0, 4.0], requires_grad=True)
    ng.losses.mse(x, t).backward()
    assert t.grad is not None and x.grad is not None
    np.testing.assert_allclose(t.grad.data, [-1.0, 2.0])
    np.testing.assert_allclose(x.grad.data, [1.0, -2.0])


def test_cross_entropy_gradient_is_softmax_minus_onehot() -> None:
    x = ng.tensor(LOGITS, requires_grad=True)
    ng.losses.cross_entropy(x, LABELS, reduction="sum").backward()
    softmax = np.exp(log_softmax(LOGITS, 1))
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, softmax - np.eye(4)[LABELS], rtol=1e-12, atol=1e-15)


# -- stability -------------------------------------------------------------------------------------


def test_cross_entropy_is_finite_for_logits_of_magnitude_1e4() -> None:
    x = ng.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 1e4]], requires_grad=True)
    loss = ng.losses.cross_entropy(x, np.array([1, 0]), reduction="none")
    np.testing.assert_allclose(loss.data, [2e4, 2e4 + np.log(2)], rtol=1e-12)
    loss.sum().backward()
    assert x.grad is not None and np.isfinite(x.grad.data).all()
    np.testing.assert_allclose(x.grad.data, [[1, -1, 0], [-1, 0.5, 0.5]], atol=1e-12)


def test_bce_with_logits_is_finite_for_logits_of_magnitude_1e4() -> None:
    x = ng.tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    t = np.array([0.0, 1.0, 1.0, 0.0])
    loss = ng.losses.bce_with_logits(x, t, reduction="none")
    np.testing.assert_allclose(loss.data, [1e4, 1e4, 0.0, 0.0], atol=1e-12)
    loss.sum().backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, [1.0, -1.0, 0.0, 0.0], atol=1e-12)


@pytest.mark.parametrize("name", ["mse", "huber", "bce_with_logits", "cross_entropy", "hinge"])
def test_float32_inputs_give_float32_losses_and_gradients(name: str) -> None:
    x = ng.tensor(X.astype(np.float32), requires_grad=True)
    target = {
        "cross_entropy": np.array([0, 1, 2, 1]),
        "hinge": np.where(T > 0, 1, -1),
        "bce_with_logits": (T > 0) * 1.0,
    }.get(name, T)
    loss = ng.losses.get(name)(x, target)
    loss.backward()
    assert loss.dtype == np.float32
    assert x.grad is not None and x.grad.dtype == np.float32


# -- errors ----------------------------------------------------------------------------------------


def test_labels_out_of_range_are_named() -> None:
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: target holds class label 4, outside \[0, 4\) "
        r"for input of shape \(5, 4\)",
    ):
        ng.losses.cross_entropy(ng.tensor(LOGITS), np.array([0, 4, 1, 1, 2]))
    with pytest.raises(ValueError, match="nll: target holds class label -1"):
        ng.losses.nll(ng.tensor(LOGITS), np.array([0, -1, 1, 1, 2]))


def test_float_labels_where_integers_are_expected() -> None:
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: target must be integer class labels of shape \(5,\)"
        r".*got float64 of shape \(5,\).*astype\(int\)",
    ):
        ng.losses.cross_entropy(ng.tensor(LOGITS), LABELS.astype(float))
    with pytest.raises(
        TypeError, match=r"nll: target must hold integer class labels; got dtype float64"
    ):
        ng.losses.nll(ng.tensor(LOGITS), LABELS.astype(float))


def test_mismatched_batch_sizes_name_both_shapes() -> None:
    with pytest.raises(
        ValueError,
        match=r"input of shape \(5, 4\) \(batch 5, 4 classes\) needs integer labels of "
        r"shape \(5,\); got target of shape \(3,\)",
    ):
        ng.losses.cross_entropy(ng.tensor(LOGITS), np.array([0, 1, 2]))
    with pytest.raises(
        ValueError, match=r"mse: input has shape \(4, 3\) but target has shape \(3, 3\)"
    ):
        ng.losses.mse(ng.tensor(X), T[:3])
    with pytest.raises(
        ValueError, match=r"bce_with_logits: input has shape \(4, 1\) but target has shape \(4,\)"
    ):
        ng.losses.bce_with_logits(ng.tensor(X[:, :1]), T[:, 0])


def test_other_argument_mistakes() -> None:
    with pytest.raises(
        ValueError, match="mse: reduction must be one of 'mean', 'sum', 'none'; got 'avg'"
    ):
        ng.losses.mse(ng.tensor(X), T, reduction="avg")
    with pytest.raises(
        ValueError, match=r"hinge: target must hold labels -1 or \+1; found \[0, 1\]"
    ):
        ng.losses.hinge(ng.tensor([0.5, 0.2]), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"bce: input must hold probabilities in \[0, 1\]"):
        ng.losses.bce(ng.tensor(X), (T > 0) * 1.0)
    with pytest.raises(
        ValueError, match=r"weight must have one entry per class, shape \(4,\); got shape \(3,\)"
    ):
        ng.losses.cross_entropy(ng.tensor(LOGITS), LABELS, weight=np.ones(3))
    with pytest.raises(TypeError, match="cross_entropy: input must be floating point"):
        ng.losses.cross_entropy(np.array([[1, 2]]), np.array([0]))


@pytest.mark.parametrize(
    ("name", "argument", "shape"),
    [("bce", "weight", (2, 3)), ("bce_with_logits", "weight", (2, 4, 3)),
     ("bce_with_logits", "pos_weight", (4,))],
)  # fmt: skip
def test_a_weight_that_does_not_broadcast_to_the_input_is_named(
    name: str, argument: str, shape: tuple[int, ...]
) -> None:
    p = ng.tensor(np.full((4, 3), 0.5))
    message = rf"{name}: {argument} has shape {re.escape(str(shape))}, which does not broadcast "
    with pytest.raises(ValueError, match=message + r"to the input's shape \(4, 3\)"):
        ng.losses.get(name)(p, np.ones((4, 3)), **{argument: np.ones(shape)})


# -- the namespace ---------------------------------------------------------------------------------


def test_every_registered_loss_is_reachable_and_declares_a_domain() -> None:
    table = plugins.registry().losses
    expected = {"mse", "l1", "huber", "bce", "bce_with_logits", "cross_entropy", "nll", "hinge",
                "kl_div"}  # fmt: skip
    assert expected <= set(table)
    for name in expected:
        assert getattr(ng.losses, name) is table[name].function
        assert table[name].domain is not None and table[name].domain.kind == "custom"
        assert table[name].plugin == "nanograd_std"
    assert expected <= set(dir(ng.losses))


def test_an_unknown_loss_suggests_the_closest() -> None:
    with pytest.raises(AttributeError, match="did you mean 'cross_entropy'"):
        ng.losses.crossentropy  # noqa: B018


LOSS_PLUGIN = '''
import nanograd as ng


def squared_hinge(input, target, reduction="mean"):
    """max(0, 1 - y·x)²."""
    margin = ng.ops.relu(1 - target * input)
    loss = margin * margin
    return loss.mean() if reduction == "mean" else loss


@ng.hookimpl
def nanograd_register_losses(register):
    register("squared_hinge", squared_hinge)
'''


@pytest.fixture
def loss_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_plugins: Callable[..., Any]
) -> None:
    (tmp_path / "nanograd_test_squared_hinge.py").write_text(textwrap.dedent(LOSS_PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh_plugins("nanograd_test_squared_hinge")


@pytest.mark.usefixtures("loss_plugin")
def test_a_plugin_loss_is_reachable_by_name() -> None:
    loss = ng.losses.squared_hinge(ng.tensor([0.5, -2.0]), np.array([1.0, -1.0]))
    assert loss.item() == pytest.approx(0.125)
    assert "squared_hinge" in ng.losses.available()


def test_cross_entropy_refuses_probability_targets_outside_0_1() -> None:
    scores = ng.tensor(np.zeros((4, 1)), requires_grad=True)
    signs = np.array([[1.0], [-1.0], [1.0], [-1.0]])
    with pytest.raises(
        ValueError, match=r"cross_entropy: class probabilities must lie in \[0, 1\]"
    ):
        ng.losses.cross_entropy(scores, signs)
