"""Loading plugins: sources and order, the environment variables, lazy loading, reset, the
``python -m nanograd.plugins`` listing, and dispatch that never goes through pluggy."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from plugin_fixtures import subprocess_env

import nanograd as ng
from nanograd import plugins
from nanograd.registry import HookWarning, PluginError
from nanograd.tensor import Tensor

pytestmark = pytest.mark.usefixtures("fresh_plugins")


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nanograd.plugins", *args],
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


# -- loading ---------------------------------------------------------------------------------------


def test_the_standard_plugin_loads_from_its_entry_point() -> None:
    (std,) = [info for info in plugins.plugins() if info.name == "nanograd_std"]
    assert std.source == plugins.FROM_ENTRY_POINT
    assert std.distribution == "nanograd-numpy"
    assert std.version == metadata.version("nanograd-numpy")
    assert {"add", "mul", "exp", "sum", "matmul"} <= set(std.ops)
    assert std.ops == [name for name, op in plugins.registry().ops.items() if op.plugin == std.name]


def test_load_modules_adds_a_plugin_and_binds_its_op_everywhere() -> None:
    plugins.load(modules=["plugin_fixtures.square"])
    info = plugins.plugins()[-1]
    assert (info.name, info.source) == ("plugin_fixtures.square", plugins.FROM_ARGUMENT)
    assert (info.ops, info.losses, info.optimizers) == (["squared"], ["half_sse"], ["still"])
    x = ng.tensor([1.0, -2.0, 3.0], requires_grad=True)
    np.testing.assert_array_equal(ng.ops.squared(x).data, [1.0, 4.0, 9.0])
    x.squared().sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [2.0, -4.0, 6.0])


def test_load_after_loading_adds_only_new_modules() -> None:
    plugins.load()
    before = plugins.registry()
    plugins.load(modules=["plugin_fixtures.square"])
    plugins.load(modules=["plugin_fixtures.square"])
    names = [info.name for info in plugins.plugins()]
    assert names.count("plugin_fixtures.square") == 1
    assert "squared" in plugins.registry().ops and "squared" not in before.ops


def test_a_failed_load_keeps_what_was_loaded_before() -> None:
    plugins.load(modules=["plugin_fixtures.square"])
    before = [info.name for info in plugins.plugins()]
    with pytest.raises(PluginError):
        plugins.load(modules=["plugin_fixtures.square_again"])
    assert [info.name for info in plugins.plugins()] == before
    assert plugins.registry().ops["squared"].plugin == "plugin_fixtures.square"
    assert not plugins.manager().has_plugin("plugin_fixtures.square_again")
    assert (ng.tensor([3.0]).squared()).item() == 9.0


def test_reset_unbinds_ops_and_the_next_use_loads_again() -> None:
    plugins.load(modules=["plugin_fixtures.square"])
    plugins.reset()
    assert not plugins.is_loaded()
    assert "squared" not in vars(ng.ops)
    assert "squared" not in vars(Tensor)
    # First use reloads the usual plugins, which do not include the fixture.
    assert (ng.tensor([2.0]) * 3).item() == 6.0
    assert plugins.is_loaded()
    with pytest.raises(AttributeError, match="squared"):
        ng.tensor([2.0]).squared()


@pytest.mark.parametrize(
    "first_use",
    [
        lambda t: t + 1.0,
        lambda t: 1.0 - t,
        lambda t: t.exp(),
        lambda t: ng.ops.exp(t),
        lambda t: t.sum(),
    ],
    ids=["operator", "reflected operator", "method", "ng.ops", "reduction method"],
)
def test_first_use_loads_plugins(first_use: Any) -> None:
    t = ng.tensor([0.0, 1.0])
    assert not plugins.is_loaded()
    result = first_use(t)
    assert plugins.is_loaded()
    assert isinstance(result, Tensor)


def test_an_unknown_attribute_is_an_attribute_error_before_and_after_loading() -> None:
    t = ng.tensor([1.0])
    assert not hasattr(t, "no_such_method")
    assert plugins.is_loaded()
    assert not hasattr(t, "no_such_method")
    with pytest.raises(AttributeError, match="did you mean 'exp'"):
        ng.ops.exq  # noqa: B018


def test_an_operator_without_its_op_says_which_op_is_missing() -> None:
    result = run_python(
        "import nanograd as ng\n"
        "try:\n    ng.tensor([1.0]) + 1\n"
        "except NotImplementedError as e:\n    print(e)\n",
        NANOGRAD_LOAD_PLUGINS="",
    )
    assert "Tensor.__add__ needs an op named 'add'" in result.stdout
    assert "NANOGRAD_LOAD_PLUGINS" in result.stdout


# -- plugin files and hooks -----------------------------------------------------------------------

_FILE_PLUGIN = """
import numpy as np
import nanograd as ng
from nanograd import domain

@ng.hookimpl
def nanograd_register_ops(register):
    register("tripled", lambda x: x * 3, lambda g, out, x: g * 3, domain=domain.elementwise())
"""


def test_a_plugin_given_by_the_path_of_its_file_loads_as_the_module_it_names(
    tmp_path: Path,
) -> None:
    path = tmp_path / "file_plugin_ops.py"
    path.write_text(_FILE_PLUGIN)
    try:
        plugins.load(modules=[str(path)])
        info = plugins.plugins()[-1]
        assert (info.name, info.module, info.source) == (
            "file_plugin_ops", str(path.resolve()), plugins.FROM_ARGUMENT,
        )  # fmt: skip
        assert info.ops == ["tripled"]
        assert ng.ops.tripled(ng.tensor([2.0])).item() == 6.0
        plugins.load(modules=[str(path)])  # the same file again adds nothing
        assert [i.name for i in plugins.plugins()].count("file_plugin_ops") == 1
    finally:
        sys.modules.pop("file_plugin_ops", None)


def test_a_plugin_file_in_nanograd_plugins_loads_too(tmp_path: Path) -> None:
    (tmp_path / "env_file_ops.py").write_text(_FILE_PLUGIN)
    result = run_python(_LIST_PLUGINS, NANOGRAD_PLUGINS=str(tmp_path / "env_file_ops.py"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "env_file_ops|NANOGRAD_PLUGINS"


def test_well_formed_plugins_load_without_a_hook_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", HookWarning)
        plugins.load(modules=["plugin_fixtures.square", "plugin_fixtures.good"])


# -- environment variables (each in a fresh interpreter) -----------------------------------------

_LIST_PLUGINS = (
    "import nanograd as ng\nfor p in ng.plugins.plugins():\n    print(p.name, p.source, sep='|')\n"
)


def test_nanograd_plugins_env_adds_modules_after_entry_points() -> None:
    result = run_python(_LIST_PLUGINS, NANOGRAD_PLUGINS="plugin_fixtures.square")
    assert result.returncode == 0, result.stderr
    *entry_points, last = result.stdout.splitlines()
    assert "nanograd_std|entry point" in entry_points
    assert all(line.endswith("|entry point") for line in entry_points)
    assert last == "plugin_fixtures.square|NANOGRAD_PLUGINS"


def test_empty_nanograd_load_plugins_loads_no_entry_point() -> None:
    result = run_python(_LIST_PLUGINS + "print(len(ng.plugins.registry().ops))")
    assert result.stdout.splitlines()[-1] != "0"  # the control: normally ops are registered
    result = run_python(_LIST_PLUGINS + "print(len(ng.plugins.registry().ops))",
                        NANOGRAD_LOAD_PLUGINS="")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["0"]


def test_nanograd_load_plugins_names_the_entry_points_to_load() -> None:
    result = run_python(_LIST_PLUGINS, NANOGRAD_LOAD_PLUGINS="nanograd_std")
    assert result.stdout.splitlines() == ["nanograd_std|entry point"]
    result = run_python(_LIST_PLUGINS, NANOGRAD_LOAD_PLUGINS=" nanograd_std , ")
    assert result.stdout.splitlines() == ["nanograd_std|entry point"]


def test_nanograd_load_plugins_with_a_typo_names_it() -> None:
    result = run_python(_LIST_PLUGINS, NANOGRAD_LOAD_PLUGINS="nanograd_sdt")
    assert result.returncode != 0
    assert "PluginError" in result.stderr
    assert "NANOGRAD_LOAD_PLUGINS names 'nanograd_sdt'" in result.stderr
    assert "installed: " in result.stderr and "nanograd_std" in result.stderr


def test_modules_still_load_when_entry_points_are_turned_off() -> None:
    code = _LIST_PLUGINS + "print(sorted(ng.plugins.registry().ops))"
    result = run_python(code, NANOGRAD_LOAD_PLUGINS="", NANOGRAD_PLUGINS="plugin_fixtures.square")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["plugin_fixtures.square|NANOGRAD_PLUGINS", "['squared']"]


# -- python -m nanograd.plugins ----------------------------------------------------------------


def test_cli_lists_the_standard_plugin_and_its_ops() -> None:
    result = run_cli(NANOGRAD_LOAD_PLUGINS="nanograd_std")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["plugin", "distribution", "version", "source"]
    version = metadata.version("nanograd-numpy")
    assert lines[2].split() == ["nanograd_std", "nanograd-numpy", version, "entry", "point"]
    ops_block = " ".join(lines[3 : lines.index(next(x for x in lines if "losses" in x))])
    for name in ("add", "matmul", "reshape", "astype"):
        assert f" {name}," in ops_block or ops_block.endswith(f" {name}")
    assert all(len(line) <= 100 for line in lines), "long op lists wrap at 100 columns"


def test_cli_json_is_machine_readable() -> None:
    result = run_cli("--json", "-p", "plugin_fixtures.square")
    assert result.returncode == 0, result.stderr
    listing = {p["name"]: p for p in json.loads(result.stdout)}
    assert listing["plugin_fixtures.square"] == {
        "name": "plugin_fixtures.square",
        "module": "plugin_fixtures.square",
        "distribution": None,
        "version": None,
        "source": "-p",
        "ops": ["squared"],
        "losses": ["half_sse"],
        "optimizers": ["still"],
    }
    assert listing["nanograd_std"]["source"] == "entry point"


def test_cli_shows_where_each_plugin_came_from() -> None:
    result = run_cli("-p", "plugin_fixtures.redefines_add", NANOGRAD_LOAD_PLUGINS="",
                     NANOGRAD_PLUGINS="plugin_fixtures.square")  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()[2:] if not line.startswith(" ")]
    assert rows == [
        ["plugin_fixtures.square", "-", "-", "NANOGRAD_PLUGINS"],
        ["plugin_fixtures.redefines_add", "-", "-", "-p"],
    ]


@pytest.mark.parametrize(
    ("module", "said"),
    [
        ("plugin_fixtures.fails_to_import", "nanograd_missing_dependency"),
        ("plugin_fixtures.raises_in_hook", "the op table could not be built"),
        ("plugin_fixtures.misspelled_hook", "nanograd_register_op"),
    ],
)
def test_cli_reports_a_failing_plugin_in_one_paragraph(module: str, said: str) -> None:
    result = run_cli("-p", module)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    paragraph = " ".join(result.stderr.split())
    assert paragraph.startswith("error: ")
    assert module in paragraph and said in paragraph
    assert "\n\n" not in result.stderr.strip()


# -- dispatch never calls pluggy -------------------------------------------------------------------


class _CallCounter:
    """Counts calls into pluggy made from nanograd's code, and calls into the plugin loader.

    Uses ``sys.setprofile``. pytest runs on pluggy too, so a pluggy call counts only when the
    caller is a file of nanograd or of its standard plugin.
    """

    def __init__(self) -> None:
        import pluggy

        import nanograd_std

        self.pluggy = str(Path(pluggy.__file__).parent)
        self.loader = str(Path(plugins.__file__))
        self.ours = (str(Path(ng.__file__).parent), str(Path(nanograd_std.__file__).parent))
        self.calls: list[str] = []

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        filename = frame.f_code.co_filename
        if filename == self.loader or (
            filename.startswith(self.pluggy)
            and frame.f_back is not None
            and frame.f_back.f_code.co_filename.startswith(self.ours)
        ):
            self.calls.append(frame.f_code.co_name)

    def __enter__(self) -> _CallCounter:
        sys.setprofile(self)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)


def _train(steps: int) -> list[float]:
    """A two-layer network fitted by hand-written SGD, with ng ops only."""
    rng = np.random.default_rng(0)
    x = ng.tensor(rng.standard_normal((16, 3)))
    y = ng.tensor(np.sin(x.data.sum(axis=1, keepdims=True)))
    w1 = ng.tensor(rng.standard_normal((3, 8)) * 0.5, requires_grad=True)
    b1 = ng.tensor(np.zeros(8), requires_grad=True)
    w2 = ng.tensor(rng.standard_normal((8, 1)) * 0.5, requires_grad=True)
    params = [w1, b1, w2]
    losses = []
    for _ in range(steps):
        loss = (((x @ w1 + b1).tanh() @ w2 - y) ** 2).mean()
        for p in params:
            p.grad = None
        loss.backward()
        with ng.no_grad():
            for p in params:
                assert p.grad is not None
                p.data = (p - 0.1 * p.grad).data
        losses.append(loss.item())
    return losses


def test_training_steps_make_no_pluggy_calls() -> None:
    pm = plugins.manager()
    hook_calls: list[str] = []
    undo = pm.add_hookcall_monitoring(
        lambda name, impls, kwargs: hook_calls.append(name), lambda *args: None
    )
    try:
        with _CallCounter() as counter:
            # The controls: the monitor sees a hook call, and the profiler sees the loader and
            # the pluggy calls it makes.
            pm.hook.nanograd_register_ops(register=lambda *args, **kwargs: None)
            plugins.load(modules=["plugin_fixtures.square"])
            assert hook_calls == ["nanograd_register_ops"]
            assert {"load", "register", "check_pending"} <= set(counter.calls)
            hook_calls.clear()
            counter.calls.clear()
            losses = _train(100)
    finally:
        undo()
    assert hook_calls == []
    assert counter.calls == [], counter.calls[:60]
    assert losses[-1] < 0.5 * losses[0]  # the steps really trained the model
