"""The standard losses: mse, l1, huber, bce, bce_with_logits, cross_entropy, nll, hinge, kl_div.

Each is a function of tensors built from registered ops, so its gradient comes from theirs; the
ones that take scores are written through the stable fused ops (``log_softmax``, ``softplus``),
so logits of magnitude 1e4 give finite losses and gradients. Arguments follow PyTorch's
functional losses; every one takes ``reduction="mean" | "sum" | "none"``.

Integer class labels are constants: they are never differentiated. Float targets (regression
values, probabilities) are differentiable when passed as tensors that require grad.
Each loss declares a custom domain so the property suite gradient-checks it like an op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

import nanograd as ng
from nanograd import domain
from nanograd.contract import RegisterLoss
from nanograd.domain import Case
from nanograd.tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")

# NumPy's dtype kinds, the checks run on every call: dtype.kind is a string comparison, where
# np.issubdtype costs as much as a small ufunc call.
FLOAT = "f"
INTEGER = "iu"
NUMBER = "iufc"


# -- argument checks shared by the losses -------------------------------------------------------


def _input(name: str, x: Any) -> Tensor:
    t = x if isinstance(x, Tensor) else ng.as_tensor(np.asarray(x))
    if t.dtype.kind != FLOAT:
        raise TypeError(
            f"{name}: input must be floating point (scores, predictions); got dtype {t.dtype} "
            f"of shape {t.shape}"
        )
    return t


def _reduction(name: str, reduction: str, allowed: tuple[str, ...] = REDUCTIONS) -> None:
    if reduction not in allowed:
        raise ValueError(
            f"{name}: reduction must be one of {', '.join(map(repr, allowed))}; got {reduction!r}"
        )


def _float_target(name: str, x: Tensor, target: Any) -> Any:
    """The target as the input's dtype and shape: a tensor stays one (differentiable if it
    requires grad), anything else becomes a constant array."""
    if isinstance(target, Tensor) and target.requires_grad:
        t: Any = target
    elif isinstance(target, Tensor):
        # kept a tensor, so that what is computed from it (bce's 1 - t) is made by ops, which
        # a compiled program replays with each call's target
        _numeric_target(name, target.dtype)
        t = target if target.dtype == x.dtype else target.astype(x.dtype)
    else:
        data = np.asarray(target)
        _numeric_target(name, data.dtype)
        t = data.astype(x.dtype, copy=False)
    if tuple(t.shape) != x.shape:
        raise ValueError(
            f"{name}: input has shape {x.shape} but target has shape {tuple(t.shape)}; they must "
            f"match (nanograd does not broadcast a loss's target: reshape one, e.g. "
            f"target.reshape({x.shape}))"
        )
    return t


def _numeric_target(name: str, dtype: Any) -> None:
    if dtype.kind not in NUMBER + "b":
        raise TypeError(f"{name}: target must be numeric; got dtype {dtype}")


def _constant(name: str, argument: str, value: Any, x: Tensor) -> np.ndarray | None:
    if value is None:
        return None
    data = np.asarray(value.data if isinstance(value, Tensor) else value)
    if data.dtype.kind not in NUMBER:
        raise TypeError(f"{name}: {argument} must be numeric; got dtype {data.dtype}")
    return data.astype(x.dtype, copy=False)


def _elementwise_weight(name: str, argument: str, value: Any, x: Tensor) -> np.ndarray | None:
    """A constant scaling the loss element by element: it must broadcast to the input's shape
    (a larger one would silently change the loss's shape and its mean)."""
    w = _constant(name, argument, value, x)
    if w is not None and not _broadcasts_to(w.shape, x.shape):
        raise ValueError(
            f"{name}: {argument} has shape {w.shape}, which does not broadcast to the input's "
            f"shape {x.shape}; give one of that shape, or of its trailing axes such as "
            f"({x.shape[-1] if x.ndim else 1},)"
        )
    return w


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def _reduce(loss: Any, reduction: str) -> Any:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


# -- regression ----------------------------------------------------------------------------------


def mse(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: (input - target)², reduced."""
    _reduction("mse", reduction)
    x = _input("mse", input)
    d = x - _float_target("mse", x, target)
    return _reduce(d * d, reduction)


def l1(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error: |input - target|, reduced. Its gradient at input == target is 0."""
    _reduction("l1", reduction)
    x = _input("l1", input)
    return _reduce(ng.ops.abs(x - _float_target("l1", x, target)), reduction)


def huber(input: Any, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss: ½d² where |d| <= delta, delta·(|d| - ½·delta) beyond (d = input - target).

    Quadratic near zero, linear in the tails, so outliers pull with bounded force.
    """
    _reduction("huber", reduction)
    if not delta > 0:
        raise ValueError(f"huber: delta must be > 0, got {delta!r}")
    x = _input("huber", input)
    a = ng.ops.abs(x - _float_target("huber", x, target))
    q = ng.ops.minimum(a, delta)
    return _reduce(0.5 * q * q + delta * (a - q), reduction)


# -- binary classification -----------------------------------------------------------------------


def bce(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities ``input`` in [0, 1] against ``target`` in [0, 1]:
    -(t·log p + (1-t)·log(1-p)), each log clamped at -100 as PyTorch does.

    Prefer ``bce_with_logits`` on raw scores: it is stable where this one saturates.
    """
    _reduction("bce", reduction)
    x = _input("bce", input)
    t = _float_target("bce", x, target)
    _check_probabilities(x)
    loss = -(t * _clamped_log(x) + (1 - t) * _clamped_log(1 - x))
    w = _elementwise_weight("bce", "weight", weight, x)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


@ng.callback  # made from the target of each call, in a compiled program too
def _positive(t: Any) -> np.ndarray:
    return np.asarray((t.data if isinstance(t, Tensor) else t) > 0)


@ng.callback  # checked on every call, a compiled program's too
def _check_probabilities(x: Tensor) -> None:
    if x.size and (np.min(x.data) < 0 or np.max(x.data) > 1):
        raise ValueError(
            f"bce: input must hold probabilities in [0, 1] (input of shape {x.shape} ranges over "
            f"[{np.min(x.data):.4g}, {np.max(x.data):.4g}]); for raw scores use bce_with_logits"
        )


@ng.callback  # read from each call's values, in a compiled program too
def _zeros(p: Tensor) -> np.ndarray:
    return np.asarray(p.data == 0)


def _clamped_log(p: Tensor) -> Tensor:
    """max(log p, -100) for p in [0, 1], PyTorch's clamp, with the gradient where p is 0 the
    clamp's slope, 0, rather than 0·∞ = nan (a float32 sigmoid saturates to exactly 0 or 1 near
    |x| = 17). One formula for every value, without a branch on them, so that a compiled
    program gives what eager gives whichever inputs it meets."""
    tiny = float(np.finfo(p.dtype).smallest_subnormal)
    if np.log(tiny) <= -100.0:
        # log of p raised to the smallest subnormal: the same log wherever it is above -100,
        # and at most -100 (so clamped to it) where p was smaller, or 0; one op more than the
        # bare log, and the same bits as it
        return ng.ops.maximum(ng.ops.log(ng.ops.maximum(p, tiny)), -100.0)
    # float16's smallest log is about -17: take the log of 1 where p is 0, then put -100 there
    zero = _zeros(p)
    log_p = ng.ops.maximum(ng.ops.log(ng.ops.where(zero, 1.0, p)), -100.0)
    return ng.ops.where(zero, -100.0, log_p)


def bce_with_logits(
    input: Any,
    target: Any,
    weight: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy on raw scores: sigmoid and log fused, stable for any finite logit.

    ``softplus(x) - t·x``, or with ``pos_weight`` (weight of positives, broadcast along the
    last axis) ``(1-t)·x + (1 + (pos_weight-1)·t)·softplus(-x)``.
    """
    _reduction("bce_with_logits", reduction)
    x = _input("bce_with_logits", input)
    t = _float_target("bce_with_logits", x, target)
    pw = _elementwise_weight("bce_with_logits", "pos_weight", pos_weight, x)
    if pw is None:
        loss = ng.ops.softplus(x) - t * x
    else:
        loss = (1 - t) * x + (1 + (pw - 1) * t) * ng.ops.softplus(-x)
    w = _elementwise_weight("bce_with_logits", "weight", weight, x)
    if w is not None:
        loss = loss * w
    return _reduce(loss, reduction)


def hinge(input: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """Max-margin loss for labels ±1: max(0, margin - target·input).

    The loss of micrograd's moons demo: zero once a point is on the right side by ``margin``.
    """
    _reduction("hinge", reduction)
    x = _input("hinge", input)
    t = _float_target("hinge", x, target)
    _check_signs(target)
    return _reduce(ng.ops.relu(margin - t * x), reduction)


@ng.callback  # checked on every call, a compiled program's too
def _check_signs(target: Any) -> None:
    values = np.asarray(target.data if isinstance(target, Tensor) else target)
    if values.size and not np.all((values == 1) | (values == -1)):
        found = np.unique(values)[:6]
        raise ValueError(
            f"hinge: target must hold labels -1 or +1; found {found.tolist()} in a target of "
            f"shape {values.shape} (map 0/1 labels with 2 * y - 1)"
        )


# -- multi-class classification ------------------------------------------------------------------


def _class_axis(name: str, x: Tensor) -> int:
    if x.ndim == 0:
        raise ValueError(
            f"{name}: input must have a class axis: shape (C,), (N, C) or (N, C, d1, ...); "
            "got a 0-d input"
        )
    return 0 if x.ndim == 1 else 1


def _class_weight(name: str, weight: Any, x: Tensor, axis: int) -> np.ndarray | None:
    w = _constant(name, "weight", weight, x)
    if w is None:
        return None
    n_classes = x.shape[axis]
    if w.shape != (n_classes,):
        raise ValueError(
            f"{name}: weight must have one entry per class, shape ({n_classes},); got shape "
            f"{w.shape} for input of shape {x.shape}"
        )
    shape = [1] * x.ndim
    shape[axis] = n_classes
    return w.reshape(shape)


@ng.callback  # made from the labels of each call, in a compiled program too
def _label_coefficients(
    name: str,
    x: Tensor,
    target: Any,
    axis: int,
    weight: np.ndarray | None,
    ignore_index: int,
    smoothing: float,
) -> tuple[np.ndarray, float]:
    """For integer labels: the per-class coefficients c such that the loss of each sample is
    -sum(c · log p) over the class axis, and the denominator of the mean (PyTorch's: the summed
    weights of the labels that are not ignored)."""
    labels = np.asarray(target.data if isinstance(target, Tensor) else target)
    n_classes = x.shape[axis]
    expected = x.shape[:axis] + x.shape[axis + 1 :]
    if labels.shape != expected:
        batch = f"batch {x.shape[0]}, " if axis == 1 else ""
        raise ValueError(
            f"{name}: input of shape {x.shape} ({batch}{n_classes} classes) needs integer labels "
            f"of shape {expected}; got target of shape {labels.shape}"
        )
    valid = labels != ignore_index
    # Every label kept, the usual case, costs a few reductions less than the general one.
    every = bool(valid.all())
    if every:
        outside = labels.size > 0 and (labels.min() < 0 or labels.max() >= n_classes)
    else:
        outside = bool((valid & ((labels < 0) | (labels >= n_classes))).any())
    if outside:
        bad = valid & ((labels < 0) | (labels >= n_classes))
        raise ValueError(
            f"{name}: target holds class label {int(labels[bad].flat[0])}, outside [0, "
            f"{n_classes}) for input of shape {x.shape} with {n_classes} classes"
            + (f" (ignore_index is {ignore_index})" if ignore_index != -100 else "")
        )
    if every and axis == x.ndim - 1:
        # the classes on the last axis: a 1 put in each row of zeros at its label, which costs
        # a third of picking rows of an identity matrix and no n_classes² array
        onehot = np.zeros((*labels.shape, n_classes), dtype=x.dtype)
        onehot.reshape(-1, n_classes)[np.arange(labels.size), labels.reshape(-1)] = 1
    else:
        classes_shape = [1] * x.ndim
        classes_shape[axis] = n_classes
        classes = np.arange(n_classes).reshape(classes_shape)
        picked = np.expand_dims(np.where(valid, labels, -1), axis)
        onehot = (picked == classes).astype(x.dtype)
    coef = onehot
    if smoothing:
        mask = np.expand_dims(valid, axis).astype(x.dtype)
        coef = onehot * (1 - smoothing) + mask * (smoothing / n_classes)
    if weight is not None:
        coef = coef * weight
        denominator = float(np.sum(onehot * weight))
    else:
        denominator = float(labels.size if every else np.count_nonzero(valid))
    return coef.astype(x.dtype, copy=False), denominator


def _is_labels(target: Any) -> bool:
    dtype = target.dtype if isinstance(target, (Tensor, np.ndarray)) else np.asarray(target).dtype
    return dtype.kind in INTEGER


def cross_entropy(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy of logits ``input`` — shape (C,), (N, C) or (N, C, d1, ...) — against
    integer class labels (shape without the class axis) or class probabilities (the input's
    shape), as PyTorch's.

    Computed through ``log_softmax``, so logits of any finite size give finite results.
    ``weight`` rescales each class; labels equal to ``ignore_index`` contribute nothing;
    ``label_smoothing`` mixes the target with the uniform distribution. With labels, "mean"
    divides by the summed weights of the labels kept; with probabilities, by the sample count.
    """
    name = "cross_entropy"
    _reduction(name, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{name}: label_smoothing must be in [0, 1], got {label_smoothing!r}")
    x = _input(name, input)
    axis = _class_axis(name, x)
    w = _class_weight(name, weight, x, axis)
    log_p = ng.ops.log_softmax(x, axis=axis)
    if _is_labels(target):
        coef, denominator = _label_coefficients(
            name, x, target, axis, w, ignore_index, label_smoothing
        )
        if reduction == "mean":
            # one sum over everything: a graph node fewer than summing per sample first
            return -(log_p * coef).sum() / denominator
        return _reduce(-(log_p * coef).sum(axis=axis), reduction)
    _check_class_probabilities(name, x, target, axis)
    t = _float_target(name, x, target)
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / x.shape[axis]
    if w is not None:
        t = t * w
    return _reduce(-(log_p * t).sum(axis=axis), reduction)


@ng.callback  # checked on every call, a compiled program's too
def _check_class_probabilities(name: str, x: Tensor, target: Any, axis: int) -> None:
    data = target.data if isinstance(target, Tensor) else np.asarray(target)
    if data.dtype.kind != FLOAT or data.shape != x.shape:
        raise ValueError(
            f"{name}: target must be integer class labels of shape "
            f"{x.shape[:axis] + x.shape[axis + 1 :]} or floating class probabilities of the "
            f"input's shape {x.shape}; got {data.dtype} of shape {data.shape}"
            + (" (float labels? convert with target.astype(int))" if data.shape != x.shape else "")
        )
    if data.size and (np.min(data) < 0 or np.max(data) > 1):
        raise ValueError(
            f"{name}: class probabilities must lie in [0, 1]; the target of shape {data.shape} "
            f"ranges over [{np.min(data):.4g}, {np.max(data):.4g}] (for -1/+1 labels of a "
            "single score use hinge or bce_with_logits; for class indices pass integers)"
        )


def nll(
    input: Any,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (as from ``log_softmax``) at
    integer class labels ``target``: -input[n, target[n]], weighted and reduced as PyTorch's."""
    name = "nll"
    _reduction(name, reduction)
    x = _input(name, input)
    axis = _class_axis(name, x)
    if not _is_labels(target):
        dtype = target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype
        raise TypeError(
            f"{name}: target must hold integer class labels; got dtype {dtype} of shape "
            f"{np.shape(target.data if isinstance(target, Tensor) else target)} (convert with "
            "target.astype(int); for class probabilities use cross_entropy)"
        )
    w = _class_weight(name, weight, x, axis)
    coef, denominator = _label_coefficients(name, x, target, axis, w, ignore_index, 0.0)
    if reduction == "mean":
        return -(x * coef).sum() / denominator
    return _reduce(-(x * coef).sum(axis=axis), reduction)


def kl_div(input: Any, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence with ``input`` as log-probabilities, as PyTorch's:
    target·(log target - input) pointwise (0 where target is 0), or with ``log_target``
    exp(target)·(target - input). "batchmean" divides the sum by the batch size, which gives
    the true KL divergence; "mean" divides by the element count, as PyTorch does.
    """
    name = "kl_div"
    _reduction(name, reduction, (*REDUCTIONS, "batchmean"))
    x = _input(name, input)
    t = _float_target(name, x, target)
    if log_target:
        pointwise = ng.ops.exp(t) * (t - x)
    else:
        positive = _positive(t)
        safe = ng.ops.where(positive, t, 1.0)
        pointwise = ng.ops.where(positive, t * ng.ops.log(safe), 0.0) - t * x
    if reduction == "batchmean":
        return pointwise.sum() / (x.shape[0] if x.ndim else 1)
    return _reduce(pointwise, reduction)


# -- property-test domains -----------------------------------------------------------------------
# Each returns a Hypothesis strategy of Case; Hypothesis is imported only when one is drawn.

_SHAPES = [(4,), (3, 2), (2, 3, 2)]


def _reductions(extra: tuple[str, ...] = ()) -> Any:
    from hypothesis import strategies as st

    return st.sampled_from([*REDUCTIONS, *extra])


def _pair_cases(low: float = -2.0, high: float = 2.0, apart: float = 0.0, **params: Any) -> Any:
    """(input, target) of one shape; ``apart`` keeps |input - target| off 0 and off
    ``params['delta']`` (the kinks of l1 and huber)."""

    def strategy(arrays: Any) -> Any:
        from hypothesis import strategies as st

        def build(shape: tuple[int, ...]) -> Any:
            def case(values: tuple[np.ndarray, np.ndarray, str]) -> Case:
                x, t, reduction = values
                if apart:
                    d = x - t
                    for kink in (0.0, params.get("delta", 0.0)):
                        near = np.abs(np.abs(d) - kink) < apart
                        x = np.where(near, x + 3 * apart, x)
                        d = x - t
                return Case((x, t), {"reduction": reduction, **params})

            return st.tuples(arrays(shape, low, high), arrays(shape, low, high), _reductions()).map(
                case
            )

        return st.sampled_from(_SHAPES).flatmap(build)

    return strategy


def _probability_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def build(shape: tuple[int, ...]) -> Any:
        return st.tuples(arrays(shape, 0.05, 0.95), arrays(shape, 0.0, 1.0), _reductions()).map(
            lambda v: Case((v[0], v[1]), {"reduction": v[2]})
        )

    return st.sampled_from(_SHAPES).flatmap(build)


def _logit_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def build(shape: tuple[int, ...]) -> Any:
        pos_weight = st.sampled_from([None, np.linspace(0.5, 2.0, shape[-1])])
        return st.tuples(
            arrays(shape, -4.0, 4.0), arrays(shape, 0.0, 1.0), _reductions(), pos_weight
        ).map(lambda v: Case((v[0], v[1]), {"reduction": v[2], "pos_weight": v[3]}))

    return st.sampled_from(_SHAPES).flatmap(build)


def _sign_labels(shape: tuple[int, ...]) -> Any:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    return hnp.arrays(np.int64, shape, elements=st.sampled_from([-1, 1]))


def _hinge_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def case(values: tuple[np.ndarray, np.ndarray, str]) -> Case:
        x, y, reduction = values
        # The kink is at y·x = 1, that is x = y: keep the scores at least 0.05 from it.
        x = np.where(np.abs(x - y) < 0.05, x + 0.15, x)
        return Case((x, y), {"reduction": reduction})

    def build(shape: tuple[int, ...]) -> Any:
        return st.tuples(arrays(shape, -2.0, 2.0), _sign_labels(shape), _reductions()).map(case)

    return st.sampled_from(_SHAPES).flatmap(build)


# (input shape, class axis): unbatched (C,), batched (N, C), and with a spatial axis.
_CLASS_SHAPES = [((3,), 0), ((4, 3), 1), ((2, 3, 2), 1)]


def _labels(shape: tuple[int, ...], axis: int) -> Any:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    label_shape = shape[:axis] + shape[axis + 1 :]
    return hnp.arrays(np.int64, label_shape, elements=st.integers(0, shape[axis] - 1))


def _class_weights(n_classes: int) -> Any:
    from hypothesis import strategies as st

    return st.sampled_from([None, np.linspace(0.5, 1.5, n_classes)])


def _cross_entropy_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def build(spec: tuple[tuple[int, ...], int]) -> Any:
        shape, axis = spec

        def probabilities(p: np.ndarray) -> np.ndarray:
            return p / p.sum(axis=axis, keepdims=True)

        target = st.one_of(_labels(shape, axis), arrays(shape, 0.05, 1.0).map(probabilities))
        params = st.fixed_dictionaries(
            {
                "reduction": _reductions(),
                "label_smoothing": st.sampled_from([0.0, 0.1]),
                "weight": _class_weights(shape[axis]),
            }
        )
        return st.tuples(arrays(shape, -4.0, 4.0), target, params).map(
            lambda v: Case((v[0], v[1]), v[2])
        )

    return st.sampled_from(_CLASS_SHAPES).flatmap(build)


def _nll_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def build(spec: tuple[tuple[int, ...], int]) -> Any:
        shape, axis = spec
        params = st.fixed_dictionaries(
            {"reduction": _reductions(), "weight": _class_weights(shape[axis])}
        )
        return st.tuples(arrays(shape, -4.0, 0.0), _labels(shape, axis), params).map(
            lambda v: Case((v[0], v[1]), v[2])
        )

    return st.sampled_from(_CLASS_SHAPES).flatmap(build)


def _kl_div_cases(arrays: Any) -> Any:
    from hypothesis import strategies as st

    def build(shape: tuple[int, ...]) -> Any:
        return st.tuples(
            arrays(shape, -3.0, 0.0),
            arrays(shape, 0.05, 1.0),
            _reductions(("batchmean",)),
            st.booleans(),
        ).map(
            lambda v: Case(
                (v[0], np.log(v[1]) if v[3] else v[1]), {"reduction": v[2], "log_target": v[3]}
            )
        )

    return st.sampled_from(_SHAPES).flatmap(build)


def register_losses(register: RegisterLoss) -> None:
    """Register every standard loss with the domain its property test draws from."""
    register("mse", mse, domain=domain.custom(_pair_cases()))
    register("l1", l1, domain=domain.custom(_pair_cases(apart=0.05)))
    register("huber", huber, domain=domain.custom(_pair_cases(apart=0.05, delta=1.0)))
    register("bce", bce, domain=domain.custom(_probability_cases))
    register("bce_with_logits", bce_with_logits, domain=domain.custom(_logit_cases))
    register("cross_entropy", cross_entropy, domain=domain.custom(_cross_entropy_cases))
    register("nll", nll, domain=domain.custom(_nll_cases))
    register("hinge", hinge, domain=domain.custom(_hinge_cases))
    register("kl_div", kl_div, domain=domain.custom(_kl_div_cases))
