"""The forwards agree with the definitions written out as plain loops."""

import numpy as np
import pytest

import nanograd as ng


def conv2d_by_loops(x, w, stride, padding):
    n, c, h, width = x.shape
    o, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * padding, width + 2 * padding))
    xp[:, :, padding : padding + h, padding : padding + width] = x
    ho = (h + 2 * padding - kh) // stride + 1
    wo = (width + 2 * padding - kw) // stride + 1
    out = np.zeros((n, o, ho, wo))
    for b in range(n):
        for f in range(o):
            for i in range(ho):
                for j in range(wo):
                    patch = xp[b, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    out[b, f, i, j] = np.sum(patch * w[f])
    return out


def max_pool_by_loops(x, k, stride):
    n, c, h, w = x.shape
    ho, wo = (h - k) // stride + 1, (w - k) // stride + 1
    out = np.empty((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            window = x[:, :, i * stride : i * stride + k, j * stride : j * stride + k]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out


@pytest.mark.parametrize(("stride", "padding"), [(1, 0), (1, 1), (2, 0), (2, 1)])
def test_conv2d_matches_the_definition(stride, padding):
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 2))
    got = ng.ops.conv2d(x, w, stride=stride, padding=padding).data
    np.testing.assert_allclose(got, conv2d_by_loops(x, w, stride, padding), rtol=1e-12)


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3))
    y = ng.ops.conv2d(x, w, stride=2, padding=1).data
    g = rng.normal(size=y.shape)
    back = ng.ops.conv_transpose2d(g, w, stride=2, padding=1, output_size=(7, 7)).data
    # <conv2d(x), g> == <x, conv_transpose2d(g)> for every x and g: the definition of adjoint.
    assert np.isclose(np.sum(y * g), np.sum(x * back), rtol=1e-12)


def test_conv2d_weight_is_the_adjoint_of_conv2d_in_the_weight():
    rng = np.random.default_rng(2)
    x, w = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 2, 3))
    y = ng.ops.conv2d(x, w, stride=1, padding=1).data
    g = rng.normal(size=y.shape)
    dw = ng.ops.conv2d_weight(x, g, stride=1, padding=1, kernel_size=(2, 3)).data
    assert dw.shape == w.shape
    assert np.isclose(np.sum(y * g), np.sum(w * dw), rtol=1e-12)


@pytest.mark.parametrize(("k", "stride"), [(2, 2), (3, 1), (2, 1)])
def test_max_pool2d_matches_the_definition(k, stride):
    x = np.random.default_rng(3).normal(size=(2, 3, 6, 7))
    got = ng.ops.max_pool2d(x, kernel_size=k, stride=stride).data
    np.testing.assert_array_equal(got, max_pool_by_loops(x, k, stride))


def test_max_pool2d_gradient_goes_to_each_window_maximum():
    x = ng.tensor(np.array([[[[1.0, 5.0], [3.0, 2.0]]]]), requires_grad=True)
    ng.ops.max_pool2d(x, kernel_size=2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 1.0], [0.0, 0.0]]]])


def test_float32_stays_float32():
    x = np.ones((1, 1, 4, 4), dtype=np.float32)
    w = np.ones((2, 1, 3, 3), dtype=np.float32)
    assert ng.ops.conv2d(x, w).dtype == np.float32
    assert ng.ops.max_pool2d(x, kernel_size=2).dtype == np.float32


def test_a_channel_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"conv2d .*x has 3 channels .* expects 2"):
        ng.ops.conv2d(np.zeros((1, 3, 5, 5)), np.zeros((4, 2, 3, 3)))


def test_a_kernel_larger_than_the_input_is_an_error():
    with pytest.raises(ValueError, match="does not fit an input of 2x2"):
        ng.ops.conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3)))


def test_pooling_padding_beyond_half_the_kernel_is_an_error():
    with pytest.raises(ValueError, match="at most half the kernel size"):
        ng.ops.max_pool2d(np.zeros((1, 1, 4, 4)), kernel_size=2, padding=2)
