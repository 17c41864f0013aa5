"""The plugin contract, typed: what each ``register`` callback accepts, and what it returns.

This is the one authoritative description of a registration. A registration hook receives one of
these callbacks (see :mod:`nanograd.hookspecs`); annotate its parameter with the Protocol, and
mypy checks every ``register(...)`` call in the plugin: a misspelled keyword, a missing
gradient argument or a domain of the wrong type is a type error before anything runs. The host
(:class:`nanograd.registry.Registry`) makes the callbacks and checks at load time what types
cannot say (arity against the forward's signature, names taken twice), naming the plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from nanograd.domain import Domain

if TYPE_CHECKING:
    from nanograd.registry import LossDef, OpDef, OptimizerDef

Vjp = Callable[..., Any]
"""``vjp(g, out, *inputs, **params)``: the gradient for one input, given the upstream gradient
``g`` and the op's output ``out`` (all Tensors), written with ops so it is differentiable again.
It may return the gradient at the broadcast shape; the engine sums it back to the input's shape.
A variadic op gives one ``vjp(g, out, inputs, **params)`` returning one gradient per input."""


class RegisterOp(Protocol):
    """``register`` handed to ``nanograd_register_ops``.

    ``name`` is how users call the op (``ng.ops.<name>``); ``forward(*arrays, **params)`` computes
    it with NumPy; ``vjp`` is one :data:`Vjp` per tensor input (None for an input with no
    gradient), or one function for a one-input op. Keywords:

    - ``domain``: where the property suite draws inputs from (:mod:`nanograd.domain`); required
      for a differentiable op.
    - ``method``: True binds ``Tensor.<name>``, a string binds that method name.
    - ``variadic``: the op takes one sequence of tensors (``stack``, ``concatenate``).
    - ``differentiable=False``: no gradient (comparisons, ``argmax``); give ``vjp=None``.
    - ``twice_differentiable=False``: the vjp is not itself differentiable; the property suite
      skips the second-order check.
    - ``kink``: where the op is not differentiable (``"x = 0"``), for the op reference.
    - ``doc``: the op's documentation (default: the forward's docstring).
    - ``inputs``: the number of tensor inputs of a non-differentiable op whose forward's
      signature does not say it.
    - ``composite=True``: ``forward`` is a function of tensors made of other ops (no vjp); its
      gradient is theirs.
    - ``outputs=(names...)``: the op returns several tensors, a named tuple; ``vjp`` has one
      entry per output.

    Returns the recorded :class:`~nanograd.registry.OpDef`.
    """

    def __call__(
        self,
        name: str,
        forward: Callable[..., Any],
        vjp: Vjp | Sequence[Vjp | None] | None,
        *,
        domain: Domain | None = None,
        method: bool | str = False,
        variadic: bool = False,
        differentiable: bool = True,
        twice_differentiable: bool = True,
        kink: str | None = None,
        doc: str | None = None,
        inputs: int | None = None,
        composite: bool = False,
        outputs: Sequence[str] | None = None,
    ) -> OpDef: ...


class RegisterLoss(Protocol):
    """``register`` handed to ``nanograd_register_losses``.

    ``function(input, target, reduction="mean", ...)`` is built from registered ops, so its
    gradient needs no code of its own; ``domain`` is a custom domain drawing ``(input, target)``
    for the property suite; ``doc`` defaults to the function's docstring.
    """

    def __call__(
        self,
        name: str,
        function: Callable[..., Any],
        *,
        domain: Domain | None = None,
        doc: str | None = None,
    ) -> LossDef: ...


class RegisterOptimizer(Protocol):
    """``register`` handed to ``nanograd_register_optimizers``.

    ``cls(params, lr=..., **hyper_parameters)`` follows :class:`nanograd.optim.Optimizer`;
    ``doc`` defaults to the class's docstring.
    """

    def __call__(
        self, name: str, cls: Callable[..., Any], *, doc: str | None = None
    ) -> OptimizerDef: ...
