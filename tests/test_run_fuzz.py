"""Hypothesis fuzzes what a user types and writes: ``key=value`` overrides and experiment files.

Whatever the text, the answer is a clean error (a :class:`ConfigError` or
:class:`ExperimentError`, which the command line prints as one paragraph with exit code 2) or a
valid config; never another exception, which the command line would show as a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_run_support import EXPERIMENT

from nanograd.run import experiment as experiments
from nanograd.run.cli import main
from nanograd.run.config import RUNNER_OPTIONS, apply_overrides, check_config, parse_overrides
from nanograd.run.errors import ConfigError, ExperimentError

# An experiment's config: the runner's keys and a few of the experiment's own, of each kind.
CONFIG = check_config(
    {
        "hidden": [16, 16],
        "noise": 0.1,
        "name": "moons",
        "augment": True,
        "extra": None,
        "options": {"a": 1},
    },
    "fuzz.py",
)
KEYS = [*CONFIG, "optimizer_options.momentum", "options.b", "epocs", "lr.x", ""]

# Values a person might type, and text that is no value at all.
LITERALS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        [
            "None",
            "True",
            "[1, 2]",
            "(1,)",
            "{'a': 1}",
            "{1: 2}",
            "{1, 2}",
            "1j",
            "b'x'",
            "...",
            "'text'",
            "[[[]]]",
            "1e999",
            "-0",
            "10**9",
            "nan",
            "(" * 300,
            "[" * 100 + "]" * 100,
            "1" * 5000,
            "adam",
            "sgd,adam",
        ]
    ),
    st.text(max_size=40),
)
OVERRIDE = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", st.sampled_from(KEYS), LITERALS),
    st.text(max_size=40),
)


@given(st.lists(OVERRIDE, max_size=5))
@example(["lr=1e999"])
@example(["epochs=1" + "0" * 5000])
@example(["hidden=" + "[" * 500])
def test_overrides_give_a_valid_config_or_a_config_error(items):
    try:
        config = apply_overrides(CONFIG, parse_overrides(items))
    except ConfigError as exc:
        assert str(exc)
        return
    assert set(config) == set(CONFIG)
    assert check_config(config, "fuzz.py") == config  # the result is itself a valid config


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(OVERRIDE, max_size=4))
def test_the_command_line_answers_any_override_with_a_config_or_exit_code_2(place, items):
    experiment = place / "line.py"
    if not experiment.exists():
        experiment.write_text(EXPERIMENT)
    args = [str(experiment), "--print-config", "--", *items]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exit_:  # argparse's own usage errors
            code = exit_.code
    assert code in (0, 2), err.getvalue()
    if code == 2:
        assert err.getvalue().startswith(("error: ", "usage: "))
        assert "Traceback" not in err.getvalue()


# -- experiment files ------------------------------------------------------------------------

CONFIG_TEXT = st.one_of(
    st.sampled_from(
        [
            "{}",
            "{'epochs': 2}",
            "{'epochs': 'ten'}",
            "[]",
            "None",
            "{1: 2}",
            "{'lr': float('nan')}",
            "{'x': object()}",
            "{'bad key': 1}",
            "{'mode': 'up'}",
            "{'val_fraction': 1.5}",
            "dict(epochs=-1)",
        ]
    ),
    st.dictionaries(
        st.sampled_from([*RUNNER_OPTIONS, "own", "Own"]),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
            lambda inner: st.lists(inner, max_size=3),
            max_leaves=5,
        ),
        max_size=4,
    ).map(repr),
)
SIGNATURES = st.sampled_from(
    ["(config, rng)", "(config)", "()", "(*args)", "(config, rng, x)", "(config, rng=None)"]
)
STATEMENTS = st.sampled_from(
    [
        "",
        "import no_such_module_here",
        "1 / 0",
        "exit(3)",
        "raise ValueError('x')",
        "data = 5",
        "model = None",
        "config = 3",
        "del config",
        "import sys; sys.exit()",
        "def metrics(a): pass",
        "def evaluate(run, extra): pass",
        "plots = 'x'",
    ]
)


@st.composite
def experiment_files(draw):
    """An experiment file: any text or bytes, or the contract with parts wrong."""
    kind = draw(st.sampled_from(["text", "bytes", "contract"]))
    if kind == "text":
        return draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    lines = [f"config = {draw(CONFIG_TEXT)}"]
    for function in ("data", "model"):
        if draw(st.booleans()) or draw(st.booleans()):
            lines.append(f"def {function}{draw(SIGNATURES)}:\n    return None")
    lines += draw(st.lists(STATEMENTS, max_size=3))
    noise = draw(st.sampled_from(["", "", "\x00", "\ufeff", "(", "  indented = 1", "\udcff"]))
    return ("\n".join(lines) + "\n" + noise).encode("utf-8", "surrogateescape")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(experiment_files())
@example(b"\x00")
@example(b"\xff\xfe")
@example(b"exit(0)")
@example(b"config = {}\ndef data(config, rng): pass\ndef model(config, rng): pass\n")
@example(("x = " + "(" * 1000 + ")" * 1000).encode())
def test_any_experiment_file_loads_or_is_an_experiment_error(place, source):
    path = place / "fuzzed.py"
    path.write_bytes(source)
    try:
        loaded = experiments.load(path)
    except ExperimentError as exc:
        assert str(exc).startswith(str(path))  # the file is named
        return
    assert check_config(loaded.config, "fuzzed.py") == loaded.config
    json.dumps(loaded.config, allow_nan=True)
    assert all(callable(getattr(loaded.module, f)) for f in ("data", "model"))
