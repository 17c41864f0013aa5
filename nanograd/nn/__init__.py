"""Neural-network building blocks: ``Module`` and the layers built on it.

Everything here derives its gradients from registered ops; no layer has backward code.
"""

from __future__ import annotations

from nanograd.nn import init, utils
from nanograd.nn.activations import (
    ACTIVATIONS,
    GELU,
    Identity,
    LeakyReLU,
    LogSoftmax,
    OpActivation,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Tanh,
    resolve,
)
from nanograd.nn.containers import ModuleList, Sequential
from nanograd.nn.layers import Dropout, Embedding, Flatten, LayerNorm, Linear
from nanograd.nn.mlp import MLP
from nanograd.nn.module import IncompatibleKeys, Module, Parameter, StateDictError
from nanograd.nn.utils import clip_grad_norm_, clip_grad_value_, functional_call

__all__ = [
    "Module",
    "Parameter",
    "StateDictError",
    "IncompatibleKeys",
    "Linear",
    "MLP",
    "Sequential",
    "ModuleList",
    "Dropout",
    "LayerNorm",
    "Embedding",
    "Flatten",
    "Identity",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "Sigmoid",
    "GELU",
    "Softplus",
    "Softmax",
    "LogSoftmax",
    "OpActivation",
    "ACTIVATIONS",
    "resolve",
    "clip_grad_norm_",
    "clip_grad_value_",
    "functional_call",
    "init",
    "utils",
]
