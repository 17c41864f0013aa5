"""``Module``: the base of every layer and model, with PyTorch's registration rules.

Assigning a :class:`Parameter` or a ``Module`` to an attribute registers it, so
``parameters()``, ``state_dict()`` and ``train()`` find everything without a list kept by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from nanograd import inplace
from nanograd.tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a module's trainable weight: requires grad, and registers itself when
    assigned to a module attribute (``self.weight = Parameter(...)``)."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True, dtype: Any = None) -> None:
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class StateDictError(RuntimeError):
    """A state dict does not fit the module: missing, unexpected or mis-shaped entries."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` skipped."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _indent(text: str, spaces: int) -> str:
    return text.replace("\n", "\n" + " " * spaces)


class Module:
    """Base class of layers and models.

    Subclasses call ``super().__init__()`` first, assign parameters and submodules as
    attributes, and define ``forward``; calling the module calls ``forward``.
    """

    training: bool
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _non_persistent: set[str]
    _modules: dict[str, Module | None]

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- registration ---------------------------------------------------------------------------

    def _tables(self) -> dict[str, Any]:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}.__init__ must call super().__init__() before assigning "
                "parameters, buffers or submodules"
            )
        return self.__dict__

    def _forget(self, name: str) -> None:
        """Drop ``name`` from the tables and the plain attributes, before it is registered anew."""
        d = self._tables()
        d.pop(name, None)
        for table in ("_parameters", "_buffers", "_modules"):
            d[table].pop(name, None)
        d["_non_persistent"].discard(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            self.add_module(name, value)
        elif "_parameters" in self.__dict__ and name in self._parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to parameter {name!r} of "
                    f"{type(self).__name__}: give an nn.Parameter (or None)"
                )
            self._parameters[name] = None
        elif "_modules" in self.__dict__ and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign {type(value).__name__} to submodule {name!r} of "
                    f"{type(self).__name__}: give an nn.Module (or None)"
                )
            self._modules[name] = None
        elif "_buffers" in self.__dict__ and name in self._buffers:
            self._buffers[name] = None if value is None else _as_buffer(name, value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for table in ("_parameters", "_buffers", "_modules"):
            entries = d.get(table)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if any(name in d.get(t, ()) for t in ("_parameters", "_buffers", "_modules")):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` under ``name`` (None keeps the slot, as a layer without bias)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"register_parameter({name!r}): expected an nn.Parameter or None, got "
                f"{type(param).__name__}"
            )
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Any, persistent: bool = True) -> None:
        """Keep a non-trainable tensor (running statistics, masks) with the module.

        Persistent buffers are saved in ``state_dict()``; others live only in memory.
        """
        buffer = None if tensor is None else _as_buffer(name, tensor)
        self._forget(name)
        self._buffers[name] = buffer
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` under ``name``: for names that are not identifiers, as ``"0"``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(
                f"add_module({name!r}): expected an nn.Module, got {type(module).__name__}"
            )
        if not name or "." in name:
            raise KeyError(f"module name {name!r} must be non-empty and contain no '.'")
        self._forget(name)
        self._modules[name] = module

    # -- traversal ------------------------------------------------------------------------------

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every submodule below it, each once, with dotted names."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [
                (f"{name}.{child_name}" if name else child_name, child)
                for child_name, child in module.named_children()
            ]
            stack.extend(reversed(children))

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` (``""`` is this module)."""
        module: Module = self
        walked: list[str] = []
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                where = ".".join(walked) or type(self).__name__
                raise AttributeError(
                    f"{where} has no submodule {part!r}; it has: "
                    f"{', '.join(module._modules) or 'none'}"
                )
            walked.append(part)
            module = child
        return module

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs; a parameter shared by two layers comes once."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, param in module._parameters.items():
                if param is None or (remove_duplicate and id(param) in seen):
                    continue
                seen.add(id(param))
                yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for name, buf in module._buffers.items():
                if buf is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buf

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule, then on this module (for custom initialisation)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients --------------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Switch this module and its submodules to training mode (dropout active)."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode: ``train(False)``."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget accumulated gradients: ``.grad = None`` (or zeros with set_to_none=False)."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad = Tensor(np.zeros_like(param.data))

    def astype(self, dtype: Any) -> Module:
        """Convert every floating parameter and buffer to ``dtype`` in place; returns self."""
        target = np.dtype(dtype)
        if not np.issubdtype(target, np.floating):
            raise TypeError(f"Module.astype: {target} is not a floating dtype")
        for tensor in [*self.parameters(), *self.buffers()]:
            if np.issubdtype(tensor.dtype, np.floating) and tensor.dtype != target:
                tensor.grad = None  # first: a gradient must keep its tensor's dtype
                tensor.data = tensor.data.astype(target)
        return self

    def float(self) -> Module:
        """Parameters and buffers to float32."""
        return self.astype(np.float32)

    def double(self) -> Module:
        """Parameters and buffers to float64."""
        return self.astype(np.float64)

    # -- state ----------------------------------------------------------------------------------

    def _state_tensors(self) -> dict[str, Tensor]:
        entries: dict[str, Tensor] = {}
        for module_name, module in self.named_modules():
            dot = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    entries[dot + name] = param
            for name, buf in module._buffers.items():
                if buf is not None and name not in module._non_persistent:
                    entries[dot + name] = buf
        return entries

    def state_dict(self) -> dict[str, np.ndarray]:
        """A snapshot of every parameter and persistent buffer as NumPy arrays, by dotted name.

        The arrays are copies, so training on does not change a state dict already taken.
        """
        return {name: t.data.copy() for name, t in self._state_tensors().items()}

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True
    ) -> IncompatibleKeys:
        """Copy ``state_dict``'s arrays into this module's parameters and buffers.

        Every problem is reported at once, naming each key and its shapes; nothing is copied if
        anything is wrong. ``strict=False`` skips missing and unexpected keys (they are
        returned); a shape mismatch is always an error.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"{type(self).__name__}.load_state_dict expects a mapping of names to arrays, "
                f"got {type(state_dict).__name__}"
            )
        own = self._state_tensors()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems: list[str] = []
        arrays: dict[str, np.ndarray] = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value.data if isinstance(value, Tensor) else np.asarray(value)
            if array.shape != target.shape:
                problems.append(
                    f"size mismatch for {key}: the checkpoint has shape {array.shape}, "
                    f"the model has shape {target.shape}"
                )
            elif not np.can_cast(array.dtype, target.dtype, casting="same_kind"):
                problems.append(
                    f"dtype mismatch for {key}: the checkpoint holds {array.dtype}, "
                    f"the model {target.dtype}"
                )
            else:
                arrays[key] = array
        if strict:
            problems += [f"missing key {k} (the model has shape {own[k].shape})" for k in missing]
            problems += [
                f"unexpected key {k} (shape {np.shape(_array_of(state_dict[k]))})"
                for k in unexpected
            ]
        if problems:
            hint = (
                "\npass strict=False to load the matching keys and skip missing or unexpected "
                "ones (a size mismatch is always an error)"
                if strict and (missing or unexpected)
                else ""
            )
            raise StateDictError(
                f"error(s) loading the state dict into {type(self).__name__}:\n  "
                + "\n  ".join(problems)
                + hint
            )
        by = f"{type(self).__name__}.load_state_dict()"
        for key, array in arrays.items():
            inplace.write(own[key], array, by)
        return IncompatibleKeys(missing, unexpected)

    # -- display --------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr``, e.g. its sizes."""
        return ""

    def __repr__(self) -> str:
        lines = [self.extra_repr()] if self.extra_repr() else []
        lines += [f"({name}): {_indent(repr(module), 2)}" for name, module in self._modules.items()]
        if not self._modules:
            return f"{type(self).__name__}({''.join(lines)})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _array_of(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


def _as_buffer(name: str, value: Any) -> Tensor:
    if isinstance(value, Tensor):
        if value.requires_grad:
            raise TypeError(
                f"buffer {name!r} requires grad; a buffer is not trained (use nn.Parameter)"
            )
        return value
    return Tensor(value)
