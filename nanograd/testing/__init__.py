"""Property-testing tools for nanograd ops and losses, for this project and for plugin authors.

Check one op from a plugin's own tests::

    from nanograd.testing import check_op

    def test_conv2d_gradients():
        check_op("conv2d")

or every op a plugin registered, one pytest test each::

    from nanograd.testing import op_tests

    test_op = op_tests(plugin="nanograd_conv")

Each example drawn from the op's domain is checked by :func:`check_case`: gradients against
float64 central differences (full Jacobian, random upstream gradient), gradient shape and dtype,
float32 staying float32, no writes into inputs or the upstream gradient, no aliased gradients,
and second order for twice-differentiable ops. The strategies that draw the examples are here
too, for tests of your own. Importing this package needs Hypothesis (``pip install
'nanograd-numpy[test]'``); plugins themselves never import it at load time.
"""

from nanograd.domain import Case
from nanograd.gradcheck import GradcheckError
from nanograd.testing.checks import Example, Target, cases, check_case, examples, resolve
from nanograd.testing.pytest_helpers import loss_tests, op_tests
from nanograd.testing.runner import (
    Outcome,
    check_loss,
    check_op,
    hypothesis_settings,
    registered_losses,
    registered_ops,
    run_check,
)
from nanograd.testing.strategies import (
    AXIS_KINDS,
    MAX_DIMS,
    MAX_SIDE,
    Focus,
    arrays,
    axes,
    axis_kind,
    broadcastable_shapes,
    domain_cases,
    focus,
    keepdims,
    matmul_shapes,
    reduction_params,
    sampled_from_focus,
    shapes,
    values,
)

__all__ = [
    # one-line checks
    "check_op",
    "check_loss",
    "op_tests",
    "loss_tests",
    "run_check",
    "Outcome",
    "registered_ops",
    "registered_losses",
    # one example
    "check_case",
    "Example",
    "Case",
    "Target",
    "resolve",
    "GradcheckError",
    "hypothesis_settings",
    # strategies
    "cases",
    "examples",
    "domain_cases",
    "arrays",
    "values",
    "shapes",
    "broadcastable_shapes",
    "matmul_shapes",
    "axes",
    "keepdims",
    "reduction_params",
    "sampled_from_focus",
    "Focus",
    "focus",
    "axis_kind",
    "AXIS_KINDS",
    "MAX_DIMS",
    "MAX_SIDE",
]
