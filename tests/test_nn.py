"""nn modules: registration, traversal, modes, state dicts and their errors, the layers against
NumPy references, an end-to-end gradient check of a model, float32 training, and clipping."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import nanograd as ng
from nanograd import nn


class Affine(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.shift = nn.Parameter(np.zeros(3))
        self.constant = ng.tensor([1.0, 2.0, 3.0])  # a plain tensor is not a parameter

    def forward(self, x: Any) -> Any:
        return x * self.scale + self.shift


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = Affine()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))

    def forward(self, x: Any) -> Any:
        return self.body(self.first(x))


# -- registration and traversal --------------------------------------------------------------------


def test_assigned_parameters_and_submodules_are_registered_in_order() -> None:
    names = [name for name, _ in Net().named_parameters()]
    assert names == [
        "first.scale", "first.shift",
        "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias",
    ]  # fmt: skip


def test_plain_tensors_and_numbers_are_ordinary_attributes() -> None:
    module = Affine()
    assert "constant" not in dict(module.named_parameters())
    assert module.constant.tolist() == [1.0, 2.0, 3.0]


def test_a_shared_parameter_is_listed_once() -> None:
    a, b = nn.Linear(2, 2), nn.Linear(2, 2)
    b.weight = a.weight
    model = nn.Sequential(a, b)
    assert len(list(model.parameters())) == 3
    assert "1.weight" in model.state_dict()


def test_replacing_a_parameter_with_a_non_parameter_is_refused() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign ndarray to parameter 'weight'"):
        layer.weight = np.zeros((2, 2))
    layer.bias = None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_assigning_before_super_init_says_what_to_do() -> None:
    class Forgetful(nn.Module):
        def __init__(self) -> None:
            self.w = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"must call super\(\).__init__\(\)"):
        Forgetful()


def test_deleting_a_parameter_unregisters_it() -> None:
    layer = nn.Linear(2, 2)
    del layer.bias
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_named_modules_and_get_submodule() -> None:
    net = Net()
    assert [name for name, _ in net.named_modules()] == [
        "", "first", "body", "body.0", "body.1", "body.2",
    ]  # fmt: skip
    assert net.get_submodule("body.2") is net.body[2]
    with pytest.raises(AttributeError, match="body has no submodule '7'"):
        net.get_submodule("body.7")


def test_buffers_are_saved_unless_not_persistent() -> None:
    module = Affine()
    module.register_buffer("running", ng.tensor([0.5]))
    module.register_buffer("scratch", ng.tensor([9.0]), persistent=False)
    assert [n for n, _ in module.named_buffers()] == ["running", "scratch"]
    assert set(module.state_dict()) == {"scale", "shift", "running"}
    assert "running" not in dict(module.named_parameters())


def test_train_and_eval_reach_every_submodule() -> None:
    net = Net()
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_can_leave_zeros_of_each_parameters_shape() -> None:
    net = Net()
    net(ng.tensor(np.ones((2, 3)))).sum().backward()
    net.zero_grad(set_to_none=False)
    for p in net.parameters():
        assert p.grad is not None and p.grad.shape == p.shape
        assert not p.grad.data.any()


def test_apply_visits_submodules_before_their_parent() -> None:
    visited: list[str] = []
    Net().apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Affine", "Linear", "Tanh", "Linear", "Sequential", "Net"]


def test_registration_errors_name_the_entry() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match=r"register_parameter\('w'\): expected an nn.Parameter"):
        layer.register_parameter("w", np.zeros(2))  # type: ignore[arg-type]
    with pytest.raises(KeyError, match=r"module name 'a\.b' must be non-empty and contain no"):
        layer.add_module("a.b", nn.ReLU())
    with pytest.raises(TypeError, match=r"Sequential: entry 1 is ufunc, not an nn\.Module"):
        nn.Sequential(nn.ReLU(), np.tanh)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"Module\.astype: int32 is not a floating dtype"):
        layer.astype(np.int32)


def test_zero_grad_clears_every_parameter() -> None:
    net = Net()
    net(ng.tensor(np.ones((2, 3)))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_repr_lists_submodules_with_their_settings() -> None:
    model = nn.MLP(2, [16], 1, activation="relu")
    assert repr(model) == (
        "MLP(\n"
        "  (0): Linear(in_features=2, out_features=16, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=16, out_features=1, bias=True)\n"
        ")"
    )
    assert repr(Net()).startswith("Net(\n  (first): Affine()\n  (body): Sequential(\n    (0): Lin")


# -- state dicts -----------------------------------------------------------------------------------


def test_state_dict_round_trip_restores_the_function() -> None:
    x = ng.tensor(np.random.default_rng(0).standard_normal((5, 3)))
    source, target = Net(), Net()
    assert not np.allclose(source(x).data, target(x).data)
    target.load_state_dict(source.state_dict())
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_state_dict_is_a_snapshot_of_arrays() -> None:
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    assert all(type(v) is np.ndarray for v in state.values())
    layer.weight.data += 1.0
    assert not np.array_equal(state["weight"], layer.weight.data)


def test_load_names_every_missing_unexpected_and_misshaped_key() -> None:
    model = nn.MLP(2, [3], 1)
    state = model.state_dict()
    del state["2.bias"]
    state["0.weight"] = np.zeros((3, 5))
    state["9.weight"] = np.zeros((4, 4))
    with pytest.raises(nn.StateDictError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert (
        "size mismatch for 0.weight: the checkpoint has shape (3, 5), the model has shape (3, 2)"
        in message
    )
    assert "missing key 2.bias (the model has shape (1,))" in message
    assert "unexpected key 9.weight (shape (4, 4))" in message
    assert "strict=False" in message


def test_a_failed_load_changes_nothing() -> None:
    model = nn.MLP(2, [3], 1)
    before = model.state_dict()
    state = {k: np.full_like(v, 7.0) for k, v in before.items()}
    state["2.weight"] = np.zeros((9, 9))
    with pytest.raises(nn.StateDictError):
        model.load_state_dict(state)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_strict_false_loads_the_matching_keys_and_reports_the_rest() -> None:
    model = nn.MLP(2, [3], 1)
    state = {"0.weight": np.ones((3, 2)), "extra": np.zeros(2)}
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias", "2.weight", "2.bias"]
    assert result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(model[0].weight.data, np.ones((3, 2)))


def test_strict_false_still_refuses_a_shape_mismatch() -> None:
    model = nn.MLP(2, [3], 1)
    with pytest.raises(nn.StateDictError, match=r"size mismatch for 0\.weight"):
        model.load_state_dict({"0.weight": np.ones((2, 2))}, strict=False)


def test_an_array_of_another_kind_is_a_dtype_mismatch() -> None:
    layer = nn.Linear(2, 2)
    state = {"weight": np.array([["a", "b"], ["c", "d"]]), "bias": np.zeros(2)}
    with pytest.raises(nn.StateDictError, match="dtype mismatch for weight: the checkpoint holds"):
        layer.load_state_dict(state)


def test_loading_keeps_the_models_dtype() -> None:
    model = nn.Linear(2, 2, dtype=np.float32)
    model.load_state_dict(nn.Linear(2, 2).state_dict())
    assert model.weight.dtype == np.float32


# -- layers ----------------------------------------------------------------------------------------


def test_linear_initialisation_follows_pytorch() -> None:
    layer = nn.Linear(64, 200, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(64)
    assert layer.weight.shape == (200, 64)
    assert layer.bias is not None and layer.bias.shape == (200,)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.bias.data).max() <= bound
    # Uniform on ±bound has standard deviation bound / sqrt(3).
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.05)


def test_linear_computes_x_times_w_transpose_plus_b() -> None:
    layer = nn.Linear(3, 2)
    x = np.random.default_rng(1).standard_normal((4, 3))
    expected = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(ng.tensor(x)).data, expected, rtol=1e-14)


@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_linear_is_one_node_with_the_gradients_of_its_composite(batch: tuple[int, ...]) -> None:
    layer = nn.Linear(3, 2, generator=np.random.default_rng(2))
    rng = np.random.default_rng(3)
    x = ng.tensor(rng.standard_normal((*batch, 3)), requires_grad=True)
    out = layer(x)
    assert out._op is not None and out._op.name == "linear"
    assert out._inputs == (x, layer.weight, layer.bias)
    upstream = rng.standard_normal(out.shape)
    out.backward(ng.tensor(upstream))
    fused = [x.grad.data, layer.weight.grad.data, layer.bias.grad.data]
    x.grad = layer.weight.grad = layer.bias.grad = None
    (x @ layer.weight.T + layer.bias).backward(ng.tensor(upstream))
    composite = [x.grad.data, layer.weight.grad.data, layer.bias.grad.data]
    for got, expected in zip(fused, composite, strict=True):
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    assert layer.weight.grad.data.flags.c_contiguous  # laid out as the weight, for the step


def test_linear_without_bias() -> None:
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    assert "bias=False" in repr(layer)


def test_linear_names_the_expected_input_size() -> None:
    with pytest.raises(
        ValueError, match=r"last axis must have length 3; got an input of shape \(4, 2\)"
    ):
        nn.Linear(3, 2)(ng.tensor(np.ones((4, 2))))


def test_manual_seed_makes_initialisation_reproducible() -> None:
    nn.init.manual_seed(5)
    first = nn.MLP(2, [8], 1).state_dict()
    nn.init.manual_seed(5)
    second = nn.MLP(2, [8], 1).state_dict()
    assert all(np.array_equal(first[k], second[k]) for k in first)


def test_sequential_takes_named_modules_and_slices_keep_the_names() -> None:
    model = nn.Sequential({"hidden": nn.Linear(2, 3), "act": nn.ReLU(), "out": nn.Linear(3, 1)})
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias", "out.weight", "out.bias"]
    tail = model[1:]
    assert isinstance(tail, nn.Sequential) and list(tail.state_dict()) == ["out.weight", "out.bias"]
    assert tail[-1] is model.out
    x = ng.tensor(np.ones((4, 2)))
    np.testing.assert_array_equal(model(x).data, tail(model[0](x)).data)
    assert len(model.append(nn.Sigmoid())) == 4


def test_module_list_registers_its_entries() -> None:
    class Stack(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2, bias=False)])

    stack = Stack()
    names = ["layers.0.weight", "layers.0.bias", "layers.1.weight"]
    assert [n for n, _ in stack.named_parameters()] == names
    stack.layers[1] = nn.Linear(2, 2)
    assert [n for n, _ in stack.named_parameters()] == [*names, "layers.1.bias"]
    assert len(stack.layers) == 2 and stack.layers[-1] is stack.layers[1]


@pytest.mark.parametrize(
    ("start", "end", "shape", "expected"),
    [(1, -1, (2, 3, 4), (2, 12)), (0, 1, (2, 3, 4), (6, 4)), (1, -2, (2, 3, 4, 5), (2, 12, 5))],
)
def test_flatten_joins_the_axes_from_start_to_end(
    start: int, end: int, shape: tuple[int, ...], expected: tuple[int, ...]
) -> None:
    x = np.arange(math.prod(shape), dtype=float).reshape(shape)
    out = nn.Flatten(start, end)(ng.tensor(x))
    np.testing.assert_array_equal(out.data, x.reshape(expected))


def test_init_bounds_follow_he_and_glorot() -> None:
    rng = np.random.default_rng(4)
    weight = ng.tensor(np.empty((300, 50)))
    nn.init.kaiming_uniform_(weight, nonlinearity="relu", generator=rng)
    bound = math.sqrt(2) * math.sqrt(3 / 50)  # gain(relu) · sqrt(3 / fan_in)
    assert bound * 0.99 < np.abs(weight.data).max() <= bound
    nn.init.xavier_uniform_(weight, generator=rng)
    bound = math.sqrt(6 / (50 + 300))
    assert bound * 0.99 < np.abs(weight.data).max() <= bound
    with pytest.raises(ValueError, match="no gain known for nonlinearity 'swish'"):
        nn.init.kaiming_uniform_(weight, nonlinearity="swish")


def test_mlp_layout_and_activations() -> None:
    model = nn.MLP(3, [8, 8], 2, activation="tanh", dropout=0.1, output_activation="sigmoid")
    kinds = [type(m).__name__ for m in model]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Tanh", "Dropout", "Linear", "Sigmoid"]
    assert model(ng.tensor(np.ones((5, 3)))).shape == (5, 2)


def test_mlp_accepts_any_registered_one_input_op_as_activation() -> None:
    model = nn.MLP(2, [4], 1, activation="sin")
    x = ng.tensor(np.ones((1, 2)))
    hidden = model[0](x)
    np.testing.assert_allclose(model[1](hidden).data, np.sin(hidden.data))


def test_mlp_unknown_activation_suggests_names() -> None:
    with pytest.raises(ValueError, match="unknown activation 'rellu'; did you mean 'relu'"):
        nn.MLP(2, [4], 1, activation="rellu")


def test_mlp_hidden_sizes_are_checked() -> None:
    with pytest.raises(ValueError, match=r"hidden must be a list of positive layer sizes"):
        nn.MLP(2, [4, 0], 1)


@pytest.mark.parametrize(
    ("module", "reference"),
    [
        (nn.ReLU(), lambda x: np.maximum(x, 0)),
        (nn.LeakyReLU(0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
        (nn.Tanh(), np.tanh),
        (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
        (nn.Softplus(), lambda x: np.log1p(np.exp(x))),
        (nn.GELU(approximate="tanh"),
         lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
        (nn.Softmax(axis=-1), lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
        (nn.LogSoftmax(axis=0), lambda x: x - np.log(np.exp(x).sum(0, keepdims=True))),
        (nn.GELU(), lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
        (nn.Softplus(beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
        (nn.Identity(), lambda x: x),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "",
)  # fmt: skip
def test_activation_modules_match_numpy(module: nn.Module, reference: Any) -> None:
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    np.testing.assert_allclose(module(ng.tensor(x)).data, reference(x), rtol=1e-6, atol=1e-12)


def test_dropout_is_the_identity_in_eval_mode() -> None:
    drop = nn.Dropout(0.5).eval()
    x = ng.tensor(np.ones(100))
    assert drop(x) is x


def test_dropout_zeroes_a_fraction_p_and_rescales_the_rest() -> None:
    drop = nn.Dropout(0.25, generator=np.random.default_rng(0))
    out = drop(ng.tensor(np.ones(20000))).data
    assert np.mean(out == 0) == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(out[out != 0], 1 / 0.75)


def test_dropout_gradient_follows_the_mask() -> None:
    drop = nn.Dropout(0.5, generator=np.random.default_rng(1))
    x = ng.tensor(np.ones(50), requires_grad=True)
    out = drop(x)
    out.sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, out.data)


def test_dropout_probability_is_checked() -> None:
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)


def test_layer_norm_matches_its_definition() -> None:
    x = np.random.default_rng(2).standard_normal((4, 5)) * 3 + 1
    norm = nn.LayerNorm(5)
    norm.weight.data[:] = np.arange(5.0)
    norm.bias.data[:] = 0.5
    mean = x.mean(-1, keepdims=True)
    var = x.var(-1, keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * np.arange(5.0) + 0.5
    np.testing.assert_allclose(norm(ng.tensor(x)).data, expected, rtol=1e-12)


def test_layer_norm_checks_the_trailing_shape() -> None:
    with pytest.raises(ValueError, match=r"trailing axes must have shape \(5,\)"):
        nn.LayerNorm(5)(ng.tensor(np.ones((2, 4))))


def test_embedding_looks_up_rows_and_accumulates_repeated_gradients() -> None:
    table = nn.Embedding(5, 3)
    idx = np.array([[0, 2], [2, 4]])
    out = table(idx)
    np.testing.assert_array_equal(out.data, table.weight.data[idx])
    out.sum().backward()
    assert table.weight.grad is not None
    np.testing.assert_array_equal(table.weight.grad.data[:, 0], [1, 0, 2, 0, 1])


def test_embedding_padding_row_is_zero_and_gets_no_gradient() -> None:
    table = nn.Embedding(4, 2, padding_idx=1)
    np.testing.assert_array_equal(table.weight.data[1], [0.0, 0.0])
    table.weight.data[1] = 5.0  # even if changed, the padding row neither outputs nor learns
    out = table(np.array([1, 2, 1]))
    np.testing.assert_array_equal(out.data[[0, 2]], np.zeros((2, 2)))
    (out * 3.0).sum().backward()
    assert table.weight.grad is not None
    np.testing.assert_array_equal(table.weight.grad.data[1], [0.0, 0.0])
    np.testing.assert_array_equal(table.weight.grad.data[2], [3.0, 3.0])


def test_embedding_index_errors() -> None:
    table = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"index 4 is outside \[0, 4\)"):
        table(np.array([0, 4]))
    with pytest.raises(TypeError, match="indices must be integers"):
        table(np.array([0.0, 1.0]))


# -- gradients end to end --------------------------------------------------------------------------


def test_a_models_parameter_gradients_pass_gradcheck() -> None:
    model = nn.Sequential(nn.Linear(3, 5), nn.LayerNorm(5), nn.Tanh(), nn.Linear(5, 4))
    names = [name for name, _ in model.named_parameters()]
    rng = np.random.default_rng(3)
    x = ng.tensor(rng.standard_normal((6, 3)))
    labels = rng.integers(0, 4, size=6)

    def loss(*params: ng.Tensor) -> ng.Tensor:
        logits = nn.functional_call(model, dict(zip(names, params, strict=True)), x)
        return ng.losses.cross_entropy(logits, labels)

    assert ng.gradcheck(loss, [p.data.copy() for p in model.parameters()])


def test_backward_fills_the_same_gradients_as_gradcheck_checked() -> None:
    model = nn.MLP(2, [3], 1, activation="tanh")
    x = ng.tensor(np.array([[0.5, -1.0]]))
    model(x).sum().backward()
    names = [n for n, _ in model.named_parameters()]
    params = [ng.tensor(p.data, requires_grad=True) for p in model.parameters()]
    out = nn.functional_call(model, dict(zip(names, params, strict=True)), x).sum()
    grads = ng.grad(out, params)
    for p, g in zip(model.parameters(), grads, strict=True):
        assert p.grad is not None and g is not None
        np.testing.assert_allclose(p.grad.data, g.data, rtol=1e-15)


def test_functional_call_restores_the_models_own_parameters() -> None:
    layer = nn.Linear(2, 1)
    weight = layer.weight
    out = nn.functional_call(layer, {"weight": ng.tensor(np.zeros((1, 2)))}, ng.tensor([1.0, 1.0]))
    np.testing.assert_array_equal(out.data, layer.bias.data)
    assert layer.weight is weight
    with pytest.raises(KeyError, match="no parameter or buffer 'wieght'"):
        nn.functional_call(layer, {"wieght": weight}, ng.tensor([1.0, 1.0]))


# -- float32 ---------------------------------------------------------------------------------------


def test_float32_training_stays_float32() -> None:
    model = nn.MLP(2, [8], 1, dtype=np.float32)
    optimizer = ng.optim.Adam(model.parameters(), lr=0.01)
    x = ng.tensor(np.random.default_rng(0).standard_normal((16, 2)).astype(np.float32))
    y = np.ones((16, 1))  # a float64 target must not promote the loss
    for _ in range(3):
        optimizer.zero_grad()
        loss = ng.losses.mse(model(x), y)
        assert loss.dtype == np.float32
        loss.backward()
        optimizer.step()
    for p in model.parameters():
        assert p.dtype == np.float32
        assert p.grad is not None and p.grad.dtype == np.float32


def test_astype_converts_every_parameter() -> None:
    model = nn.MLP(2, [4], 1).float()
    assert {p.dtype for p in model.parameters()} == {np.dtype(np.float32)}
    assert model.double()[0].weight.dtype == np.float64


# -- gradient clipping -----------------------------------------------------------------------------


def with_grads(*grads: list[float]) -> list[ng.Tensor]:
    params = [ng.tensor(np.zeros(len(g)), requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = ng.tensor(g)
    return params


def test_clip_grad_norm_scales_all_gradients_together() -> None:
    params = with_grads([3.0, 0.0], [0.0, 4.0])
    total = nn.clip_grad_norm_(params, max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    clipped = np.concatenate([p.grad.data for p in params])  # type: ignore[union-attr]
    np.testing.assert_allclose(clipped, [0.6, 0.0, 0.0, 0.8], rtol=1e-6)
    assert np.linalg.norm(clipped) == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_leaves_small_gradients_alone() -> None:
    params = with_grads([0.3, 0.4])
    assert nn.clip_grad_norm_(params, max_norm=1.0).item() == pytest.approx(0.5)
    np.testing.assert_array_equal(params[0].grad.data, [0.3, 0.4])  # type: ignore[union-attr]


def test_clip_grad_norm_infinity_norm_and_nonfinite_check() -> None:
    params = with_grads([1.0, -6.0], [2.0])
    assert nn.clip_grad_norm_(params, 3.0, norm_type=math.inf).item() == 6.0
    np.testing.assert_allclose(params[0].grad.data, [0.5, -3.0], rtol=1e-6)  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="total gradient norm"):
        nn.clip_grad_norm_(with_grads([math.nan]), 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_of_order_one() -> None:
    params = with_grads([1.0, -3.0], [4.0])
    assert nn.clip_grad_norm_(params, max_norm=4.0, norm_type=1).item() == pytest.approx(8.0)
    clipped = np.concatenate([p.grad.data for p in params])  # type: ignore[union-attr]
    np.testing.assert_allclose(clipped, [0.5, -1.5, 2.0], rtol=1e-6)


def test_clip_grad_value_clamps_each_element() -> None:
    params = with_grads([-3.0, 0.5, 2.0])
    nn.clip_grad_value_(params, 1.0)
    np.testing.assert_array_equal(params[0].grad.data, [-1.0, 0.5, 1.0])  # type: ignore[union-attr]


def test_clipping_keeps_float32_gradients_float32() -> None:
    p = ng.tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    p.grad = ng.tensor(np.array([30.0, 40.0], dtype=np.float32))
    nn.clip_grad_norm_([p], 1.0)
    assert p.grad.dtype == np.float32
    nn.clip_grad_value_([p], 0.1)
    assert p.grad.dtype == np.float32
