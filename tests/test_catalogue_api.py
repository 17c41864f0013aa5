"""The catalogue of mistakes and faults a user meets through the Python API, each told well.

Every entry is one distinct mistake (or damaged input), its category, and two lists of
fragments its message must hold: what names the culprit (the op, the argument, the key, the
shape, the file) and what says what would be valid. An entry may also check that nothing already
there was changed by the failed attempt (a model's weights, an optimizer's state, a gradient).
The command line and run folders have their own catalogue in ``test_catalogue_cli.py``.

``python tests/test_catalogue_api.py`` lists the catalogue by category, with counts.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest

import nanograd as ng
from nanograd import plugins
from nanograd.nn.module import StateDictError
from nanograd.optim import lr_scheduler
from nanograd.registry import HookWarning, PluginError
from nanograd.serialization import CheckpointError

# -- the table's parts ---------------------------------------------------------------------------

WRONG_GRADIENTS = "gradients that would be wrong"
IN_PLACE = "in-place changes"
ATTRIBUTES = "tensor attributes"
SHAPES = "shapes"
DTYPES = "dtypes"
LOSSES = "losses and labels"
OPTIMIZERS = "optimizers and schedules"
MODULES = "modules and state dicts"
PLUGINS = "plugins"
CHECKPOINTS = "checkpoints through ng.load and ng.save"
GRAPH = "graph use"
CATEGORIES = (
    WRONG_GRADIENTS, IN_PLACE, ATTRIBUTES, SHAPES, DTYPES, LOSSES, OPTIMIZERS, MODULES, PLUGINS,
    CHECKPOINTS, GRAPH,
)  # fmt: skip


@dataclass
class Context:
    """What a scenario may use: a temporary folder, and monkeypatch for the environment."""

    tmp: Path
    monkeypatch: pytest.MonkeyPatch


class Attempt(NamedTuple):
    """The mistake itself, and a check that it changed nothing already there."""

    do: Callable[[], object]
    intact: Callable[[], None] = lambda: None


@dataclass(frozen=True)
class Mistake:
    category: str
    name: str
    scenario: Callable[[Context], Attempt | Callable[[], object]]
    raises: type[BaseException] | type[Warning]
    culprit: tuple[str, ...]  # fragments that name what is at fault
    valid: tuple[str, ...]  # fragments that say what would be valid
    notes: str = field(default="", compare=False)


CATALOGUE: list[Mistake] = []


def mistake(
    category: str,
    raises: type[BaseException] | type[Warning],
    culprit: tuple[str, ...],
    valid: tuple[str, ...],
) -> Callable[[Callable[[Context], Any]], Callable[[Context], Any]]:
    """Add the decorated scenario to the catalogue, under its function's name."""

    def add(scenario: Callable[[Context], Any]) -> Callable[[Context], Any]:
        CATALOGUE.append(Mistake(category, scenario.__name__, scenario, raises, culprit, valid))
        return scenario

    return add


def _leaf(*values: float) -> ng.Tensor:
    return ng.tensor(list(values) or [1.0, -2.0, 3.0], requires_grad=True)


def _unchanged(tensor: ng.Tensor) -> Callable[[], None]:
    before = tensor.data.copy()

    def check() -> None:
        np.testing.assert_array_equal(tensor.data, before)

    return check


# -- gradients that would be wrong --------------------------------------------------------------


@mistake(WRONG_GRADIENTS, RuntimeError, ("op 'mul'", "SGD.step()"), ("before optimizer.step()",))
def optimizer_step_between_forward_and_backward(ctx: Context) -> Attempt:
    w = _leaf()
    loss = (w * w).sum()
    w.grad = ng.ones_like(w)
    ng.optim.SGD([w], lr=0.1).step()
    grad = w.grad

    def nothing_written() -> None:
        assert w.grad is grad

    return Attempt(loss.backward, nothing_written)


@mistake(WRONG_GRADIENTS, RuntimeError, ("op 'exp'", "Tensor.add_()"), ("compute the forward",))
def in_place_method_between_forward_and_backward(ctx: Context) -> Callable[[], object]:
    w = _leaf()
    loss = w.exp().sum()
    with ng.no_grad():
        w.add_(1.0)
    return loss.backward


@mistake(WRONG_GRADIENTS, RuntimeError, ("op 'mul'", "a .data assignment"), ("backward() before",))
def data_assignment_between_forward_and_backward(ctx: Context) -> Callable[[], object]:
    w = _leaf()
    loss = (w * 2.0).sum()
    w.data = np.zeros(3)
    return loss.backward


@mistake(WRONG_GRADIENTS, RuntimeError, ("op 'mul'", "Tensor.mul_()"), ("a copy (t.clone())",))
def change_through_a_detached_tensor(ctx: Context) -> Callable[[], object]:
    w = _leaf()
    loss = (w * w).sum()
    w.detach().mul_(2.0)  # shares w's memory
    return loss.backward


@mistake(WRONG_GRADIENTS, RuntimeError, ("ng.tensor([...])", "requires grad"), ("ng.ops.stack",))
def tensor_built_from_tensors_that_require_grad(ctx: Context) -> Callable[[], object]:
    a, b = _leaf(1.0), _leaf(2.0)
    return lambda: ng.tensor([a, b])


# -- in-place changes ---------------------------------------------------------------------------


@mistake(IN_PLACE, RuntimeError, ("Tensor.add_()", "leaf tensor that requires grad"),
         ("with ng.no_grad():",))  # fmt: skip
def in_place_method_on_a_parameter_outside_no_grad(ctx: Context) -> Attempt:
    w = _leaf()
    return Attempt(lambda: w.add_(1.0), _unchanged(w))


@mistake(IN_PLACE, RuntimeError, ("-=", "leaf tensor that requires grad"), ("ng.no_grad()",))
def augmented_update_of_a_parameter_outside_no_grad(ctx: Context) -> Attempt:
    w = _leaf()

    def update() -> None:
        nonlocal w
        w -= 0.1

    return Attempt(update, _unchanged(w))


@mistake(IN_PLACE, RuntimeError, ("Tensor.mul_()", "op 'exp'"), ("t = t * other",))
def in_place_method_on_a_graph_result(ctx: Context) -> Callable[[], object]:
    y = _leaf().exp()
    return lambda: y.mul_(2.0)


@mistake(IN_PLACE, TypeError, ("float64 value", "int64 tensor"), ("t.astype(np.float64)",))
def in_place_float_update_of_an_integer_tensor(ctx: Context) -> Attempt:
    t = ng.tensor([1, 2, 3])
    return Attempt(lambda: t.add_(0.5), _unchanged(t))


@mistake(IN_PLACE, ValueError, ("shape (2, 3)", "shape (3,)"), ("must broadcast to it",))
def in_place_update_that_would_grow_the_tensor(ctx: Context) -> Attempt:
    t = ng.tensor([1.0, 2.0, 3.0])
    return Attempt(lambda: t.add_(np.ones((2, 3))), _unchanged(t))


@mistake(IN_PLACE, ValueError, ("fill_()", "shape (2,)"), ("a number or a one-element tensor",))
def fill_with_an_array(ctx: Context) -> Callable[[], object]:
    t = ng.tensor([1.0, 2.0])
    return lambda: t.fill_(np.array([3.0, 4.0]))


# -- tensor attributes ----------------------------------------------------------------------------


@mistake(ATTRIBUTES, TypeError, ("got ndarray",), ("a Tensor or None", "t.grad = ng.tensor(array)"))
def grad_assigned_a_numpy_array(ctx: Context) -> Callable[[], object]:
    w = _leaf()
    return lambda: setattr(w, "grad", np.zeros(3))


@mistake(ATTRIBUTES, ValueError, ("shape (3, 1)",), ("the tensor's shape (3,)",))
def grad_assigned_the_wrong_shape(ctx: Context) -> Callable[[], object]:
    w = _leaf()  # today's silent outcome would be a (3, 3) gradient after the next accumulation
    return lambda: setattr(w, "grad", ng.ones((3, 1)))


@mistake(ATTRIBUTES, TypeError, ("got float32",), ("dtype float64", "g.astype(np.float64)"))
def grad_assigned_the_wrong_dtype(ctx: Context) -> Callable[[], object]:
    w = _leaf()
    return lambda: setattr(w, "grad", ng.ones(3, dtype=np.float32))


@mistake(ATTRIBUTES, TypeError, ("got list",), ("np.asarray(value)", "t.copy_(value)"))
def data_assigned_a_list(ctx: Context) -> Attempt:
    w = _leaf()
    return Attempt(lambda: setattr(w, "data", [1.0, 2.0, 3.0]), _unchanged(w))


@mistake(ATTRIBUTES, TypeError, ("got int64",), ("floating-point", "astype(np.float64)"))
def data_assigned_integers_on_a_tensor_that_requires_grad(ctx: Context) -> Callable[[], object]:
    w = _leaf()
    return lambda: setattr(w, "data", np.arange(3))


@mistake(ATTRIBUTES, TypeError, ("dtype <U1",), ("numeric array (bool, int, float or complex)",))
def data_assigned_strings(ctx: Context) -> Callable[[], object]:
    t = ng.tensor([1.0])
    return lambda: setattr(t, "data", np.array(["a"]))


@mistake(ATTRIBUTES, ValueError, ("gradient of shape (3,)", "shape (4,)"), ("t.grad = None first",))
def data_reshaped_under_an_existing_gradient(ctx: Context) -> Attempt:
    w = _leaf()
    (w * w).sum().backward()
    return Attempt(lambda: setattr(w, "data", np.zeros(4)), _unchanged(w))


@mistake(ATTRIBUTES, TypeError, ("this tensor is int64",), ("dtype=np.float64", "t.double()"))
def requires_grad_on_an_integer_tensor(ctx: Context) -> Callable[[], object]:
    return lambda: ng.tensor([1, 2], requires_grad=True)


@mistake(ATTRIBUTES, RuntimeError, ("numpy() on a tensor that requires grad",),
         ("t.detach().numpy()",))  # fmt: skip
def numpy_of_a_tensor_that_requires_grad(ctx: Context) -> Callable[[], object]:
    return _leaf().numpy


@mistake(ATTRIBUTES, ValueError, ("shape (2, 3)",), ("one element",))
def item_of_a_tensor_of_several_elements(ctx: Context) -> Callable[[], object]:
    return ng.ones((2, 3)).item


# -- shapes ---------------------------------------------------------------------------------------


@mistake(SHAPES, ValueError, ("matmul", "tensor (2, 3) float64"),
         ("must equal the second-to-last axis",))  # fmt: skip
def matmul_of_mismatched_shapes(ctx: Context) -> Callable[[], object]:
    a = ng.ones((2, 3))
    return lambda: a @ ng.ones((2, 3))


@mistake(SHAPES, ValueError, ("add", "(2,3) (4,)"), ("broadcast",))
def adding_shapes_that_do_not_broadcast(ctx: Context) -> Callable[[], object]:
    return lambda: ng.ones((2, 3)) + ng.ones(4)


@mistake(SHAPES, ValueError, ("reshape", "shape=(4, 2)"), ("array of size 6",))
def reshape_to_another_size(ctx: Context) -> Callable[[], object]:
    return lambda: ng.ones((2, 3)).reshape(4, 2)


@mistake(SHAPES, RuntimeError, ("shape (2, 3)",), ("one-element output", "ng.ones_like(out)"))
def backward_of_a_non_scalar_without_a_gradient(ctx: Context) -> Callable[[], object]:
    y = ng.ones((2, 3), requires_grad=True) * 2.0
    return y.backward


@mistake(SHAPES, ValueError, ("the gradient has shape (3,)",), ("output has shape (2, 3)",))
def backward_with_a_gradient_of_another_shape(ctx: Context) -> Callable[[], object]:
    y = ng.ones((2, 3), requires_grad=True) * 2.0
    return lambda: y.backward(np.ones(3))


@mistake(SHAPES, ValueError, ("Linear(in_features=3)", "shape (4, 5)"), ("must have length 3",))
def linear_layer_given_the_wrong_number_of_features(ctx: Context) -> Callable[[], object]:
    layer = ng.nn.Linear(3, 2)
    return lambda: layer(ng.ones((4, 5)))


@mistake(SHAPES, ValueError, ("shape (3,)",), ("at least 2 dimensions",))
def matrix_transpose_of_a_vector(ctx: Context) -> Callable[[], object]:
    return lambda: ng.ones(3).mT


# -- dtypes ----------------------------------------------------------------------------------------


@mistake(DTYPES, TypeError, ("dtype <U1",), ("numeric (bool, int, float or complex)",))
def tensor_of_strings(ctx: Context) -> Callable[[], object]:
    return lambda: ng.tensor(["a", "b"])


@mistake(DTYPES, TypeError, ("add()", "'a'"), ("a tensor, a number or a numeric array",))
def op_given_a_string(ctx: Context) -> Callable[[], object]:
    return lambda: ng.ones(2) + "a"


@mistake(DTYPES, TypeError, ("sum()", "'axes'"), ("its parameters are: axis, keepdims",))
def op_given_a_misspelled_parameter(ctx: Context) -> Callable[[], object]:
    return lambda: ng.ones(2).sum(axes=0)


# -- losses and labels -----------------------------------------------------------------------------


def _cross_entropy(target: Any) -> Callable[[], object]:
    scores = ng.ones((2, 3), requires_grad=True)
    return lambda: ng.losses.get("cross_entropy")(scores, target)


@mistake(LOSSES, ValueError, ("class label 3",), ("[0, 3)",))
def class_label_out_of_range(ctx: Context) -> Callable[[], object]:
    return _cross_entropy(ng.tensor([0, 3]))


@mistake(LOSSES, ValueError, ("float64 of shape (2,)",), ("integer class labels", ".astype(int)"))
def float_class_labels(ctx: Context) -> Callable[[], object]:
    return _cross_entropy(ng.tensor([0.0, 1.0]))


@mistake(LOSSES, ValueError, ("target of shape (3,)",), ("labels of shape (2,)",))
def one_label_too_many(ctx: Context) -> Callable[[], object]:
    return _cross_entropy(ng.tensor([0, 1, 2]))


@mistake(LOSSES, ValueError, ("target has shape (3, 2)",), ("they must match",))
def regression_target_of_another_shape(ctx: Context) -> Callable[[], object]:
    return lambda: ng.losses.get("mse")(ng.ones((2, 3)), np.ones((3, 2)))


@mistake(LOSSES, ValueError, ("bce", "ranges over [3, 3]"), ("[0, 1]", "bce_with_logits"))
def raw_scores_given_to_bce(ctx: Context) -> Callable[[], object]:
    return lambda: ng.losses.get("bce")(ng.full((2,), 3.0), np.ones(2))


@mistake(LOSSES, ValueError, ("'crossentropy'",), ("did you mean 'cross_entropy'",))
def misspelled_loss_name(ctx: Context) -> Callable[[], object]:
    return lambda: ng.losses.get("crossentropy")


# -- optimizers and schedules ---------------------------------------------------------------------


@mistake(OPTIMIZERS, ValueError, ("SGD", "lr", "-1"), (">= 0",))
def negative_learning_rate(ctx: Context) -> Callable[[], object]:
    return lambda: ng.optim.SGD([_leaf()], lr=-1)


@mistake(OPTIMIZERS, ValueError, ("betas", "(0.9,)"), ("(0.9, 0.999)",))
def adam_given_one_beta(ctx: Context) -> Callable[[], object]:
    return lambda: ng.optim.Adam([_leaf()], betas=(0.9,))


@mistake(OPTIMIZERS, ValueError, ("nesterov=True",), ("momentum > 0",))
def nesterov_without_momentum(ctx: Context) -> Callable[[], object]:
    return lambda: ng.optim.SGD([_leaf()], lr=0.1, nesterov=True)


@mistake(OPTIMIZERS, ValueError, ("'adamm'",), ("did you mean 'adam'",))
def misspelled_optimizer_name(ctx: Context) -> Callable[[], object]:
    return lambda: ng.optim.create("adamm", [_leaf()])


@mistake(OPTIMIZERS, TypeError, ("'momentun'",), ("did you mean 'momentum'", "It takes: lr"))
def misspelled_optimizer_argument(ctx: Context) -> Callable[[], object]:
    return lambda: ng.optim.create("sgd", [_leaf()], lr=0.1, momentun=0.9)


@mistake(OPTIMIZERS, TypeError, ("not a single tensor",), ("wrap it in a list",))
def optimizer_given_one_tensor(ctx: Context) -> Callable[[], object]:
    return lambda: ng.optim.SGD(_leaf(), lr=0.1)


def _stepped_sgd(size: int) -> tuple[ng.Tensor, Any]:
    w = ng.tensor(np.ones(size), requires_grad=True)
    optimizer = ng.optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = ng.ones_like(w)
    optimizer.step()
    return w, optimizer


@mistake(OPTIMIZERS, ValueError, ("'momentum_buffer'", "parameter 0", "shape (4,)"),
         ("its parameter's shape (3,)",))  # fmt: skip
def optimizer_state_with_buffers_of_another_model(ctx: Context) -> Attempt:
    _, other = _stepped_sgd(4)
    _, optimizer = _stepped_sgd(3)
    before = optimizer.state_dict()

    def kept() -> None:
        after = optimizer.state_dict()
        np.testing.assert_array_equal(
            after["state"][0]["momentum_buffer"], before["state"][0]["momentum_buffer"]
        )

    return Attempt(lambda: optimizer.load_state_dict(other.state_dict()), kept)


@mistake(OPTIMIZERS, ValueError, ("2 parameter group(s)",), ("this optimizer has 1",))
def optimizer_state_with_another_number_of_groups(ctx: Context) -> Callable[[], object]:
    a, b = _leaf(), _leaf()
    two = ng.optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    one = ng.optim.SGD([_leaf()], lr=0.1)
    return lambda: one.load_state_dict(two.state_dict())


@mistake(OPTIMIZERS, ValueError, ("StepLR", "step_size", "0"), ("an integer >= 1",))
def schedule_with_a_zero_step_size(ctx: Context) -> Callable[[], object]:
    optimizer = ng.optim.SGD([_leaf()], lr=0.1)
    return lambda: lr_scheduler.StepLR(optimizer, step_size=0)


@mistake(OPTIMIZERS, ValueError, ("'stepp'",), ("did you mean 'step'",))
def misspelled_schedule_name(ctx: Context) -> Callable[[], object]:
    optimizer = ng.optim.SGD([_leaf()], lr=0.1)
    return lambda: lr_scheduler.create("stepp", optimizer)


# -- modules and state dicts -----------------------------------------------------------------------


@mistake(MODULES, StateDictError, ("weight", "shape (3, 3)"), ("the model has shape (2, 3)",))
def state_dict_of_another_layer_size(ctx: Context) -> Attempt:
    layer = ng.nn.Linear(3, 2)
    state = {"weight": np.ones((3, 3)), "bias": np.ones(2)}
    before = _unchanged(layer.bias)  # the one entry that fits is not copied either
    return Attempt(lambda: layer.load_state_dict(state), before)


@mistake(MODULES, StateDictError, ("missing key bias",), ("strict=False",))
def state_dict_missing_a_key(ctx: Context) -> Callable[[], object]:
    layer = ng.nn.Linear(3, 2)
    return lambda: layer.load_state_dict({"weight": np.ones((2, 3))})


@mistake(MODULES, AttributeError, ("no submodule '1'",), ("it has: 0",))
def submodule_that_does_not_exist(ctx: Context) -> Callable[[], object]:
    model = ng.nn.Sequential(ng.nn.Linear(3, 2))
    return lambda: model.get_submodule("1")


@mistake(MODULES, ValueError, ("Dropout", "p", "1.5"), ("[0, 1]",))
def dropout_probability_above_one(ctx: Context) -> Callable[[], object]:
    return lambda: ng.nn.Dropout(p=1.5)


# -- plugins ---------------------------------------------------------------------------------------


def _load(*modules: str) -> Callable[[], object]:
    return lambda: plugins.load(list(modules))


@mistake(PLUGINS, PluginError, ("'no_such_plugin_module'",),
         ("PYTHONPATH", "-p path/to/my_ops.py"))  # fmt: skip
def plugin_module_that_does_not_import(ctx: Context) -> Callable[[], object]:
    return _load("no_such_plugin_module")


@mistake(PLUGINS, PluginError, ("missing_ops.py", "does not exist"), ("the path of a .py file",))
def plugin_file_that_does_not_exist(ctx: Context) -> Callable[[], object]:
    return _load(str(ctx.tmp / "missing_ops.py"))


@mistake(PLUGINS, PluginError, ("is a directory",), ("on PYTHONPATH and give its name",))
def plugin_given_as_a_directory(ctx: Context) -> Callable[[], object]:
    return _load(str(ctx.tmp) + "/")


@mistake(PLUGINS, PluginError, ("my-ops.py",), ("a Python identifier (my_ops.py",))
def plugin_file_whose_name_is_no_module_name(ctx: Context) -> Callable[[], object]:
    (ctx.tmp / "my-ops.py").write_text("")
    return _load(str(ctx.tmp / "my-ops.py"))


@mistake(PLUGINS, HookWarning, ("plugin_fixtures.undecorated_hook", "nanograd_register_ops()"),
         ("@ng.hookimpl",))  # fmt: skip
def hook_without_its_decorator(ctx: Context) -> Callable[[], object]:
    return _load("plugin_fixtures.undecorated_hook")


@mistake(PLUGINS, HookWarning, ("nanograd_register_loss()",),
         ("the hook nanograd_register_losses", "@ng.hookimpl"))  # fmt: skip
def misspelled_hook_without_its_decorator(ctx: Context) -> Callable[[], object]:
    (ctx.tmp / "loss_plugin.py").write_text("def nanograd_register_loss(register):\n    pass\n")
    ctx.monkeypatch.delitem(sys.modules, "loss_plugin", raising=False)
    return _load(str(ctx.tmp / "loss_plugin.py"))


@mistake(PLUGINS, PluginError, ("plugin_fixtures.misspelled_hook", "nanograd_register_op"),
         ("nanograd/hookspecs.py",))  # fmt: skip
def decorated_hook_with_a_misspelled_name(ctx: Context) -> Callable[[], object]:
    return _load("plugin_fixtures.misspelled_hook")


@mistake(PLUGINS, PluginError, ("'plugin_fixtures.raises_in_hook'", "nanograd_register_ops"),
         ("the op table could not be built",))  # fmt: skip
def plugin_that_raises_in_its_hook(ctx: Context) -> Attempt:
    plugins.load()
    before = sorted(plugins.registry().ops)

    def kept() -> None:
        assert sorted(plugins.registry().ops) == before

    return Attempt(_load("plugin_fixtures.raises_in_hook"), kept)


@mistake(PLUGINS, PluginError, ("'nanograd_sdt'",), ("installed: ", "nanograd_std"))
def misspelled_plugin_in_nanograd_load_plugins(ctx: Context) -> Callable[[], object]:
    ctx.monkeypatch.setenv(plugins.LOAD_ENV, "nanograd_sdt")
    plugins.reset()
    return _load()


@mistake(PLUGINS, AttributeError, ("attribute 'exp'",), ("none is loaded", plugins.LOAD_ENV))
def tensor_method_with_no_plugin_loaded(ctx: Context) -> Callable[[], object]:
    ctx.monkeypatch.setenv(plugins.LOAD_ENV, "")
    plugins.reset()
    return lambda: ng.tensor([1.0]).exp()


@mistake(PLUGINS, AttributeError, ("'expp'",), ("did you mean 'exp'",))
def misspelled_op_name(ctx: Context) -> Callable[[], object]:
    return lambda: ng.ops.expp


# -- checkpoints through ng.load and ng.save -------------------------------------------------------


def _checkpoint(ctx: Context) -> Path:
    path = ctx.tmp / "model.npz"
    ng.save({"weight": np.ones((2, 3)), "epoch": 3}, path)
    return path


@mistake(CHECKPOINTS, CheckpointError, ("garbage.npz", "b'hello '"), ("an .npz (zip) archive",))
def loading_a_file_that_is_no_checkpoint(ctx: Context) -> Callable[[], object]:
    path = ctx.tmp / "garbage.npz"
    path.write_bytes(b"hello world")
    return lambda: ng.load(path)


@mistake(CHECKPOINTS, CheckpointError, ("model.npz", "damaged or truncated"),
         ("load an earlier copy",))  # fmt: skip
def loading_a_truncated_checkpoint(ctx: Context) -> Callable[[], object]:
    path = _checkpoint(ctx)
    path.write_bytes(path.read_bytes()[:200])
    return lambda: ng.load(path)


@mistake(
    CHECKPOINTS, CheckpointError, ("plain.npz", "holds w"), ("write checkpoints with ng.save",)
)
def loading_a_plain_numpy_archive(ctx: Context) -> Callable[[], object]:
    path = ctx.tmp / "plain.npz"
    np.savez(path, w=np.ones(2))
    return lambda: ng.load(path)


@mistake(
    CHECKPOINTS, CheckpointError, ("one.npy", "single .npy array"), (".npz written by ng.save",)
)
def loading_a_single_array_file(ctx: Context) -> Callable[[], object]:
    path = ctx.tmp / "one.npy"
    np.save(path, np.ones(2))
    return lambda: ng.load(path)


def _rewrite_metadata(path: Path, meta: str) -> None:
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays["__nanograd__"] = np.array(meta)
    np.savez(path, **arrays)


@mistake(CHECKPOINTS, CheckpointError, ("model.npz", "JSONDecodeError"), ("load an earlier copy",))
def loading_a_checkpoint_with_damaged_metadata(ctx: Context) -> Callable[[], object]:
    path = _checkpoint(ctx)
    _rewrite_metadata(path, '{"format": "nanograd-checkpoint", "vers')
    return lambda: ng.load(path)


@mistake(CHECKPOINTS, CheckpointError, ("model.npz", "KeyError"), ("save it again",))
def loading_a_checkpoint_missing_an_array(ctx: Context) -> Callable[[], object]:
    path = _checkpoint(ctx)
    with np.load(path, allow_pickle=False) as archive:
        meta = str(archive["__nanograd__"])
    np.savez(path, __nanograd__=np.array(meta))  # the metadata, without the weight it names
    return lambda: ng.load(path)


@mistake(CHECKPOINTS, CheckpointError, ("format version 99",), ("reads version 1",))
def loading_a_checkpoint_from_a_newer_format(ctx: Context) -> Callable[[], object]:
    path = _checkpoint(ctx)
    tree = {"format": "nanograd-checkpoint", "version": 99, "tree": {"value": None}}
    _rewrite_metadata(path, json.dumps(tree))
    return lambda: ng.load(path)


@mistake(CHECKPOINTS, CheckpointError, ("Linear",), ("save a module's state_dict()",))
def saving_a_module_instead_of_its_state_dict(ctx: Context) -> Attempt:
    path = _checkpoint(ctx)
    before = path.read_bytes()

    def kept() -> None:
        assert path.read_bytes() == before  # the file already there is not touched

    return Attempt(lambda: ng.save(ng.nn.Linear(3, 2), path), kept)


@mistake(MODULES, StateDictError, ("weight", "shape (2, 3)"), ("the model has shape (4, 3)",))
def loading_a_checkpoint_of_another_model(ctx: Context) -> Attempt:
    path = ctx.tmp / "small.npz"
    ng.save(ng.nn.Linear(3, 2).state_dict(), path)
    layer = ng.nn.Linear(3, 4)
    return Attempt(lambda: layer.load_state_dict(ng.load(path)), _unchanged(layer.weight))


# -- graph use -------------------------------------------------------------------------------------


@mistake(GRAPH, RuntimeError, ("op 'sum'", "a second time"), ("retain_graph=True",))
def backward_twice_through_a_freed_graph(ctx: Context) -> Callable[[], object]:
    loss = (_leaf() * 2.0).sum()
    loss.backward()
    return loss.backward


@mistake(GRAPH, RuntimeError, ("input 1 (shape (3,))",), ("allow_unused=True",))
def gradient_of_an_unused_input(ctx: Context) -> Callable[[], object]:
    a, b = _leaf(), _leaf()
    return lambda: ng.grad((a * 2.0).sum(), [a, b])


@mistake(GRAPH, RuntimeError, ("does not require grad",), ("requires_grad=True", "ng.no_grad()"))
def backward_of_a_result_of_constants(ctx: Context) -> Callable[[], object]:
    return (ng.ones(3) * 2.0).sum().backward


@mistake(GRAPH, RuntimeError, ("input 0", "got Tensor"), ("make it with requires_grad=True",))
def gradient_with_respect_to_a_constant(ctx: Context) -> Callable[[], object]:
    x = ng.ones(3)
    return lambda: ng.grad((_leaf() * x).sum(), x)


# -- the tests -------------------------------------------------------------------------------------


@pytest.mark.usefixtures("fresh_plugins")
@pytest.mark.parametrize("case", CATALOGUE, ids=lambda case: case.name)
def test_each_mistake_is_told_naming_the_culprit_and_what_is_valid(
    case: Mistake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempt = case.scenario(Context(tmp_path, monkeypatch))
    if not isinstance(attempt, Attempt):
        attempt = Attempt(attempt)
    if issubclass(case.raises, Warning):
        with pytest.warns(case.raises) as record:
            attempt.do()
        message = "\n".join(str(w.message) for w in record if issubclass(w.category, case.raises))
    else:
        with pytest.raises(case.raises) as info:
            attempt.do()
        message = str(info.value)
    for fragment in case.culprit + case.valid:
        assert fragment in message, f"{fragment!r} is not in the message:\n{message}"
    attempt.intact()


def test_the_catalogue_holds_distinct_mistakes_each_with_culprit_and_valid_form() -> None:
    names = [case.name for case in CATALOGUE]
    assert len(set(names)) == len(names)
    assert all(case.culprit and case.valid for case in CATALOGUE)
    assert {case.category for case in CATALOGUE} == set(CATEGORIES)
    assert len(CATALOGUE) >= 32


def counts() -> Counter[str]:
    """How many mistakes the catalogue holds in each category."""
    return Counter(case.category for case in CATALOGUE)


if __name__ == "__main__":
    for category in CATEGORIES:
        print(f"{counts()[category]:3d}  {category}")
    print(f"{len(CATALOGUE):3d}  in all")
