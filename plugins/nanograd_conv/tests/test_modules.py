"""The layers: shapes, parameters, and a small network whose gradients check out."""

import numpy as np

import nanograd as ng
from nanograd_conv.nn import Conv2d, MaxPool2d


def test_conv2d_layer_output_shape_and_parameters():
    layer = Conv2d(3, 8, 3, padding=1, generator=np.random.default_rng(0))
    y = layer(ng.tensor(np.zeros((2, 3, 8, 8))))
    assert y.shape == (2, 8, 8, 8)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert layer.weight.shape == (8, 3, 3, 3)


def test_conv2d_layer_initialisation_bound_is_pytorchs():
    layer = Conv2d(4, 6, 3, generator=np.random.default_rng(0))
    bound = 1 / np.sqrt(4 * 3 * 3)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.8 * bound


def test_conv2d_layer_without_bias_has_only_a_weight():
    layer = Conv2d(1, 2, 3, bias=False, generator=np.random.default_rng(0))
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_a_small_network_passes_gradcheck_on_its_parameters():
    rng = np.random.default_rng(1)
    net = ng.nn.Sequential(
        Conv2d(1, 2, 3, padding=1, generator=rng),
        ng.nn.Tanh(),
        MaxPool2d(2),
        ng.nn.Flatten(),
        ng.nn.Linear(2 * 2 * 2, 3, generator=rng),
    )
    x = rng.normal(size=(2, 1, 4, 4))
    names = [name for name, _ in net.named_parameters()]

    def output(*weights):
        return net_with(weights)

    def net_with(weights):
        return ng.nn.functional_call(net, dict(zip(names, weights, strict=True)), x)

    weights = [p.detach().numpy().copy() for p in net.parameters()]
    assert ng.gradcheck(output, weights, name="conv net")
