"""Every registered op as a function: ``ng.ops.exp(x)``, ``ng.ops.sum(x, axis=0)``.

This module is a namespace and nothing more: :mod:`nanograd.binding` sets each op's function
here as a plain module attribute when plugins load, so ``ng.ops.exp`` is one dictionary lookup
and calling it goes straight to the op. Before the first load, the module ``__getattr__`` that
the binding installs loads plugins on first use; after it, it names the ops that exist when
asked for one that does not.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:

    def __getattr__(name: str) -> Any: ...
