"""--graph: the picture of one training step, written into the run folder."""

from __future__ import annotations

import shutil
import sys

import pytest
from test_run_support import run, run_folder, summary, write_experiment

INSTALL = "pip install 'nanograd-numpy[viz]' and apt-get install graphviz"


def train_with_graph(tmp_path, *args):
    experiment = write_experiment(tmp_path)
    code = run(experiment, "--out", tmp_path / "runs", "--seed", 1, "--graph", *args)
    return code, run_folder(tmp_path / "runs")


def test_graph_dot_is_the_first_steps_objective_with_named_parameters_and_gradients(tmp_path):
    code, folder = train_with_graph(tmp_path, "width=8", "l2=0.01", "--no-plots", "epochs=2")
    assert code == 0
    dot = (folder / "graph.dot").read_text()
    assert dot.startswith("digraph nanograd {")
    for name in ("net.0.weight", "net.0.bias", "net.3.weight"):  # the MLP's, by name
        line = next(line for line in dot.splitlines() if f"<B>{name}</B>" in line)
        assert "grad norm" in line  # drawn after backward, before the optimizer's step
    assert "<B>relu</B>" in dot and "<B>mean</B>" in dot  # the model, the loss,
    assert "input 0: 0.01" in dot  # and l2 times the penalty
    assert "graph.dot" in summary(folder)["files"]


def test_graph_svg_is_drawn_when_graphviz_is_installed(tmp_path, needs):
    needs("Graphviz's dot program", shutil.which("dot") is not None, INSTALL)
    needs.module("graphviz", INSTALL)
    code, folder = train_with_graph(tmp_path, "epochs=1", "--no-plots")
    assert code == 0
    svg = (folder / "graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "net.weight" in svg
    assert {"graph.svg", "graph.dot"} <= set(summary(folder)["files"])


def test_without_graphviz_the_run_keeps_graph_dot_and_says_how_to_draw_it(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz raises ImportError
    code, folder = train_with_graph(tmp_path, "epochs=1", "--no-plots")
    assert code == 0
    assert (folder / "graph.dot").exists() and not (folder / "graph.svg").exists()
    out = capsys.readouterr().out
    assert "graph.svg not drawn (graph.dot holds the picture's DOT text)" in out
    assert "pip install 'nanograd-numpy[viz]'" in out
    assert "graph.svg" not in summary(folder)["files"]


@pytest.mark.parametrize("flag", ["--graph", "--detect-anomaly"])
def test_a_sweep_refuses_the_options_for_looking_into_one_run(tmp_path, capsys, flag):
    experiment = write_experiment(tmp_path)
    code = run(experiment, "--out", tmp_path / "runs", "lr=0.1,0.2", flag)
    assert code == 2
    assert f"{flag} looks into one run and cannot be given to a sweep" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
