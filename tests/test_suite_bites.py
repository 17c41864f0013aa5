"""The property suite bites: ops and losses that are wrong on purpose fail, and the failure names
the op and the plugin that registered it.

The culprits live in tests/plugin_fixtures, one module per fault, loaded into a fresh plugin state
(the ``fresh_plugins`` fixture restores the normal one afterwards). Examples are derandomized so
these tests find the same shrunk failure on every run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import plugin_fixtures
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from plugin_fixtures import subprocess_env

import nanograd as ng
from nanograd.check import DEFAULT_EXAMPLES
from nanograd.domain import Case
from nanograd.gradcheck import GradcheckError
from nanograd.registry import Registry
from nanograd.testing import (
    AXIS_KINDS,
    Focus,
    check_case,
    check_loss,
    check_op,
    examples,
    focus,
    registered_ops,
    resolve,
    run_check,
)

# Finding the fault is what these tests are about; shrinking it (the slow part) is shown once.
SHRUNK = settings(max_examples=60, derandomize=True, database=None)
BITE = settings(SHRUNK, phases=[Phase.explicit, Phase.reuse, Phase.generate])
rng = np.random.default_rng(7)

FreshPlugins = Callable[..., Registry]


def _raised(
    check: Callable[..., None], name: str, chosen: settings = BITE, **options: object
) -> GradcheckError:
    with pytest.raises(GradcheckError) as info:
        check(name, settings=chosen, **options)
    return info.value


# -- wrong gradients -------------------------------------------------------------------------------


def test_an_op_off_by_a_factor_on_one_input_is_reported_with_op_plugin_and_input(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.wrong_factor")
    error = _raised(check_op, "scaled_mul", SHRUNK)
    message = str(error)
    assert message.startswith("op 'scaled_mul' (plugin 'plugin_fixtures.wrong_factor'): ")
    assert (error.order, error.input_index) == (1, 1)
    assert error.analytical == pytest.approx(1.5 * error.numerical)  # type: ignore[operator]
    # Shrunk: any shape shows the fault, so the reported example is two scalars.
    assert "input 0 (differentiated, shape ()" in message
    assert "input 1 (differentiated, shape ()" in message


def test_an_op_wrong_only_where_inputs_broadcast_is_reported(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.wrong_broadcast")
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    assert check_case("bmul", Case((x, y))) == "pass"  # right when nothing broadcasts
    with pytest.raises(GradcheckError) as info:
        check_case("bmul", Case((x, y[0])))
    assert info.value.input_index == 1

    error = _raised(check_op, "bmul")
    assert "op 'bmul' (plugin 'plugin_fixtures.wrong_broadcast')" in str(error)
    assert error.input_index == 1


def test_an_op_wrong_only_at_second_order_passes_first_order_and_fails_second(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.wrong_second_order")
    outcome = run_check("square_detached", settings=BITE)
    assert (outcome.first_order, outcome.second_order) == ("pass", "FAIL")
    assert outcome.plugin == "plugin_fixtures.wrong_second_order"
    (message,) = outcome.errors
    assert message.startswith(
        "op 'square_detached' (plugin 'plugin_fixtures.wrong_second_order'): second order: "
    )
    assert _raised(check_op, "square_detached").order == 2


def test_a_vjp_not_linear_in_the_upstream_gradient_is_caught_only_by_a_random_one(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.nonlinear_vjp")
    x = rng.standard_normal((2, 3))
    double_sq = ng.ops.double_sq
    # The upstream gradient of sum() is all ones, and 2 g g == 2 g there.
    assert ng.gradcheck(double_sq, (x,), grad_outputs=[np.ones((2, 3))])
    with pytest.raises(GradcheckError, match="not linear in g"):
        ng.gradcheck(double_sq, (x,))
    assert "op 'double_sq' (plugin 'plugin_fixtures.nonlinear_vjp')" in str(
        _raised(check_op, "double_sq")
    )


def test_a_loss_with_a_detached_factor_is_reported_with_loss_and_plugin(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.wrong_loss")
    error = _raised(check_loss, "half_detached_mse")
    assert str(error).startswith("loss 'half_detached_mse' (plugin 'plugin_fixtures.wrong_loss'): ")
    assert error.problem == "mismatch" and error.input_index == 0


def test_an_op_that_turns_float32_into_float64_is_reported(fresh_plugins: FreshPlugins) -> None:
    fresh_plugins("plugin_fixtures.wrong_dtype")
    error = _raised(check_op, "double_wide")
    assert error.problem == "dtype"
    assert str(error).startswith(
        "op 'double_wide' (plugin 'plugin_fixtures.wrong_dtype'): float32 inputs gave a float64 "
        "output 0; float32 computations must stay float32"
    )


# -- bugs that slip through by chance, caught under every seed -------------------------------------

# One run of `python -m nanograd.check` with its default example count, shrinking left out (it
# only makes the reported example smaller).
DEFAULT_RUN = settings(derandomize=True, database=None, phases=[Phase.generate])
SEEDS = range(10)

WRONG_ON_PURPOSE = [
    # (fixture module, op, the order its gradient is wrong at)
    ("wrong_axis", "lead_sum", 1),  # right for axis None and 0 only
    ("wrong_keepdims", "kept_mean", 1),  # right with keepdims=True only
    ("slightly_off", "tanh_off", 1),  # 1e-4 too large, relatively
    ("ignores_upstream", "total", 1),  # right for every one-hot upstream gradient
    ("detached_factor", "cube_detached", 2),  # right at first order
]


@pytest.mark.parametrize(("module", "name", "order"), WRONG_ON_PURPOSE)
def test_a_deliberately_wrong_gradient_is_caught_in_one_default_run_under_every_seed(
    fresh_plugins: FreshPlugins, module: str, name: str, order: int
) -> None:
    fresh_plugins(f"plugin_fixtures.{module}")
    for seed in SEEDS:
        outcome = run_check(name, max_examples=DEFAULT_EXAMPLES, settings=DEFAULT_RUN, seed=seed)
        expected = ("FAIL", "not run") if order == 1 else ("pass", "FAIL")
        assert (outcome.first_order, outcome.second_order) == expected, f"seed {seed}"
        # A wrong axis may also fail to broadcast: the vjp raises, which is caught as well.
        assert outcome.failures[0]["problem"] in ("mismatch", "error"), outcome.errors[0]


def test_a_1e_4_relative_error_passes_pytorchs_default_tolerance_but_not_nanograds(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.slightly_off")
    x = rng.uniform(-2, 2, (3, 4))
    assert ng.gradcheck(ng.ops.tanh_off, (x,), atol=1e-5, rtol=1e-3)
    with pytest.raises(GradcheckError, match="does not match central differences"):
        ng.gradcheck(ng.ops.tanh_off, (x,))


@pytest.mark.parametrize("name", ["sum", "max", "var", "prod", "average"])
def test_a_reduction_is_checked_on_every_kind_of_axis_with_each_keepdims(name: str) -> None:
    outcome = run_check(name, max_examples=DEFAULT_EXAMPLES, settings=DEFAULT_RUN, seed=3)
    assert outcome.passed, outcome.errors
    assert outcome.checked == [
        f"axis {kind}, keepdims={flag}" for flag in (False, True) for kind in AXIS_KINDS
    ]


@pytest.mark.parametrize("name", ["cumsum", "sort", "concatenate"])
def test_an_op_along_one_axis_is_checked_on_each_axis_none_and_a_negative_one(name: str) -> None:
    outcome = run_check(name, max_examples=DEFAULT_EXAMPLES, settings=DEFAULT_RUN, seed=3)
    assert outcome.passed, outcome.errors
    assert outcome.checked == ["axis None", "axis 0", "axis 1", "axis 2", "axis negative"]


# The kinds of axis an op that takes one cannot take (NumPy refuses them too). Every other kind,
# with each keepdims the op takes, its domain must draw whenever the suite asks for it: then the
# default run checks them all, whatever the op is called.
CANNOT_TAKE: dict[str, set[str]] = {
    "append": {"tuple"},
    "array_split": {"None", "tuple"},
    "concatenate": {"tuple"},
    "cross": {"tuple"},
    "cumprod": {"tuple"},
    "cumsum": {"tuple"},
    "diff": {"None", "tuple"},
    "expand_dims": {"None"},
    "partition": {"tuple"},
    "repeat": {"tuple"},
    "sort": {"tuple"},
    "split": {"None", "tuple"},
    "stack": {"None", "tuple"},
}
AXIS_OPS = [
    name
    for name in registered_ops("nanograd_std")
    if resolve(name, "op").differentiable and resolve(name, "op").foci()
]
FOCUSED_DRAWS = settings(
    max_examples=3, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
    suppress_health_check=list(HealthCheck),
)  # fmt: skip


def _drawn_foci(name: str, wanted: Focus) -> set[Focus]:
    """The combinations of axis kind and keepdims of the examples drawn for ``wanted``."""
    target = resolve(name, "op")
    drawn = examples(target)
    seen: set[Focus] = set()

    @st.composite
    def in_focus(draw: st.DrawFn) -> object:
        with focus(wanted):
            return draw(drawn)

    @FOCUSED_DRAWS
    @given(in_focus())
    def draw_examples(example: object) -> None:
        seen.add(target.focus_of(example.case))  # type: ignore[attr-defined]

    draw_examples()
    return seen


def test_every_op_that_takes_an_axis_is_listed_with_what_it_cannot_take() -> None:
    assert set(CANNOT_TAKE) <= set(AXIS_OPS)
    assert {"sum", "softmax", "linalg_norm", "roll", "squeeze", "cross"} <= set(AXIS_OPS)


@pytest.mark.parametrize("name", AXIS_OPS)
def test_an_op_draws_each_kind_of_axis_and_keepdims_it_takes_when_the_suite_asks(
    name: str,
) -> None:
    for wanted in resolve(name, "op").foci():
        seen = _drawn_foci(name, wanted)
        if wanted.axis in CANNOT_TAKE.get(name, set()):
            assert wanted not in seen, f"{name} drew {wanted}, listed as one it cannot take"
        else:
            assert seen == {wanted}, f"{name}: asked for {wanted}, drew {sorted(map(str, seen))}"


def test_the_seed_chooses_the_examples(fresh_plugins: FreshPlugins) -> None:
    from plugin_fixtures import recording

    fresh_plugins("plugin_fixtures.recording")

    def drawn(seed: int) -> list[list[float]]:
        recording.SEEN.clear()
        run_check("noted_square", max_examples=5, settings=DEFAULT_RUN, seed=seed)
        return [x.ravel().tolist() for x in recording.SEEN]

    assert drawn(1) == drawn(1)
    assert drawn(1) != drawn(2)


# -- failures that are exceptions ------------------------------------------------------------------


def test_a_vjp_that_raises_is_named_with_the_order_and_its_input(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.raising_vjp")
    x, y = rng.standard_normal((2, 3)), rng.standard_normal(3)
    with pytest.raises(GradcheckError) as info:
        check_case("lopsided_mul", Case((x, y)))
    message = str(info.value)
    assert message.startswith(
        "op 'lopsided_mul' (plugin 'plugin_fixtures.raising_vjp'): first order: the vjp of "
        "input 1 raised ValueError: no gradient for the second factor yet\n  drawn inputs:\n"
    )
    assert "input 1 (differentiated, shape (3,), float64)" in message
    assert (info.value.problem, info.value.order, info.value.input_index) == ("error", 1, 1)


def test_a_vjp_that_raises_only_when_differentiated_is_named_at_second_order(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.raising_vjp")
    outcome = run_check("rough_square", settings=DEFAULT_RUN)
    assert (outcome.first_order, outcome.second_order) == ("pass", "FAIL")
    assert outcome.errors[0].startswith(
        "op 'rough_square' (plugin 'plugin_fixtures.raising_vjp'): second order: the vjp of "
        "input 0 raised NotImplementedError: snap has no gradient"
    )
    failure = outcome.failures[0]
    assert (failure["problem"], failure["order"], failure["input"]) == ("error", 2, 0)


# -- writes into arrays the caller holds -----------------------------------------------------------


def test_an_op_writing_into_its_input_is_reported(fresh_plugins: FreshPlugins) -> None:
    fresh_plugins("plugin_fixtures.mutating")
    error = _raised(check_op, "relu_inplace")
    assert error.problem == "mutation"
    assert str(error).startswith(
        "op 'relu_inplace' (plugin 'plugin_fixtures.mutating'): the forward pass wrote into "
    )


def test_a_vjp_writing_into_the_upstream_gradient_is_reported(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.mutating")
    error = _raised(check_op, "double_inplace")
    assert error.problem == "mutation"
    assert "the backward pass wrote into the upstream gradient" in str(error)


def test_a_vjp_writing_into_the_upstream_gradient_at_second_order_is_the_backward_pass(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.mutating")
    with pytest.raises(GradcheckError) as info:
        check_case("redouble_inplace", Case((rng.standard_normal(3),)), order=2)
    assert str(info.value).startswith(
        "op 'redouble_inplace' (plugin 'plugin_fixtures.mutating'): second order: the backward "
        "pass wrote into the upstream gradient"
    )
    assert (info.value.problem, info.value.order) == ("mutation", 2)


def test_a_non_differentiable_op_writing_into_its_input_is_reported(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.mutating")
    error = _raised(check_op, "positive_inplace")
    assert error.problem == "mutation"
    message = str(error)
    assert message.startswith(
        "op 'positive_inplace' (plugin 'plugin_fixtures.mutating'): the forward pass wrote into "
        "input 0 (shape "
    )
    assert "changed from -" in message and "to 0.0" in message  # it zeroed a negative element


def test_an_op_writing_into_an_array_parameter_is_reported(fresh_plugins: FreshPlugins) -> None:
    fresh_plugins("plugin_fixtures.mutating")
    error = _raised(check_op, "double_logged")
    assert error.problem == "mutation"
    assert str(error).startswith(
        "op 'double_logged' (plugin 'plugin_fixtures.mutating'): the forward or backward pass "
        "wrote into parameter 'log' (shape (), float64): its value changed from -1.0 to "
    )


def test_an_op_whose_domain_never_draws_an_input_to_differentiate_is_reported(
    fresh_plugins: FreshPlugins,
) -> None:
    fresh_plugins("plugin_fixtures.nothing_to_check")
    error = _raised(check_op, "int_square")
    assert error.problem == "domain"
    assert str(error).startswith(
        "op 'int_square' (plugin 'plugin_fixtures.nothing_to_check'): no example drawn from its "
        "domain had an input to differentiate"
    )
    outcome = run_check("int_square", settings=BITE)
    assert (outcome.first_order, outcome.second_order) == ("FAIL", "not run")


def test_a_correct_plugin_op_and_loss_pass(fresh_plugins: FreshPlugins) -> None:
    fresh_plugins()
    check_op("cube", modules=["plugin_fixtures.good"], settings=BITE)
    check_loss("squared_error", settings=BITE)


# -- a plugin author's own test file ---------------------------------------------------------------


@pytest.fixture
def author_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin fixtures importable from a pytest run in another process."""
    monkeypatch.setenv("PYTHONPATH", subprocess_env()["PYTHONPATH"])


@pytest.mark.usefixtures("author_env")
def test_a_plugin_authors_three_line_test_passes_for_a_correct_op(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_cube="""
        from nanograd.testing import check_op

        def test_cube(): check_op("cube", modules=["plugin_fixtures.good"], max_examples=10)
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


@pytest.mark.usefixtures("author_env")
def test_a_plugin_authors_op_tests_fail_naming_the_wrong_op(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_ops="""
        from nanograd.testing import op_tests

        PLUGIN = "plugin_fixtures.wrong_factor"
        test_op = op_tests(plugin=PLUGIN, modules=[PLUGIN], max_examples=20)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*test_op?scaled_mul?*", "*op 'scaled_mul' (plugin 'plugin_fixtures.wrong_factor')*"]
    )


def _docs_block(first_line: str) -> str:
    """The fenced Python block of docs/writing-an-op.md that starts with ``first_line``."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "writing-an-op.md").read_text()
    found = re.search(rf"```python\n{re.escape(first_line)}\n(.*?)```", text, flags=re.DOTALL)
    assert found is not None, f"docs/writing-an-op.md has no block starting {first_line!r}"
    return found.group(1)


def test_the_worked_example_of_writing_an_op_passes_as_written(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SiLU added to a project made by `python -m nanograd.plugins new`, as the doc shows."""
    from nanograd.plugins.scaffold import create, plan

    project = pytester.path / "nanograd-silu"
    create(plan("nanograd-silu"), project)
    module = project / "src" / "nanograd_silu" / "__init__.py"
    with module.open("a", encoding="utf-8") as file:
        file.write("\n\n" + _docs_block("# src/nanograd_silu/__init__.py, below logcosh_vjp: "
                                         "two ops, one hook"))  # fmt: skip
    monkeypatch.chdir(project)
    env = subprocess_env(PYTHONPATH=str(project / "src"))
    result = subprocess.run(
        [sys.executable, "-m", "nanograd.check", "-p", "nanograd_silu", "--op", "silu"],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert _rows(result.stdout) == {"silu": ["op", "nanograd_silu", "pass", "pass"]}

    # The project's own tests, with the module loaded as an installed one is.
    monkeypatch.setenv("PYTHONPATH", str(project / "src"))
    monkeypatch.setenv("NANOGRAD_PLUGINS", "nanograd_silu")
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v", "tests")
    outcome.assert_outcomes(passed=3)
    outcome.stdout.fnmatch_lines(["*test_op?logcosh? PASSED*", "*test_op?silu? PASSED*"])


# -- python -m nanograd.check ----------------------------------------------------------------------


def _check_command(
    *args: str, cwd: Path | None = None, **variables: str
) -> subprocess.CompletedProcess[str]:
    env = subprocess_env(**variables)
    env.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
    return subprocess.run(
        [sys.executable, "-m", "nanograd.check", *args],
        capture_output=True, text=True, env=env, timeout=300, check=False, cwd=cwd,
    )  # fmt: skip


def _rows(stdout: str) -> dict[str, list[str]]:
    table = stdout.split("\n\n")[0].splitlines()
    assert table[0].split() == ["name", "kind", "plugin", "first", "order", "second", "order"]
    return {row.split()[0]: row.split()[1:] for row in table[1:]}


def test_the_command_tables_each_op_with_its_plugin_and_fails_for_a_wrong_one() -> None:
    result = _check_command(
        "-p", "plugin_fixtures.wrong_second_order", "-p", "plugin_fixtures.good",
        "--op", "square_detached", "--op", "cube", "--op", "less", "--examples", "10",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert _rows(result.stdout) == {
        "cube": ["op", "plugin_fixtures.good", "pass", "pass"],
        "less": ["op", "nanograd_std", "pass", "n/a"],
        "square_detached": ["op", "plugin_fixtures.wrong_second_order", "pass", "FAIL"],
    }
    assert "FAILED op square_detached:\nop 'square_detached' (plugin" in result.stdout
    assert result.stdout.rstrip().endswith(
        "2 passed, 1 failed (10 examples per op and order, seed 0)"
    )


def test_the_command_does_not_run_second_order_after_a_first_order_failure(
    tmp_path: Path,
) -> None:
    result = _check_command("-p", "plugin_fixtures.slightly_off", "--op", "tanh_off", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert _rows(result.stdout) == {
        "tanh_off": ["op", "plugin_fixtures.slightly_off", "FAIL", "not", "run"]
    }
    assert "second order: pass" not in result.stdout
    # Hypothesis's files went to a temporary directory, not into the directory it ran in.
    assert sorted(path.name for path in tmp_path.iterdir()) == []


def test_the_command_takes_a_seed_and_reports_it() -> None:
    result = _check_command("-p", "plugin_fixtures.good", "--op", "cube", "--seed", "7", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["seed"] == 7
    refused = _check_command("--seed", "-1")
    assert refused.returncode == 2 and "a seed is 0 or more, got -1" in refused.stderr


def test_the_command_exits_0_when_everything_selected_passes() -> None:
    result = _check_command("-p", "plugin_fixtures.good", "--op", "cube", "--examples", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _rows(result.stdout) == {"cube": ["op", "plugin_fixtures.good", "pass", "pass"]}


def test_the_command_reports_json() -> None:
    result = _check_command(
        "-p", "plugin_fixtures.wrong_loss", "--op", "half_detached_mse",
        "--examples", "10", "--json",
    )  # fmt: skip
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["examples"], report["passed"]) == (10, False)
    (entry,) = report["results"]
    assert {k: entry[k] for k in ("name", "kind", "plugin", "first_order")} == {
        "name": "half_detached_mse",
        "kind": "loss",
        "plugin": "plugin_fixtures.wrong_loss",
        "first_order": "FAIL",
    }
    assert entry["errors"][0].startswith("loss 'half_detached_mse'")
    (failure,) = entry["failures"]
    assert failure["message"] == entry["errors"][0]
    assert (failure["problem"], failure["order"], failure["input"]) == ("mismatch", 1, 0)
    inputs = failure["example"]["inputs"]
    assert (inputs[0]["index"], inputs[0]["role"]) == (0, "differentiated")
    assert np.shape(inputs[0]["value"]) == tuple(inputs[0]["shape"])
    assert failure["analytical"] != pytest.approx(failure["numerical"])


def test_the_command_suggests_a_name_for_an_unknown_op() -> None:
    result = _check_command("--op", "mull")
    assert result.returncode == 2
    assert "no op or loss named 'mull' is registered; did you mean 'mul'" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_the_command_explains_a_plugin_module_that_does_not_import() -> None:
    result = _check_command("-p", "no_such_plugin_module")
    assert result.returncode == 2
    message = result.stderr.strip()
    assert "'no_such_plugin_module' could not be imported" in message
    assert "Traceback" not in message and "\n" not in message


def test_the_command_rejects_a_number_of_examples_below_one() -> None:
    result = _check_command("--examples", "0")
    assert result.returncode == 2
    assert "needs at least 1 example" in result.stderr


def test_the_command_fails_when_there_is_nothing_to_check_and_says_why() -> None:
    result = _check_command(NANOGRAD_LOAD_PLUGINS="")
    assert result.returncode == 2, result.stdout
    message = result.stderr.strip()
    assert "nothing to check: no plugin is loaded (NANOGRAD_LOAD_PLUGINS='' chooses" in message
    assert "-p path/to/my_ops.py" in message and "Traceback" not in message
    assert result.stdout == ""


def test_the_command_loads_a_plugin_given_by_the_path_of_its_file() -> None:
    good = Path(plugin_fixtures.__file__).parent / "good.py"
    result = _check_command("-p", str(good), "--op", "cube", "--examples", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _rows(result.stdout) == {"cube": ["op", "good", "pass", "pass"]}
