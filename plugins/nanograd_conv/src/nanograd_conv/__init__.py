"""nanograd-conv: 2-D convolution and max pooling as nanograd ops.

Installed, it registers ``conv2d``, ``conv_transpose2d``, ``conv2d_weight`` and ``max_pool2d``
through the ``nanograd`` entry point group, so ``ng.ops.conv2d`` works after ``import nanograd``.
Layers using them are in :mod:`nanograd_conv.nn`.
"""

from __future__ import annotations

import nanograd as ng
from nanograd.contract import RegisterOp
from nanograd_conv import convolution, pooling

__version__ = "0.1.0"


@ng.hookimpl
def nanograd_register_ops(register: RegisterOp) -> None:
    convolution.register_ops(register)
    pooling.register_ops(register)
