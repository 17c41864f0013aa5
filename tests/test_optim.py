"""Optimizers as a user meets them: construction and its errors, parameter groups, zero_grad,
checkpoints and exact resumption, lookup by name, third-party optimizers, and schedules."""

from __future__ import annotations

import inspect
import math
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nanograd as ng
from nanograd import plugins
from nanograd.optim import Optimizer, lr_scheduler

NAMES = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "lion"]


def param(*values: float) -> ng.Tensor:
    return ng.tensor(list(values), requires_grad=True)


def quadratic_step(optimizer: Optimizer, params: list[ng.Tensor]) -> None:
    optimizer.zero_grad()
    loss = sum(((p - 1.0) * (p - 1.0)).sum() for p in params)
    loss.backward()
    optimizer.step()


# -- construction ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_negative_learning_rate_is_refused_naming_the_optimizer(name: str) -> None:
    cls = ng.optim.get(name)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: lr must be .*>= 0, got -0\.1"):
        ng.optim.create(name, [param(1.0)], lr=-0.1)


@pytest.mark.parametrize("name", ["adam", "adamw", "lion"])
@pytest.mark.parametrize("betas", [(1.0, 0.9), (0.9, -0.1), (0.9, 1.5)])
def test_betas_outside_zero_one_are_refused(name: str, betas: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match=r"betas\[[01]\] must be in \[0\.0, 1\.0\)"):
        ng.optim.create(name, [param(1.0)], betas=betas)


def test_betas_must_be_a_pair() -> None:
    with pytest.raises(ValueError, match=r"Adam: betas must be a pair"):
        ng.optim.Adam([param(1.0)], betas=0.9)


@pytest.mark.parametrize(
    ("name", "hyper", "message"),
    [
        ("sgd", {"momentum": -0.5}, "momentum must be"),
        ("sgd", {"weight_decay": -1.0}, "weight_decay must be"),
        ("sgd", {"nesterov": True}, "nesterov=True needs momentum > 0"),
        ("sgd", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, "and dampening = 0"),
        ("adam", {"eps": -1e-8}, "eps must be"),
        ("adam", {"amsgrad": "yes"}, "amsgrad must be True or False"),
        ("rmsprop", {"alpha": 1.5}, r"alpha must be in \[0\.0, 1\.0\]"),
        ("adagrad", {"lr_decay": -0.1}, "lr_decay must be"),
        ("adam", {"lr": "0.1"}, "lr must be a number"),
        ("sgd", {"lr": float("nan")}, "lr must be a number, got nan"),
    ],
)
def test_bad_hyper_parameters_are_refused(name: str, hyper: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ng.optim.create(name, [param(1.0)], **hyper)


# PyTorch's documented signatures (torch.optim, 2.x) without its device-specific switches
# (foreach, fused, capturable, differentiable); Lion's from its paper's reference code.
PYTORCH_SIGNATURES: dict[str, dict[str, Any]] = {
    "sgd": {"lr": 1e-3, "momentum": 0, "dampening": 0, "weight_decay": 0, "nesterov": False,
            "maximize": False},
    "adam": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
             "amsgrad": False, "maximize": False},
    "adamw": {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 1e-2,
              "amsgrad": False, "maximize": False},
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0,
                "centered": False, "maximize": False},
    "adagrad": {"lr": 1e-2, "lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0,
                "eps": 1e-10, "maximize": False},
    "lion": {"lr": 1e-4, "betas": (0.9, 0.99), "weight_decay": 0, "maximize": False},
}  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_pytorch_signatures_and_defaults(name: str) -> None:
    cls = ng.optim.get(name)
    parameters = list(inspect.signature(cls).parameters.values())
    assert parameters[0].name == "params"
    declared = {p.name: p.default for p in parameters[1:]}
    assert declared == PYTORCH_SIGNATURES[name]
    # The positional order is PyTorch's too: SGD(params, 0.1, 0.9) is lr=0.1, momentum=0.9.
    positional = [p.name for p in parameters[1:] if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == [k for k in PYTORCH_SIGNATURES[name] if k != "maximize"]
    assert cls([param(1.0)]).defaults == PYTORCH_SIGNATURES[name]


def test_empty_parameter_list_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty parameter list"):
        ng.optim.SGD([], lr=0.1)


def test_a_single_tensor_must_be_wrapped_in_a_list() -> None:
    with pytest.raises(TypeError, match="wrap it in a list"):
        ng.optim.SGD(param(1.0), lr=0.1)  # type: ignore[arg-type]


def test_a_parameter_in_two_groups_is_an_error() -> None:
    p = param(1.0)
    with pytest.raises(ValueError, match="appears twice"):
        ng.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def test_non_leaf_and_integer_tensors_are_refused() -> None:
    p = param(1.0)
    with pytest.raises(ValueError, match="not a leaf tensor"):
        ng.optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="only floating-point tensors"):
        ng.optim.SGD([ng.tensor([1, 2])], lr=0.1)


def test_model_parameters_generator_is_accepted() -> None:
    model = ng.nn.Linear(3, 2)
    optimizer = ng.optim.SGD(model.parameters(), lr=0.1)
    assert [p for g in optimizer.param_groups for p in g["params"]] == list(model.parameters())


# -- stepping --------------------------------------------------------------------------------------


def test_parameter_groups_use_their_own_hyper_parameters() -> None:
    fast, slow = param(0.0), param(0.0)
    optimizer = ng.optim.SGD([{"params": [fast], "lr": 0.5}, {"params": [slow]}], lr=0.1)
    assert optimizer.param_groups[1]["lr"] == 0.1
    quadratic_step(optimizer, [fast, slow])
    # d/dp (p - 1)² at 0 is -2: each moves by 2 * its own lr.
    np.testing.assert_array_equal(fast.data, [1.0])
    np.testing.assert_allclose(slow.data, [0.2], rtol=1e-15)


def test_a_group_with_bad_hyper_parameters_is_refused() -> None:
    with pytest.raises(ValueError, match="SGD: momentum must be"):
        ng.optim.SGD([{"params": [param(1.0)], "momentum": -1.0}], lr=0.1)


def test_add_param_group_fills_in_defaults() -> None:
    optimizer = ng.optim.Adam([param(1.0)], lr=0.01)
    optimizer.add_param_group({"params": [param(2.0)], "lr": 0.5})
    assert optimizer.param_groups[1]["lr"] == 0.5
    assert optimizer.param_groups[1]["betas"] == (0.9, 0.999)


def test_zero_grad_sets_gradients_to_none_by_default() -> None:
    p = param(1.0, 2.0)
    optimizer = ng.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    assert p.grad is not None
    optimizer.zero_grad()
    assert p.grad is None


def test_zero_grad_can_leave_zeros() -> None:
    p = param(1.0, 2.0)
    optimizer = ng.optim.SGD([p], lr=0.1)
    (p * p).sum().backward()
    optimizer.zero_grad(set_to_none=False)
    assert p.grad is not None
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])


def test_without_zero_grad_gradients_accumulate_into_the_step() -> None:
    p = param(1.0)
    optimizer = ng.optim.SGD([p], lr=0.1)
    (p * 3.0).sum().backward()
    (p * 3.0).sum().backward()
    optimizer.step()
    np.testing.assert_allclose(p.data, [1.0 - 0.1 * 6.0])


def test_parameters_without_gradient_are_left_alone() -> None:
    used, unused = param(1.0), param(5.0)
    optimizer = ng.optim.Adam([used, unused], lr=0.1)
    quadratic_step(optimizer, [used])
    assert unused.data.tolist() == [5.0]
    assert unused not in optimizer.state


def test_step_returns_the_closures_loss() -> None:
    p = param(3.0)
    optimizer = ng.optim.SGD([p], lr=0.25)

    def closure() -> ng.Tensor:
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ng.no_grad():  # the closure still records its graph
        loss = optimizer.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(p.data, [3.0 - 0.25 * 6.0])


@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.1, "maximize": True}])
@pytest.mark.parametrize("name", NAMES)
def test_step_updates_the_parameter_array_in_place_and_leaves_the_gradient(
    name: str, options: dict[str, Any]
) -> None:
    p = ng.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)
    optimizer = ng.optim.create(name, [p], lr=0.1, **options)
    array = p.data
    before = array.copy()
    for _ in range(2):
        p.grad = ng.tensor(np.arange(6.0).reshape(2, 3) - 2.5)
        grad = p.grad.data.copy()
        optimizer.step()
        assert p.data is array  # the same NumPy array, written in place
        np.testing.assert_array_equal(p.grad.data, grad)  # the gradient is not written into
    assert not np.array_equal(array, before)
    assert p.is_leaf and p.requires_grad  # no graph recorded


CONVERGING = {
    "sgd": {"lr": 0.1},
    "adam": {"lr": 0.1},
    "adamw": {"lr": 0.1, "weight_decay": 0.0},
    "rmsprop": {"lr": 0.01, "momentum": 0.5},
    "adagrad": {"lr": 0.5},
    "lion": {"lr": 0.01, "betas": (0.9, 0.9)},
}


@pytest.mark.parametrize("name", NAMES)
def test_every_optimizer_minimises_a_quadratic(name: str) -> None:
    p = param(5.0, -3.0)
    optimizer = ng.optim.create(name, [p], **CONVERGING[name])
    for _ in range(500):
        quadratic_step(optimizer, [p])
    np.testing.assert_allclose(p.data, [1.0, 1.0], atol=0.05)


# -- checkpoints -----------------------------------------------------------------------------------


def trained(name: str, steps: int, **hyper: Any) -> tuple[list[ng.Tensor], Optimizer]:
    params = [param(0.5, -1.5), param(2.0)]
    optimizer = ng.optim.create(name, params, **hyper)
    for _ in range(steps):
        quadratic_step(optimizer, params)
    return params, optimizer


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_continues_exactly(name: str) -> None:
    hyper = {"sgd": {"lr": 0.1, "momentum": 0.9}, "rmsprop": {"momentum": 0.5, "centered": True}}
    params, optimizer = trained(name, 5, **hyper.get(name, {}))
    state = optimizer.state_dict()
    clone = [ng.tensor(p.data.copy(), requires_grad=True) for p in params]
    fresh = ng.optim.create(name, clone, **hyper.get(name, {}))
    fresh.load_state_dict(state)
    for _ in range(5):
        quadratic_step(optimizer, params)
        quadratic_step(fresh, clone)
    for a, b in zip(params, clone, strict=True):
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_layout_follows_pytorch() -> None:
    _, optimizer = trained("adam", 2, lr=0.1)
    state = optimizer.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert state["param_groups"][0]["params"] == [0, 1]
    assert state["param_groups"][0]["lr"] == 0.1
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert state["state"][0]["step"] == 2


def test_state_dict_is_a_snapshot() -> None:
    params, optimizer = trained("adam", 2, lr=0.1)
    state = optimizer.state_dict()
    before = state["state"][0]["exp_avg"].copy()
    quadratic_step(optimizer, params)
    np.testing.assert_array_equal(state["state"][0]["exp_avg"], before)


def test_loaded_hyper_parameters_replace_the_constructors() -> None:
    _, optimizer = trained("sgd", 1, lr=0.3)
    fresh = ng.optim.SGD([param(0.0, 0.0), param(0.0)], lr=0.01)
    fresh.load_state_dict(optimizer.state_dict())
    assert fresh.param_groups[0]["lr"] == 0.3


def test_a_hyper_parameter_missing_from_the_checkpoint_keeps_its_current_value() -> None:
    _, optimizer = trained("adam", 1, lr=0.3)
    state = optimizer.state_dict()
    del state["param_groups"][0]["maximize"]  # as in a checkpoint written before the option
    params = [param(0.0, 0.0), param(0.0)]
    fresh = ng.optim.Adam(params, lr=0.01, maximize=True)
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["lr"] == 0.3 and fresh.param_groups[0]["maximize"] is True
    quadratic_step(fresh, params)  # and it steps
    assert fresh.state[params[0]]["step"] == 2


def test_load_state_dict_refuses_another_models_state() -> None:
    _, optimizer = trained("adam", 1)
    with pytest.raises(ValueError, match="group 0 has 2 parameters in the state dict and 1 here"):
        ng.optim.Adam([param(1.0)]).load_state_dict(optimizer.state_dict())
    two_groups = ng.optim.Adam([{"params": [param(1.0)]}, {"params": [param(2.0)]}])
    with pytest.raises(ValueError, match="1 parameter group"):
        two_groups.load_state_dict(optimizer.state_dict())
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        two_groups.load_state_dict({"lr": 0.1})


def test_float32_state_loads_as_float32() -> None:
    p = ng.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    optimizer = ng.optim.Adam([p], lr=0.1)
    quadratic_step(optimizer, [p])
    state = optimizer.state_dict()
    state["state"][0]["exp_avg"] = state["state"][0]["exp_avg"].astype(np.float64)
    optimizer.load_state_dict(state)
    assert optimizer.state[p]["exp_avg"].dtype == np.float32


def test_resume_from_a_checkpoint_file_is_bit_identical(tmp_path: Path) -> None:
    """Train 10 steps, checkpoint model, optimizer and schedule to disk, rebuild everything from
    scratch, load, train 10 more: the same parameters as 20 uninterrupted steps, bit for bit."""
    rng = np.random.default_rng(0)
    x = ng.tensor(rng.standard_normal((32, 3)))
    y = np.sin(x.data @ np.array([[1.0], [-2.0], [0.5]]))

    def build(seed: int) -> tuple[ng.nn.Module, Optimizer, lr_scheduler.LRScheduler]:
        model = ng.nn.MLP(3, [8], 1, activation="tanh", generator=np.random.default_rng(seed))
        optimizer = ng.optim.create("adam", model.parameters(), lr=0.05, amsgrad=True)
        return model, optimizer, lr_scheduler.create("cosine", optimizer, T_max=20)

    def train(model: Any, optimizer: Optimizer, schedule: Any, steps: int) -> None:
        for _ in range(steps):
            optimizer.zero_grad()
            ng.losses.mse(model(x), y).backward()
            optimizer.step()
            schedule.step()

    reference = build(seed=1)
    train(*reference, steps=20)

    first = build(seed=1)
    train(*first, steps=10)
    path = tmp_path / "checkpoint.npz"
    ng.save(
        {
            "model": first[0].state_dict(),
            "optimizer": first[1].state_dict(),
            "schedule": first[2].state_dict(),
        },
        path,
    )
    resumed = build(seed=99)  # different initial weights: everything must come from the file
    checkpoint = ng.load(path)
    resumed[0].load_state_dict(checkpoint["model"])
    resumed[1].load_state_dict(checkpoint["optimizer"])
    resumed[2].load_state_dict(checkpoint["schedule"])
    train(*resumed, steps=10)

    for (name, a), (_, b) in zip(
        reference[0].named_parameters(), resumed[0].named_parameters(), strict=True
    ):
        assert np.array_equal(a.data, b.data), name
    assert reference[1].param_groups[0]["lr"] == resumed[1].param_groups[0]["lr"]


# -- lookup by name and third-party optimizers ----------------------------------------------------


def test_pytorch_class_names_resolve_to_the_registered_classes() -> None:
    table = plugins.registry().optimizers
    assert ng.optim.SGD is table["sgd"].cls
    assert ng.optim.Adam is table["adam"].cls
    assert ng.optim.AdamW is table["adamw"].cls
    assert ng.optim.RMSprop is table["rmsprop"].cls
    assert ng.optim.Adagrad is table["adagrad"].cls
    assert ng.optim.Lion is table["lion"].cls
    assert all(issubclass(ng.optim.get(n), Optimizer) for n in NAMES)
    assert set(NAMES) <= set(ng.optim.available())


def test_unknown_class_name_is_an_attribute_error_with_suggestion() -> None:
    with pytest.raises(AttributeError, match="did you mean 'Adam'"):
        ng.optim.Adma  # noqa: B018


def test_create_builds_by_registered_name() -> None:
    optimizer = ng.optim.create("sgd", [param(1.0)], lr=0.1, momentum=0.9)
    assert isinstance(optimizer, ng.optim.SGD)
    assert optimizer.param_groups[0]["momentum"] == 0.9


def test_create_with_an_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(ValueError, match=r"no optimizer named 'adma'.*did you mean 'adam'"):
        ng.optim.create("adma", [param(1.0)])


def test_create_with_a_misspelled_hyper_parameter_suggests_the_right_one() -> None:
    with pytest.raises(TypeError, match=r"'momentun'; did you mean 'momentum'\?"):
        ng.optim.create("sgd", [param(1.0)], lr=0.1, momentun=0.9)


SIGN_PLUGIN = '''
import numpy as np
import nanograd as ng
from nanograd.optim import Optimizer, checks


class SignSGD(Optimizer):
    """theta -= lr * sign(g)."""

    def __init__(self, params, lr=0.01):
        super().__init__(params, {"lr": lr})

    def check_group(self, group):
        checks.nonnegative("SignSGD", "lr", group["lr"])

    def update(self, param, grad, state, group):
        state["steps"] = state.get("steps", 0) + 1
        param -= group["lr"] * np.sign(grad)


@ng.hookimpl
def nanograd_register_optimizers(register):
    register("signsgd", SignSGD)
'''


@pytest.fixture
def sign_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_plugins: Callable[..., Any]
) -> str:
    (tmp_path / "nanograd_test_signsgd.py").write_text(textwrap.dedent(SIGN_PLUGIN))
    monkeypatch.syspath_prepend(str(tmp_path))
    fresh_plugins("nanograd_test_signsgd")
    return "signsgd"


def test_a_plugin_optimizer_is_built_by_name_and_checkpoints(sign_plugin: str) -> None:
    p = param(1.0, -1.0)
    optimizer = ng.optim.create(sign_plugin, [p], lr=0.25)
    assert type(optimizer) is ng.optim.SignSGD
    p.grad = ng.tensor([3.0, -0.1])
    optimizer.step()
    np.testing.assert_array_equal(p.data, [0.75, -0.75])
    assert optimizer.state_dict()["state"][0] == {"steps": 1}
    with pytest.raises(ValueError, match="SignSGD: lr must be"):
        ng.optim.create(sign_plugin, [p], lr=-1.0)


# -- schedules -------------------------------------------------------------------------------------


def lrs(schedule: lr_scheduler.LRScheduler, steps: int) -> list[float]:
    """The rate in force at steps 0..steps-1 (the schedule is constructed at step 0)."""
    out = [schedule.get_last_lr()[0]]
    for _ in range(steps - 1):
        schedule.step()
        out.append(schedule.get_last_lr()[0])
    return out


def sgd(lr: float = 1.0) -> Optimizer:
    return ng.optim.SGD([param(1.0)], lr=lr)


def test_step_schedule_decays_every_step_size_steps() -> None:
    got = lrs(lr_scheduler.StepLR(sgd(), step_size=3, gamma=0.5), 8)
    assert got == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25]


def test_exponential_schedule() -> None:
    got = lrs(lr_scheduler.ExponentialLR(sgd(2.0), gamma=0.9), 5)
    np.testing.assert_allclose(got, [2.0 * 0.9**t for t in range(5)], rtol=1e-15)


def test_cosine_schedule_anneals_to_eta_min_and_stays() -> None:
    got = lrs(lr_scheduler.CosineAnnealingLR(sgd(1.0), T_max=10, eta_min=0.1), 14)
    expected = [0.1 + 0.9 * (1 + math.cos(math.pi * min(t, 10) / 10)) / 2 for t in range(14)]
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    assert got[5] == pytest.approx(0.55)
    assert got[10:] == [pytest.approx(0.1)] * 4


def test_linear_warmup_rises_then_holds() -> None:
    got = lrs(lr_scheduler.LinearLR(sgd(0.1), start_factor=0.25, total_iters=3), 6)
    np.testing.assert_allclose(got, [0.025, 0.05, 0.075, 0.1, 0.1, 0.1], rtol=1e-14)


def test_schedules_set_every_groups_rate_from_its_own_initial_rate() -> None:
    optimizer = ng.optim.SGD(
        [{"params": [param(1.0)], "lr": 1.0}, {"params": [param(2.0)]}], lr=0.1
    )
    schedule = lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    schedule.step()
    assert [g["lr"] for g in optimizer.param_groups] == [0.5, 0.05]
    assert schedule.get_last_lr() == [0.5, 0.05]


def test_plateau_reduces_after_patience_bad_steps() -> None:
    optimizer = sgd(1.0)
    schedule = lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=2)
    rates = []
    for metric in [1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8]:
        schedule.step(metric)
        rates.append(optimizer.param_groups[0]["lr"])
    # Bad steps after the best 0.9: three in a row exceed patience 2 -> halve and start over.
    assert rates == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]


def test_plateau_in_max_mode_with_cooldown_and_floor() -> None:
    optimizer = sgd(1.0)
    schedule = lr_scheduler.ReduceLROnPlateau(
        optimizer, mode="max", factor=0.1, patience=0, cooldown=1, min_lr=0.005
    )
    rates = []
    for metric in [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]:
        schedule.step(metric)
        rates.append(optimizer.param_groups[0]["lr"])
    assert rates == pytest.approx([1.0, 0.1, 0.1, 0.01, 0.01, 0.005])


def test_schedule_state_dict_is_a_snapshot_and_refuses_a_foreign_one() -> None:
    optimizer = sgd()
    schedule = lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    state = schedule.state_dict()
    schedule.step()
    assert state["last_epoch"] == 0 and state["_last_lr"] == [1.0]
    with pytest.raises(
        ValueError, match=r"StepLR.load_state_dict: unexpected entries \['T_max', 'eta_min'\]"
    ):
        schedule.load_state_dict(lr_scheduler.CosineAnnealingLR(sgd(), T_max=3).state_dict())
    with pytest.raises(ValueError, match="unexpected entries \\['optimizer'\\]"):
        schedule.load_state_dict({**state, "optimizer": sgd()})
    two_groups = ng.optim.SGD([{"params": [param(1.0)]}, {"params": [param(2.0)]}], lr=1.0)
    with pytest.raises(ValueError, match=r"rates for 1 parameter group\(s\), the optimizer has 2"):
        lr_scheduler.StepLR(two_groups, step_size=1).load_state_dict(state)
    assert schedule.optimizer is optimizer and schedule.get_last_lr() == [0.5]


def test_schedule_state_dict_copies_a_subclass_s_own_state_whole() -> None:
    class Milestones(lr_scheduler.StepLR):
        def __init__(self, optimizer: Optimizer) -> None:
            self.seen: dict[str, list[int]] = {"steps": []}
            super().__init__(optimizer, step_size=1, gamma=0.5)

        def step(self, metric: float | None = None) -> None:
            super().step(metric)
            self.seen["steps"].append(self.last_epoch)

    schedule = Milestones(sgd())
    state = schedule.state_dict()
    schedule.step()
    assert state["seen"] == {"steps": [0]} and state["last_epoch"] == 0
    assert state["base_lrs"] == [1.0] and state["base_lrs"] is not schedule.base_lrs
    assert state["_last_lr"] == [1.0] and schedule.get_last_lr() == [0.5]


@pytest.mark.parametrize(
    ("threshold_mode", "expected"), [("abs", [1.0, 1.0, 1.0]), ("rel", [1.0, 1.0, 0.1])]
)
def test_plateau_threshold_is_absolute_or_relative(
    threshold_mode: str, expected: list[float]
) -> None:
    # From a best of 10 with threshold 0.1, 9.5 is an improvement in "abs" mode (below 9.9) but
    # not in "rel" mode (not below 10·(1 - 0.1) = 9): two bad steps then exceed patience 1.
    optimizer = sgd(1.0)
    schedule = lr_scheduler.ReduceLROnPlateau(
        optimizer, patience=1, threshold=0.1, threshold_mode=threshold_mode
    )
    rates = []
    for metric in [10.0, 9.5, 9.5]:
        schedule.step(metric)
        rates.append(optimizer.param_groups[0]["lr"])
    assert rates == pytest.approx(expected)


def test_plateau_needs_the_metric() -> None:
    schedule = lr_scheduler.create("plateau", sgd())
    assert schedule.requires_metric
    with pytest.raises(TypeError, match=r"scheduler\.step\(validation_loss\)"):
        schedule.step()


def test_schedule_factory_by_name() -> None:
    assert type(lr_scheduler.create("step", sgd(), step_size=2)) is lr_scheduler.StepLR
    assert type(lr_scheduler.create("exponential", sgd(), gamma=0.9)) is lr_scheduler.ExponentialLR
    assert type(lr_scheduler.create("cosine", sgd(), T_max=5)) is lr_scheduler.CosineAnnealingLR
    assert type(lr_scheduler.create("warmup", sgd(), total_iters=5)) is lr_scheduler.LinearLR
    assert type(lr_scheduler.create("plateau", sgd())) is lr_scheduler.ReduceLROnPlateau
    with pytest.raises(ValueError, match="did you mean 'cosine'"):
        lr_scheduler.create("cosin", sgd())
    with pytest.raises(TypeError, match="'T_maxx'; did you mean 'T_max'"):
        lr_scheduler.create("cosine", sgd(), T_maxx=5)


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("step", {"step_size": 0}, "step_size must be an integer >= 1"),
        ("exponential", {"gamma": -0.5}, "gamma must be a number >= 0"),
        ("plateau", {"mode": "minimum"}, "mode must be 'min' or 'max'"),
        ("plateau", {"factor": 1.0}, r"factor must be in \[0, 1\)"),
        ("plateau", {"patience": -1}, "patience must be an integer >= 0, got -1"),
        ("plateau", {"cooldown": 1.5}, "cooldown must be an integer >= 0, got 1.5"),
        ("plateau", {"threshold_mode": "relative"}, "threshold_mode must be 'rel' or 'abs'"),
        ("cosine", {"T_max": 0}, "T_max must be an integer >= 1, got 0"),
        ("warmup", {"total_iters": True}, "total_iters must be an integer >= 1, got True"),
    ],
)
def test_schedule_arguments_are_checked(name: str, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lr_scheduler.create(name, sgd(), **kwargs)


@pytest.mark.parametrize("name", ["step", "cosine", "plateau"])
def test_schedule_state_dict_resumes_exactly(name: str) -> None:
    kwargs = {"step": {"step_size": 2}, "cosine": {"T_max": 7}, "plateau": {"patience": 1}}[name]
    metrics = [1.0, 0.9, 0.95, 0.97, 0.99, 0.5, 0.6, 0.7, 0.8, 0.9]
    optimizer = sgd()
    schedule = lr_scheduler.create(name, optimizer, **kwargs)
    for m in metrics[:5]:
        schedule.step(m)
    saved = (schedule.state_dict(), optimizer.state_dict())
    resumed_optimizer = sgd(lr=123.0)
    resumed_optimizer.load_state_dict(saved[1])
    resumed = lr_scheduler.create(name, resumed_optimizer, **kwargs)  # sets step 0's rate
    resumed.load_state_dict(saved[0])
    # Before any further step, the resumed optimizer trains at the rate in force when saved.
    assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
    assert resumed.get_last_lr() == schedule.get_last_lr()
    for m in metrics[5:]:
        schedule.step(m)
        resumed.step(m)
        assert resumed.get_last_lr() == schedule.get_last_lr()
        assert resumed_optimizer.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]
