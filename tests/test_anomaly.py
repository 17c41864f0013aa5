"""ng.detect_anomaly(): the first op to make a NaN or an inf, named, in forward and in backward."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import nanograd as ng
from nanograd import autograd, plugins

HERE = __file__

pytestmark = pytest.mark.filterwarnings(
    "ignore:(invalid value|divide by zero|overflow) encountered:RuntimeWarning"
)


def next_line() -> int:
    """The number of the caller's next line."""
    return sys._getframe(1).f_lineno + 1


def test_the_log_of_a_negative_number_is_named_with_its_plugin_input_and_line():
    x = ng.tensor([4.0, -2.0, 0.5], requires_grad=True)
    with ng.detect_anomaly(), pytest.raises(ng.AnomalyError) as info:
        line = next_line()
        y = x.log()  # noqa: F841
    error = info.value
    assert error.op.name == "log" and error.phase == "forward"
    assert (error.site.filename, error.site.lineno) == (HERE, line)
    message = str(error)
    assert message.startswith(
        "anomaly in the forward pass: op 'log' (plugin nanograd_std) returned 1 NaN among 3 values"
    )
    assert "input 0: shape (3,) float64, values [-2, 4]" in message
    assert "its inputs are all finite: log made the non-finite values" in message
    assert f"called at {HERE}:{line} in test_the_log_of_a_negative" in message
    assert message.endswith("y = x.log()  # noqa: F841")  # the line's source


def test_the_op_whose_gradient_first_goes_non_finite_in_backward_is_named():
    # sqrt(sqrt(x)) at x = 0: both gradients are infinite there; the walk meets the outer first.
    x = ng.tensor([0.0, 1.0, 16.0], requires_grad=True)
    with ng.detect_anomaly():
        inner = x.sqrt()
        line = next_line()
        outer = inner.sqrt()
        loss = (outer * 3.0).sum()
        with pytest.raises(ng.AnomalyError) as info:
            loss.backward()
    error = info.value
    assert error.op.name == "sqrt" and error.phase == "backward"
    assert error.site.lineno == line
    message = str(error)
    assert message.startswith(
        "anomaly in the backward pass: the gradient op 'sqrt' (plugin nanograd_std) passes "
        "back to its input 0 holds 1 inf among 3 values"
    )
    assert "the gradient of its output: shape (3,) float64, values all 3" in message
    assert "input 0: shape (3,) float64, values [0, 4]" in message
    assert message.endswith("outer = inner.sqrt()")
    assert x.grad is None  # nothing reached the leaf


def test_a_nan_made_inside_a_plugin_names_the_users_line_and_the_plugins():
    with ng.detect_anomaly(), pytest.raises(ng.AnomalyError) as info:
        line = next_line()
        ng.losses.mse(ng.tensor([1e200, 1.0]), ng.tensor([0.0, 0.0]))  # the square overflows
    error = info.value
    assert error.phase == "forward" and error.op.plugin == "nanograd_std"
    assert (error.site.filename, error.site.lineno) == (HERE, line)
    via_file, _, via_function = error.site.via
    assert via_file.endswith("losses.py") and via_function == "mse"
    assert "its inputs are all finite" in str(error)


def test_an_input_that_already_holds_nan_is_said_to_come_from_outside():
    x = ng.tensor([np.nan, 1.0, 3.0])
    with ng.detect_anomaly(), pytest.raises(ng.AnomalyError) as info:
        x + 1.0
    message = str(info.value)
    assert "input 0: shape (3,) float64, values [1, 3], 1 NaN" in message
    assert "input 1: the number 1.0" in message
    assert "input 0 already holds non-finite values, which no checked op made" in message


def test_a_non_finite_gradient_to_start_from_is_refused():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    with ng.detect_anomaly():
        y = x * 2.0
        with pytest.raises(ng.AnomalyError, match="the gradient backward started from holds 1 NaN"):
            y.backward(ng.tensor([np.nan, 1.0]))


def test_inside_the_mode_finite_work_gives_the_same_values_and_gradients():
    def loss_and_grads():
        rng = np.random.default_rng(1)
        model = ng.nn.MLP(3, [8, 8], 2, activation="tanh", generator=rng)
        X = ng.tensor(rng.standard_normal((5, 3)))
        loss = ng.losses.cross_entropy(model(X), rng.integers(0, 2, 5))
        loss.backward()
        return float(loss.data), [p.grad.data.copy() for p in model.parameters()]

    plain_loss, plain_grads = loss_and_grads()
    with ng.detect_anomaly():
        loss, grads = loss_and_grads()
    assert loss == plain_loss
    assert all(np.array_equal(a, b) for a, b in zip(grads, plain_grads, strict=True))


def test_ng_grad_and_second_derivatives_are_checked_too():
    x = ng.tensor([0.0, 1.0], requires_grad=True)
    with ng.detect_anomaly():
        (g,) = ng.grad((x**3).sum(), x, create_graph=True)
        assert np.allclose(g.data, [0.0, 3.0])
        with pytest.raises(ng.AnomalyError, match="backward pass: the gradient op 'sqrt'"):
            ng.grad(g.sqrt().sum(), x)  # sqrt(3 x^2) has an infinite slope at 0


def test_ng_linalg_and_the_shape_helpers_are_checked():
    with ng.detect_anomaly():
        with pytest.raises(ng.AnomalyError, match="op 'linalg_norm'"):
            ng.linalg.norm(ng.tensor([1e200, 1e200]))  # the sum of squares overflows
        with pytest.raises(ng.AnomalyError, match="op 'reshape'"):
            ng.tensor([[np.inf, 1.0]]).reshape(2)


def test_off_the_ops_own_functions_are_bound_again_and_nan_passes_unchecked():
    registry = plugins.registry()
    with ng.detect_anomaly():
        assert ng.ops.log is not registry.ops["log"].function
        assert ng.is_anomaly_enabled()
    assert not ng.is_anomaly_enabled()
    assert autograd.walk_hook is None
    for name in ("log", "add", "matmul", "sum"):
        assert getattr(ng.ops, name) is registry.ops[name].function
    assert ng.Tensor.log is registry.ops["log"].function
    assert ng.Tensor.__add__ is registry.ops["add"].function
    assert ng.linalg.norm is registry.ops["linalg_norm"].function
    y = ng.tensor([-1.0], requires_grad=True).log()
    assert np.isnan(y.data).all() and y.grad_fn is registry.ops["log"]


def test_the_mode_nests_is_a_decorator_and_ends_when_an_error_leaves_it():
    @ng.detect_anomaly()
    def nested():
        with ng.detect_anomaly():
            pass
        assert ng.is_anomaly_enabled()  # still on: the outer block has not ended
        return ng.tensor([-1.0]).log()

    with pytest.raises(ng.AnomalyError):
        nested()
    assert not ng.is_anomaly_enabled()
    assert ng.ops.log is plugins.registry().ops["log"].function


# -- the runner: --detect-anomaly ------------------------------------------------------------------

NAN_AT_CALL = """
import nanograd as ng

config = {"n": 32, "epochs": 3, "batch_size": 8, "optimizer": "sgd", "lr": 0.01,
          "schedule": None, "loss": "mse", "val_fraction": 0.0, "nan_at_call": 3}


class Model(ng.nn.Module):
    def __init__(self, config, rng):
        super().__init__()
        self.net = ng.nn.Linear(1, 1, generator=rng)
        self.nan_at_call = config["nan_at_call"]
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        drop = 100.0 if self.calls == self.nan_at_call else 0.0
        return (self.net(x) * self.net(x) + 1.0 - drop).log()


def data(config, rng):
    x = rng.uniform(1, 2, size=(config["n"], 1))
    return x, x


def model(config, rng):
    return Model(config, rng)
"""


def run_nan_at_call(tmp_path, *args):
    from test_run_support import run, run_folder, summary, write_experiment

    experiment = write_experiment(tmp_path, "nan", NAN_AT_CALL)
    code = run(experiment, "--out", tmp_path / "runs", "--seed", 1, "--quiet", *args)
    return code, summary(run_folder(tmp_path / "runs", "nan")), experiment


def test_a_run_under_detect_anomaly_stops_naming_the_op_and_the_experiments_line(tmp_path, capsys):
    code, s, experiment = run_nan_at_call(tmp_path, "--detect-anomaly")
    assert code == 1 and s["status"] == "failed"
    message = s["message"]
    assert message.startswith("training stopped at epoch 1, batch 2 of 4 (the last finite loss")
    assert "anomaly in the forward pass: op 'log' (plugin nanograd_std)" in message
    lines = experiment.read_text().splitlines()
    line = lines.index("        return (self.net(x) * self.net(x) + 1.0 - drop).log()") + 1
    assert f"called at {experiment}:{line} in forward" in message
    err = capsys.readouterr().err
    assert "op 'log' (plugin nanograd_std)" in err and "Traceback" not in err


def test_without_it_the_non_finite_loss_message_points_to_detect_anomaly(tmp_path):
    code, s, _ = run_nan_at_call(tmp_path)
    assert code == 1 and s["status"] == "failed"
    assert "training stopped at epoch 1, batch 2 of 4: the loss became nan" in s["message"]
    assert "--detect-anomaly names the op that made it" in s["message"]
    assert not ng.is_anomaly_enabled()
