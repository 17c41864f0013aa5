"""Every op of the plugin passes nanograd's gradient property checks, first and second order."""

from nanograd.testing import op_tests, registered_ops

test_op = op_tests(plugin="nanograd_conv", max_examples=40)


def test_the_plugin_registers_its_four_ops():
    assert registered_ops(plugin="nanograd_conv") == [
        "conv2d",
        "conv2d_weight",
        "conv_transpose2d",
        "max_pool2d",
    ]
