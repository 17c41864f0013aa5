"""The op contract: what ``register`` accepts, and errors that name the plugin at fault."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nanograd as ng
from nanograd import domain, plugins
from nanograd.binding import bind
from nanograd.call import make_function
from nanograd.definitions import parameters_of
from nanograd.registry import OpDef, PluginError, Registry

PLUGIN = "acme_ops"


def registrar(registry: Registry | None = None) -> Callable[..., OpDef]:
    return (registry or Registry()).op_registrar(PLUGIN)


def unary_vjp(g: Any, out: Any, x: Any) -> Any:
    return g * out


def binary_vjp(g: Any, out: Any, x: Any, y: Any) -> Any:
    return g


# -- a valid declaration -----------------------------------------------------------------------


def test_a_declaration_records_its_plugin_arity_and_parameters() -> None:
    def forward(x: np.ndarray, axis: int | None = None, keepdims: bool = False) -> np.ndarray:
        """Sum of x."""
        return np.sum(x, axis=axis, keepdims=keepdims)

    op = registrar()("total", forward, lambda g, out, x, **p: g, domain=domain.reduction())
    assert (op.plugin, op.arity, op.param_names) == (PLUGIN, 1, ("axis", "keepdims"))
    assert op.doc == "Sum of x."
    assert op.method is None


def test_a_ufunc_without_a_gradient_takes_its_arity_from_nin() -> None:
    op = registrar()("less", np.less, None, differentiable=False)
    assert op.arity == 2
    less = make_function(op)
    result = less(ng.tensor([1.0, 3.0]), 2.0)
    assert result.dtype == np.bool_ and not result.requires_grad
    np.testing.assert_array_equal(result.data, [True, False])


@pytest.mark.usefixtures("fresh_plugins")  # binding this registry replaces the loaded one
def test_method_true_binds_the_op_name_and_a_string_binds_that_name() -> None:
    reg = Registry()
    assert registrar(reg)("cube", lambda x: x**3, unary_vjp, domain=domain.elementwise(),
                          method=True).method == "cube"  # fmt: skip
    assert registrar(reg)("cube2", lambda x: x**3, unary_vjp, domain=domain.elementwise(),
                          method="cubed").method == "cubed"  # fmt: skip
    bind(reg.ops.values())
    x = ng.tensor([2.0])
    assert (x.cube().item(), x.cubed().item()) == (8.0, 8.0)
    assert not hasattr(x, "cube2")


# -- malformed declarations name the plugin and the op -------------------------------------------


E = domain.elementwise()
B = domain.broadcast()
_MALFORMED = [
    pytest.param(dict(forward=np.exp, vjp=None, domain=E), "missing gradient",
                 id="missing gradient"),
    pytest.param(dict(forward=np.exp, vjp=(binary_vjp, binary_vjp), domain=E),
                 "wrong arity: 2 vjps were given", id="more vjps than ufunc inputs"),
    pytest.param(dict(forward=lambda x: x, vjp=(binary_vjp, binary_vjp), domain=E),
                 "wrong arity: 2 vjps were given", id="more vjps than forward inputs"),
    pytest.param(dict(forward=np.add, vjp=(unary_vjp, unary_vjp), domain=B),
                 "vjp 0 must accept (g, out, x0, x1, **params)", id="vjp too narrow"),
    pytest.param(dict(forward=np.exp, vjp=unary_vjp), "declares its domain=",
                 id="missing domain"),
    pytest.param(dict(forward="exp", vjp=unary_vjp, domain=E), "forward must be callable",
                 id="non-callable forward"),
    pytest.param(dict(forward=np.exp, vjp=[42], domain=E), "vjp 0 is not callable",
                 id="non-callable vjp"),
    pytest.param(dict(forward=np.exp, vjp=(), domain=E), "vjp= is empty", id="empty vjps"),
    pytest.param(dict(forward=np.add, vjp=(None, None), domain=B), "every vjp is None",
                 id="all vjps None"),
    pytest.param(dict(forward=np.exp, vjp=unary_vjp, domain="elementwise"), "domain must be",
                 id="domain not a Domain"),
    pytest.param(dict(forward=np.less, vjp=unary_vjp, differentiable=False),
                 "differentiable=False but", id="vjp on a non-differentiable op"),
    pytest.param(dict(forward=np.exp, vjp=unary_vjp, domain=E, method="backward"),
                 "cannot be a Tensor method", id="engine method name"),
    pytest.param(dict(forward=np.exp, vjp=unary_vjp, domain=E, method="_private"),
                 "cannot be a Tensor method", id="private method name"),
    pytest.param(dict(forward=np.exp, vjp=unary_vjp, domain=E, method="add_"),
                 "cannot be a Tensor method", id="in-place method name"),
]  # fmt: skip


@pytest.mark.parametrize(("declaration", "said"), _MALFORMED)
def test_a_malformed_op_is_refused_naming_plugin_and_op(
    declaration: dict[str, Any], said: str
) -> None:
    with pytest.raises(PluginError) as info:
        registrar()("myop", **declaration)
    message = str(info.value)
    assert f"plugin {PLUGIN!r}, op 'myop'" in message
    assert said in message


@pytest.mark.parametrize("name", ["", "2x", "my-op", "class", "__getattr__", None])
def test_an_op_name_must_be_a_public_identifier(name: Any) -> None:
    with pytest.raises(PluginError, match=f"plugin {PLUGIN!r} registered op {name!r}: a name"):
        registrar()(name, np.exp, unary_vjp, domain=domain.elementwise())


def test_a_duplicate_op_name_names_both_plugins() -> None:
    reg = Registry()
    reg.op_registrar("first_plugin")("twice", np.exp, unary_vjp, domain=domain.elementwise())
    with pytest.raises(PluginError) as info:
        reg.op_registrar("second_plugin")("twice", np.exp, unary_vjp, domain=domain.elementwise())
    assert "op 'twice' is registered twice" in str(info.value)
    assert "'first_plugin'" in str(info.value) and "'second_plugin'" in str(info.value)
    assert reg.ops["twice"].plugin == "first_plugin"


def test_two_ops_cannot_claim_one_tensor_method() -> None:
    reg = Registry()
    reg.op_registrar("first_plugin")("cube", lambda x: x**3, unary_vjp,
                                     domain=domain.elementwise(), method="power3")  # fmt: skip
    with pytest.raises(PluginError) as info:
        reg.op_registrar("second_plugin")("cube_too", lambda x: x**3, unary_vjp,
                                          domain=domain.elementwise(), method="power3")  # fmt: skip
    assert "'power3' is already taken by op 'cube' of plugin 'first_plugin'" in str(info.value)
    assert "plugin 'second_plugin', op 'cube_too'" in str(info.value)
    assert "cube_too" not in reg.ops


def test_losses_and_optimizers_are_checked_and_named_too() -> None:
    reg = Registry()
    with pytest.raises(PluginError, match="plugin 'acme_ops' registered loss 'l2' with a non-"):
        reg.loss_registrar(PLUGIN)("l2", 3)
    with pytest.raises(PluginError, match="plugin 'acme_ops' registered optimizer 'sgd' with"):
        reg.optimizer_registrar(PLUGIN)("sgd", None)
    reg.loss_registrar("a")("l2", lambda x, y: x)
    with pytest.raises(PluginError, match="by plugin 'a' and by plugin 'b'"):
        reg.loss_registrar("b")("l2", lambda x, y: x)


# -- the loader names the plugin ---------------------------------------------------------------


@pytest.mark.usefixtures("fresh_plugins")
@pytest.mark.parametrize(
    ("module", "said"),
    [
        ("plugin_fixtures.fails_to_import",
         "could not be imported: ImportError: this plugin needs"),
        ("plugin_fixtures.no_such_module", "could not be imported: ModuleNotFoundError"),
        ("plugin_fixtures.raises_in_hook",
         "raised in nanograd_register_ops: RuntimeError: the op table could not be built"),
        ("plugin_fixtures.missing_gradient", "op 'cube': missing gradient"),
        ("plugin_fixtures.misspelled_hook", "implements a hook nanograd does not define"),
        ("plugin_fixtures.wrong_hook_argument", "has an invalid hook implementation"),
    ],
    ids=["import failure", "missing module", "exception in hook", "malformed op",
         "misspelled hook", "unknown hook argument"],
)  # fmt: skip
def test_a_failing_plugin_is_named(module: str, said: str) -> None:
    with pytest.raises(PluginError) as info:
        plugins.load(modules=[module])
    assert repr(module) in str(info.value)
    assert said in str(info.value)
    assert not plugins.is_loaded()  # nothing half-loaded stays behind


@pytest.mark.usefixtures("fresh_plugins")
def test_a_misspelled_hook_names_the_hook() -> None:
    with pytest.raises(PluginError, match="nanograd_register_op"):
        plugins.load(modules=["plugin_fixtures.misspelled_hook"])


@pytest.mark.usefixtures("fresh_plugins")
def test_an_op_that_clashes_with_the_standard_one_names_both_plugins() -> None:
    with pytest.raises(PluginError) as info:
        plugins.load(modules=["plugin_fixtures.redefines_add"])
    assert "op 'add' is registered twice" in str(info.value)
    assert "'nanograd_std'" in str(info.value)
    assert "'plugin_fixtures.redefines_add'" in str(info.value)
    assert "NANOGRAD_LOAD_PLUGINS" in str(info.value)


@pytest.mark.usefixtures("fresh_plugins")
def test_ops_of_two_fixture_plugins_clash_naming_both() -> None:
    with pytest.raises(PluginError) as info:
        plugins.load(modules=["plugin_fixtures.square", "plugin_fixtures.square_again"])
    assert "by plugin 'plugin_fixtures.square' and by plugin 'plugin_fixtures.square_again'" in str(
        info.value
    )


# -- composite ops and ops with several outputs ---------------------------------------------------


def test_a_composite_op_is_its_function_and_differentiates_through_the_ops_it_calls() -> None:
    def halves(x: Any, parts: int = 2) -> list[Any]:
        """x split in equal parts, doubled."""
        size = len(x) // parts
        return [x[i * size : (i + 1) * size] * 2 for i in range(parts)]

    op = registrar()("halves", halves, None, composite=True, domain=E)
    assert op.composite and op.vjps == () and op.differentiable and op.arity == 1
    x = ng.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    first, second = make_function(op)(x)
    np.testing.assert_array_equal(second.data, [6.0, 8.0])
    (first.sum() * 3 + second.sum()).backward()
    np.testing.assert_array_equal(x.grad.data, [6.0, 6.0, 2.0, 2.0])
    assert make_function(op).__name__ == "halves" and "doubled" in make_function(op).__doc__


@pytest.mark.parametrize(
    ("declaration", "said"),
    [
        (dict(vjp=unary_vjp, domain=E), "give vjp=None"),
        (dict(vjp=None), "declares its domain="),
    ],
)
def test_a_composite_op_takes_no_vjp_and_needs_a_domain(
    declaration: dict[str, Any], said: str
) -> None:
    with pytest.raises(PluginError, match=rf"plugin {PLUGIN!r}, op 'twice': .*{said}"):
        registrar()("twice", lambda x: x * 2, composite=True, **declaration)


def _sincos(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.sin(x), np.cos(x)


SINCOS_VJPS = (lambda g, out, x: g * ng.ops.cos(x), lambda g, out, x: -g * ng.ops.sin(x))


def test_an_op_with_several_outputs_returns_them_named_and_adds_their_gradients() -> None:
    op = registrar()("sincos", _sincos, SINCOS_VJPS, outputs=("sin", "cos"), domain=E)
    assert op.outputs == ("sin", "cos") and op.arity == 1
    x = ng.tensor([0.5, -1.0], requires_grad=True)
    result = make_function(op)(x)
    assert result._fields == ("sin", "cos")
    np.testing.assert_array_equal(result.cos.data, np.cos(x.data))
    assert result.sin.grad_fn.name == "sincos.sin"
    (result.sin * 3 + result.cos).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * np.cos(x.data) - np.sin(x.data), rtol=1e-15)
    assert ng.gradcheck(make_function(op), [x.data])
    assert ng.gradgradcheck(make_function(op), [x.data])


def test_an_output_without_a_vjp_stays_outside_the_graph() -> None:
    def split_sign(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.sign(x), np.abs(x)

    vjps = (None, lambda g, out, x: g * ng.ops.sign(x))
    op = registrar()("signabs", split_sign, vjps, outputs=("sign", "magnitude"), domain=E)
    sign, magnitude = make_function(op)(ng.tensor([-2.0, 3.0], requires_grad=True))
    assert not sign.requires_grad and magnitude.requires_grad


def test_an_output_the_forward_does_not_compute_is_left_out() -> None:
    def maybe_both(x: np.ndarray, both: bool = True) -> tuple[Any, np.ndarray]:
        return (np.sin(x) if both else None), np.cos(x)

    vjps = (lambda g, out, x, **_: g * ng.ops.cos(x), lambda g, out, x, **_: -g * ng.ops.sin(x))
    op = registrar()("pair", maybe_both, vjps, outputs=("sin", "cos"), domain=E)
    x = ng.tensor([0.25], requires_grad=True)
    cos = make_function(op)(x, both=False)
    assert isinstance(cos, ng.Tensor) and cos.grad_fn.name == "pair.cos"
    cos.sum().backward()
    np.testing.assert_allclose(x.grad.data, -np.sin(0.25))


@pytest.mark.parametrize(
    ("declaration", "said"),
    [
        (dict(vjp=SINCOS_VJPS, outputs=("only",)), "two or more distinct outputs"),
        (dict(vjp=SINCOS_VJPS[:1], outputs=("sin", "cos")), "one entry per output"),
        (dict(vjp=(None, None), outputs=("sin", "cos")), "every output's vjp is None"),
        (dict(vjp=SINCOS_VJPS, outputs=("sin", "not a name")), "outputs="),
    ],
)
def test_a_malformed_op_with_several_outputs_is_refused(
    declaration: dict[str, Any], said: str
) -> None:
    with pytest.raises(PluginError, match=rf"plugin {PLUGIN!r}, op 'sincos': .*{said}"):
        registrar()("sincos", _sincos, domain=E, **declaration)


def test_a_forward_that_does_not_return_its_outputs_is_named() -> None:
    op = registrar()("sincos", np.sin, SINCOS_VJPS, outputs=("sin", "cos"), domain=E)
    with pytest.raises(TypeError, match=r"op 'sincos' .* must return a tuple of 2 arrays"):
        make_function(op)(ng.tensor([1.0]))


# -- binding -------------------------------------------------------------------------------------


def test_every_registered_op_is_reachable_as_ng_ops() -> None:
    ops = plugins.registry().ops
    assert ops, "the standard plugin registers ops"
    for name, op in ops.items():
        assert getattr(ng.ops, name) is op.function
    assert sorted(dir(ng.ops)) == sorted(ops)


def test_methods_and_operators_are_the_registered_functions() -> None:
    ops = plugins.registry().ops
    for op in ops.values():
        if op.method is not None and op.method not in ("reshape", "transpose", "astype"):
            assert getattr(ng.Tensor, op.method) is op.function
    assert ng.Tensor.__add__ is ops["add"].function
    assert ng.Tensor.__matmul__ is ops["matmul"].function


def test_parameters_may_be_passed_by_position_or_keyword() -> None:
    x = ng.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(ng.ops.sum(x, 0).data, [3.0, 5.0, 7.0])
    np.testing.assert_array_equal(ng.ops.sum(x, 1, True).data, [[3.0], [12.0]])
    with pytest.raises(TypeError, match="parameter 'axis' both by position and by keyword"):
        ng.ops.sum(x, 0, axis=0)
    with pytest.raises(TypeError, match=r"sum\(\) takes 1 tensor input\(s\) and then the param"):
        ng.ops.sum(x, 0, True, "extra")


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda: domain.elementwise(2.0, 1.0), "low < high"),
        (lambda: domain.broadcast(margin=-0.1), "margin"),
        (lambda: domain.Domain("custom"), "takes a strategy"),
        (lambda: domain.Domain("diagonal"), "is not one of"),  # type: ignore[arg-type]
    ],
)
def test_an_impossible_domain_is_refused_where_it_is_declared(
    make: Callable[[], Any], said: str
) -> None:
    with pytest.raises(ValueError, match=said):
        make()


# -- reading a function's parameters --------------------------------------------------------------


def _from_signature(func: Callable[..., Any]) -> tuple[Any, ...]:
    """What ``inspect.signature`` says of ``func``, in the order of ``Parameters``' fields."""
    params = list(inspect.signature(func).parameters.values())
    ordered = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return (
        tuple(p.name for p in params if p.kind not in variadic),
        sum(p.kind in ordered for p in params),
        sum(p.kind in ordered and p.default is p.empty for p in params),
        any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params),
        any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params),
    )


def _wrapper(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return wrapper


def _every_kind(a, b=1, /, c=2, *rest, d, e=3, **options):  # type: ignore[no-untyped-def]
    scale = 2  # a local variable is no parameter
    return a * scale


_FUNCTIONS = [
    pytest.param(lambda: 0, id="no parameters"),
    pytest.param(unary_vjp, id="plain"),
    pytest.param(lambda x, axis=None, keepdims=False: x, id="defaults"),
    pytest.param(_every_kind, id="every kind"),
    pytest.param(lambda x, *, axis: x, id="keyword-only without default"),
    pytest.param(lambda *xs: xs, id="only *args"),
    pytest.param(lambda g, out, x, **p: g, id="**params"),
    pytest.param(_wrapper(_every_kind), id="wrapper followed to what it wraps"),
    pytest.param(functools.partial(_every_kind, 1, d=4), id="partial"),
    pytest.param(Registry().copy, id="bound method"),
]


@pytest.mark.parametrize("func", _FUNCTIONS)
def test_parameters_are_read_as_inspect_signature_reads_them(func: Callable[..., Any]) -> None:
    """A plain function's are read from its code object (quicker); the same answers."""
    assert tuple(parameters_of(func)) == _from_signature(func)  # type: ignore[arg-type]
    for count in range(6):
        try:
            inspect.signature(func).bind_partial(*([None] * count))
            binds = True
        except TypeError:
            binds = False
        assert parameters_of(func).accepts(count) is binds, count  # type: ignore[union-attr]
