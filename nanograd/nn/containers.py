"""Modules that hold other modules: ``Sequential`` (a pipeline) and ``ModuleList``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any, overload

from nanograd.nn.module import Module


class Sequential(Module):
    """Apply modules in order: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``.

    Submodules are named ``"0"``, ``"1"``, ... (or by the keys of one mapping argument), which
    are the prefixes of their keys in ``state_dict()``.
    """

    def __init__(self, *modules: Module | Mapping[str, Module]) -> None:
        super().__init__()
        first = modules[0] if len(modules) == 1 else None
        named = first.items() if isinstance(first, Mapping) else enumerate(modules)
        for name, module in named:
            self.add_module(str(name), _check_module("Sequential", str(name), module))

    def forward(self, x: Any) -> Any:
        for module in self._modules.values():
            if module is not None:
                x = module(x)
        return x

    def append(self, module: Module) -> Sequential:
        name = str(len(self._modules))
        self.add_module(name, _check_module("Sequential", name, module))
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(m for m in self._modules.values() if m is not None)

    @overload
    def __getitem__(self, index: int) -> Module: ...
    @overload
    def __getitem__(self, index: slice) -> Sequential: ...

    def __getitem__(self, index: int | slice) -> Module | Sequential:
        """The module at ``index``, or a ``Sequential`` of a slice that keeps the modules' names
        (so a slice's state-dict keys are the original's), as PyTorch's."""
        named = [(name, m) for name, m in self._modules.items() if m is not None]
        if isinstance(index, slice):
            return Sequential(dict(named[index]))
        return named[index][1]


class ModuleList(Module):
    """A list of modules whose parameters the parent module sees."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def append(self, module: Module) -> ModuleList:
        name = str(len(self._modules))
        self.add_module(name, _check_module("ModuleList", name, module))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(m for m in self._modules.values() if m is not None)

    def __getitem__(self, index: int) -> Module:
        return list(self)[index]

    def __setitem__(self, index: int, module: Module) -> None:
        key = list(self._modules)[index]
        self._modules[key] = _check_module("ModuleList", key, module)


def _check_module(container: str, name: str, module: Any) -> Module:
    if not isinstance(module, Module):
        raise TypeError(
            f"{container}: entry {name} is {type(module).__name__}, not an nn.Module "
            "(wrap functions in a Module, or use nn.activations.resolve for a name)"
        )
    return module
