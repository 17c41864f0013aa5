"""The op reference is rendered from the registry, and docs/ops.md is that rendering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from nanograd import domain
from nanograd.plugins import reference
from nanograd.registry import OpDef, Registry

DOC = Path(__file__).resolve().parents[1] / "docs" / "ops.md"
REGENERATE = (
    "NANOGRAD_LOAD_PLUGINS=nanograd_std python -m nanograd.plugins --ops --markdown > docs/ops.md"
)


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("NANOGRAD_")}
    return subprocess.run(
        [sys.executable, "-m", "nanograd.plugins", *args],
        capture_output=True, text=True, env={**environment, **env},
    )  # fmt: skip


def test_docs_ops_md_is_the_rendering_of_the_standard_plugin() -> None:
    result = _cli("--ops", "--markdown", NANOGRAD_LOAD_PLUGINS="nanograd_std")
    assert result.returncode == 0, result.stderr
    assert result.stdout == DOC.read_text(), f"docs/ops.md is out of date; run: {REGENERATE}"


def test_every_standard_op_has_a_row() -> None:
    result = _cli("--ops", "--markdown", NANOGRAD_LOAD_PLUGINS="nanograd_std")
    listing = _cli("--ops", NANOGRAD_LOAD_PLUGINS="nanograd_std").stdout.splitlines()[1:]
    names = [line.split()[0] for line in listing]
    assert len(names) > 50
    for name in names:
        assert f"| `{name}(" in result.stdout, name


def _declared(**options: object) -> OpDef:
    register = Registry().op_registrar("acme")
    return register("cube", lambda x, scale=1.0: scale * x**3, lambda g, out, x, scale=1.0: g,
                    **options)  # type: ignore[arg-type]  # fmt: skip


def test_a_row_shows_the_declared_kink_domain_and_second_order() -> None:
    op = _declared(
        domain=domain.elementwise(0.5, 2, avoid=(1.0,)), kink="at 1 the gradient is 0",
        twice_differentiable=False, method=True, doc="Three times x, cubed.",
    )  # fmt: skip
    signature, access, doc, drawn, kink, second = reference.row(op)
    assert signature == "`cube(x, scale=1.0)`"
    assert access == "`x.cube(...)`"
    assert doc == "Three times x, cubed."
    assert drawn == "inputs of one shape; values in [0.5, 2]; at least 0.01 away from 1"
    assert kink == "at 1 the gradient is 0"
    assert second == "no"


def test_an_op_without_a_kink_or_a_gradient_says_so() -> None:
    smooth = _declared(domain=domain.elementwise())
    assert reference.row(smooth)[4:] == ["—", "yes"]
    flat = Registry().op_registrar("acme")("less", np.less, None, differentiable=False)
    assert reference.row(flat)[1] == "`x < y`"
    assert reference.row(flat)[4:] == ["not differentiable", "—"]


def test_markdown_without_ops_is_a_usage_error() -> None:
    result = _cli("--markdown")
    assert result.returncode == 2
    assert "--markdown goes with --ops" in result.stderr
