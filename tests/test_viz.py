"""ng.viz.graph: the picture of a graph, as DOT text always and drawn by Graphviz when present."""

from __future__ import annotations

import re
import shutil
import sys

import numpy as np
import pytest

import nanograd as ng
from nanograd.viz import GraphvizMissing

INSTALL = "pip install 'nanograd-numpy[viz]' and apt-get install graphviz"


def moons_mlp_loss() -> tuple[ng.Tensor, ng.nn.Module]:
    """The moons experiment's objective: MLP 2-16-16-1, hinge loss, L2 penalty."""
    rng = np.random.default_rng(0)
    model = ng.nn.MLP(2, [16, 16], 1, activation="relu", generator=rng)
    X = rng.standard_normal((100, 2))
    y = np.where(rng.standard_normal((100, 1)) > 0, 1.0, -1.0)
    penalty = sum((p * p).sum() for p in model.parameters())
    return ng.losses.hinge(model(ng.tensor(X)), y) + 1e-4 * penalty, model


def chain(rounds: int = 50) -> tuple[ng.Tensor, ng.Tensor]:
    x = ng.tensor(np.linspace(-1, 1, 8), requires_grad=True)
    y = x
    for _ in range(rounds):
        y = (y * 0.9 + 0.1).tanh().exp()
    return y.sum(), x


def nodes(dot: str) -> list[str]:
    """The node statements of a DOT text (edges excluded)."""
    return [line for line in dot.splitlines() if "[label=" in line]


def edges(dot: str) -> list[tuple[str, str]]:
    return re.findall(r"^\s*(\w+) -> (\w+);$", dot, flags=re.M)


@pytest.fixture
def graphviz_present(needs):
    needs(
        "Graphviz (the graphviz Python package and the dot program)",
        shutil.which("dot") is not None,
        INSTALL,
    )
    needs.module("graphviz", INSTALL)


# -- DOT text: always ------------------------------------------------------------------------------


def test_the_moons_mlp_graph_names_each_op_its_plugin_and_each_parameter():
    loss, model = moons_mlp_loss()
    dot = ng.viz.graph(loss, params=model).dot
    assert dot.startswith("digraph nanograd {") and dot.rstrip().endswith("}")
    for op in ("linear", "relu", "mean", "sum"):
        assert f"<B>{op}</B>" in dot
    assert "nanograd_std" in dot
    for name, p in model.named_parameters():
        assert f"<B>{name}</B>" in dot
        assert f"{p.shape} float64" in dot
    assert "(100, 16) float64" in dot and "scalar float64" in dot


def test_every_edge_joins_two_drawn_nodes_and_data_flows_from_inputs_to_the_output():
    loss, model = moons_mlp_loss()
    dot = ng.viz.graph(loss, params=model).dot
    drawn = {line.split()[0] for line in nodes(dot)}
    pairs = edges(dot)
    assert pairs and all(a in drawn and b in drawn for a, b in pairs)
    output = next(line.split()[0] for line in nodes(dot) if "<B>output</B>" in line)
    assert all(a != output for a, _ in pairs)  # nothing is computed from the output
    assert ("o" + output, output) in pairs


def test_a_tensor_an_op_uses_twice_has_two_edges_into_it():
    x = ng.tensor([1.0, 2.0], requires_grad=True)
    dot = ng.viz.graph((x * x).sum(), params={"x": x}).dot
    x_node = next(line.split()[0] for line in nodes(dot) if "<B>x</B>" in line)
    mul_node = next(line.split()[0] for line in nodes(dot) if "<B>mul</B>" in line)
    assert [b for a, b in edges(dot) if a == x_node] == [mul_node, mul_node]


def test_after_backward_the_parameters_show_their_gradient_norm_range_and_nan_count():
    loss, model = moons_mlp_loss()
    picture = ng.viz.graph(loss, params=model)
    assert "grad norm" not in picture.dot
    loss.backward()  # frees the graph; the picture keeps what it needs
    dot = picture.dot
    weight = model[0].weight
    norm = float(np.linalg.norm(weight.grad.data))
    line = next(line for line in nodes(dot) if "<B>0.weight</B>" in line)
    assert f"grad norm {norm:.4g}, NaN 0" in line
    assert f"grad in [{weight.grad.data.min():.4g}, {weight.grad.data.max():.4g}]" in line


def test_a_gradient_with_nan_is_counted_and_drawn_in_red():
    x = ng.tensor([1.0, 2.0, 3.0], requires_grad=True)
    picture = ng.viz.graph((x * 2).sum(), params={"x": x})
    x.grad = ng.tensor([np.nan, 1.0, np.nan])
    line = next(line for line in nodes(picture.dot) if "<B>x</B>" in line)
    assert "NaN 2" in line
    assert 'color="#c0392b", penwidth=2.5' in line


def test_gradients_true_shows_the_gradient_of_every_tensor_not_only_the_leaves():
    x = ng.tensor(3.0, requires_grad=True)
    square = x * x
    out = square + x  # d out / d x = 2x + 1 = 7, d out / d square = 1
    dot = ng.viz.graph(out, params={"x": x, "square": square}, gradients=True).dot
    assert "grad 7<" in next(line for line in nodes(dot) if "<B>x</B>" in line)
    assert "grad 1<" in next(line for line in nodes(dot) if "<B>square</B>" in line)
    assert x.grad is None  # computed for the picture, not accumulated


def test_a_long_chain_folds_into_one_labelled_box():
    loss, _ = chain(50)
    picture = ng.viz.graph(loss)
    dot = picture.dot
    assert len(nodes(dot)) == 4  # x, the fold, the op sum and its output
    fold = next(line for line in nodes(dot) if "dashed" in line)
    assert "mul → add → tanh → exp  × 50" in fold
    assert "200 ops, 200 tensors folded" in fold
    assert [(f.motif, f.repeats) for f in picture.folds] == [(["mul", "add", "tanh", "exp"], 50)]


def test_collapse_false_draws_every_op():
    loss, _ = chain(50)
    dot = ng.viz.graph(loss, collapse=False, max_nodes=1000).dot
    assert len(nodes(dot)) == 1 + 2 * 201  # the leaf, then an op and its tensor per op
    assert dot.count("<B>tanh</B>") == 50


def test_the_layers_of_a_deep_mlp_fold_and_their_parameters_are_summed_up():
    rng = np.random.default_rng(1)
    model = ng.nn.MLP(4, [8] * 6, 1, activation="tanh", generator=rng)
    X = ng.tensor(rng.standard_normal((5, 4)))
    loss = model(X).sum()
    loss.backward(retain_graph=True)
    picture = ng.viz.graph(loss, params=model, gradients=False)
    assert [(f.motif, f.repeats) for f in picture.folds] == [(["linear", "tanh"], 6)]
    dot = picture.dot
    fold = next(line for line in nodes(dot) if "dashed" in line)
    hidden = [p for name, p in model.named_parameters() if not name.startswith("12.")]
    assert "(5, 4) → (5, 8)" in fold
    assert f"{len(hidden)} parameters, {sum(p.size for p in hidden)} values" in fold
    norm = np.linalg.norm(np.concatenate([p.grad.data.ravel() for p in hidden]))
    assert f"grad norm {norm:.4g}, NaN 0" in fold
    # The output layer and the data stay in view; the hidden layers' parameters are in the box.
    assert "<B>12.weight</B>" in dot and "(5, 4) float64" in dot
    assert "<B>0.weight</B>" not in dot


def test_max_nodes_keeps_the_nodes_nearest_the_output_and_says_what_it_cut():
    loss, _ = chain(50)  # 202 tensors, 201 ops
    dot = ng.viz.graph(loss, collapse=False, max_nodes=21).dot
    drawn = nodes(dot)
    assert len(drawn) == 21  # the last 10 ops with their tensors, and what was cut
    assert any("<B>output</B>" in line for line in drawn)
    assert dot.count("<B>exp</B>") == 3 and "<B>tanh</B>" in dot  # from the output backwards
    more = next(line for line in drawn if line.lstrip().startswith("more "))
    assert "… 192 more tensors, 191 ops" in more and "max_nodes=21" in more
    into = [b for a, b in edges(dot) if a == "more"]
    assert len(into) == 1 and into[0].startswith("o")  # it feeds the earliest op drawn


def test_a_graph_freed_by_backward_is_refused_with_what_to_do():
    loss, _ = chain(2)
    loss.backward()
    with pytest.raises(RuntimeError, match=r"before backward.*retain_graph=True"):
        ng.viz.graph(loss)


def test_bad_arguments_are_refused_naming_what_is_valid():
    loss, _ = chain(1)
    with pytest.raises(TypeError, match="a tensor or a list of tensors"):
        ng.viz.graph(np.ones(3))
    with pytest.raises(ValueError, match="max_nodes must be at least 3"):
        ng.viz.graph(loss, max_nodes=1)
    with pytest.raises(ValueError, match=r"ending in \.svg, \.png, \.pdf, \.dot, \.gv"):
        ng.viz.graph(loss).save("graph.jpeg")


def test_dot_text_is_saved_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz raises ImportError
    loss, _ = chain(3)
    picture = ng.viz.graph(loss)
    path = picture.save(tmp_path / "graph.dot")
    assert path.read_text() == picture.dot


def test_without_the_graphviz_package_saving_svg_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    loss, _ = chain(3)
    picture = ng.viz.graph(loss)
    with pytest.raises(GraphvizMissing, match="graphviz Python package is not installed") as err:
        picture.save(tmp_path / "graph.svg")
    assert "pip install 'nanograd-numpy[viz]'" in str(err.value)
    assert "apt-get install graphviz" in str(err.value)
    assert "picture.dot" in str(err.value)
    assert list(tmp_path.iterdir()) == []
    assert picture._repr_svg_() is None
    bundle = picture._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "pip install" in bundle["text/plain"]


def test_without_the_dot_program_saving_png_says_how_to_install_it(tmp_path, monkeypatch):
    pytest.importorskip("graphviz", reason=f"the graphviz Python package ({INSTALL})")
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot to be found
    loss, _ = chain(3)
    with pytest.raises(GraphvizMissing, match="dot program was not found on PATH"):
        ng.viz.graph(loss).save(tmp_path / "graph.png")
    assert not (tmp_path / "graph.png").exists()


# -- drawn by Graphviz: when it is installed (always in CI) ----------------------------------------


def test_the_moons_mlp_graph_renders_as_svg_and_png(tmp_path, graphviz_present):
    loss, model = moons_mlp_loss()
    picture = ng.viz.graph(loss, params=model)
    loss.backward()
    svg = picture.save(tmp_path / "graph.svg").read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "linear" in svg and "0.weight" in svg and "grad norm" in svg
    png = picture.save(tmp_path / "graph.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.png", "graph.svg"]


def test_a_notebook_shows_the_picture_as_svg(graphviz_present):
    loss, _ = chain(3)
    picture = ng.viz.graph(loss)
    assert "<svg" in picture._repr_svg_()
    bundle = picture._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and bundle["text/plain"].startswith("<ng.viz.Graph")
