"""Loading plugins: entry points of group ``nanograd``, then modules named by the user.

Plugins load once, on first use or on :func:`load`. Order: nanograd's own entry points, then
third-party entry points (``NANOGRAD_LOAD_PLUGINS``, a comma list, restricts which; empty loads
none), then the modules in ``NANOGRAD_PLUGINS`` and those given with ``-p``. Every failure names
the plugin at fault.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from types import ModuleType
from typing import Any

import pluggy

from nanograd import hookspecs
from nanograd.registry import PluginError, Registry
from nanograd.tensor import bind_ops

ENTRY_POINT_GROUP = "nanograd"
LOAD_ENV = "NANOGRAD_LOAD_PLUGINS"
MODULES_ENV = "NANOGRAD_PLUGINS"

# The registration hooks and the registry method that makes each one's callback.
_REGISTRATION_HOOKS: tuple[tuple[str, str], ...] = (
    ("nanograd_register_ops", "op_registrar"),
    ("nanograd_register_losses", "loss_registrar"),
    ("nanograd_register_optimizers", "optimizer_registrar"),
)


@dataclass
class PluginInfo:
    """What the loader knows about one loaded plugin."""

    name: str
    module: str
    distribution: str | None
    version: str | None
    source: str
    ops: list[str] = field(default_factory=list)
    losses: list[str] = field(default_factory=list)
    optimizers: list[str] = field(default_factory=list)


class _State:
    def __init__(self) -> None:
        self.manager: pluggy.PluginManager | None = None
        self.registry = Registry()
        self.plugins: dict[str, PluginInfo] = {}


_state = _State()


def is_loaded() -> bool:
    """True once plugins have been loaded in this process."""
    return _state.manager is not None


def manager() -> pluggy.PluginManager:
    """The plugin manager, loading plugins first if needed."""
    load()
    assert _state.manager is not None
    return _state.manager


def registry() -> Registry:
    """The registry of every op, loss and optimizer, loading plugins first if needed."""
    load()
    return _state.registry


def plugins() -> list[PluginInfo]:
    """Each loaded plugin, in load order, with what it registered."""
    load()
    return list(_state.plugins.values())


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _entry_points() -> list[metadata.EntryPoint]:
    found = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    # nanograd's own plugins first, then third parties, each in a stable order.
    return sorted(found, key=lambda ep: (_dist_name(ep) != "nanograd", ep.name))


def _dist_name(ep: metadata.EntryPoint) -> str | None:
    dist = getattr(ep, "dist", None)
    return None if dist is None else dist.metadata["Name"]


def _module_distribution(module: ModuleType) -> tuple[str | None, str | None]:
    top = module.__name__.split(".")[0]
    names = metadata.packages_distributions().get(top, [])
    if not names:
        return None, None
    try:
        return names[0], metadata.version(names[0])
    except metadata.PackageNotFoundError:
        return names[0], None


def load(modules: Sequence[str] = ()) -> Registry:
    """Load plugins once; later calls only add modules not loaded yet. Returns the registry."""
    if _state.manager is None:
        _load_all(modules)
    else:
        new = [m for m in modules if m not in _state.plugins]
        if new:
            _register_modules(_state.manager, new, "-p")
            _fill_registry(_state.manager, new)
    return _state.registry


def _load_all(modules: Sequence[str]) -> None:
    pm = pluggy.PluginManager("nanograd")
    pm.add_hookspecs(hookspecs)
    found: dict[str, PluginInfo] = {}
    allowed = os.environ.get(LOAD_ENV)
    allow = None if allowed is None else set(_split(allowed))
    for ep in _entry_points():
        dist = _dist_name(ep)
        if allow is not None and ep.name not in allow and dist not in allow:
            continue
        if pm.has_plugin(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {ep.name!r} (distribution {dist or 'unknown'}) failed to import "
                f"{ep.value!r}: {type(exc).__name__}: {exc}. Uninstall it, or leave it out with "
                f"{LOAD_ENV}"
            ) from exc
        pm.register(plugin, name=ep.name)
        version = ep.dist.version if getattr(ep, "dist", None) is not None else None
        found[ep.name] = PluginInfo(ep.name, ep.value, dist, version, "entry point")
    _state.plugins = found
    named = [*_split(os.environ.get(MODULES_ENV, "")), *modules]
    _register_modules(pm, named, "module")
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(
            f"plugin {exc.plugin!r} implements a hook nanograd does not define: {exc}. "
            "Hook names start with nanograd_; see nanograd/hookspecs.py"
        ) from exc
    _state.registry = Registry()
    _fill_registry(pm, list(_state.plugins))
    _state.manager = pm


def _register_modules(pm: pluggy.PluginManager, names: Iterable[str], source: str) -> None:
    for name in names:
        if pm.has_plugin(name):
            continue
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            raise PluginError(
                f"plugin module {name!r} could not be imported: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            pm.register(module, name=name)
        except ValueError as exc:  # the same module object under another name
            raise PluginError(f"plugin module {name!r} is already loaded: {exc}") from exc
        dist, version = _module_distribution(module)
        _state.plugins[name] = PluginInfo(name, name, dist, version, source)
        if _state.manager is not None:
            try:
                pm.check_pending()
            except pluggy.PluginValidationError as exc:
                raise PluginError(
                    f"plugin {name!r} implements a hook nanograd does not define: {exc}"
                ) from exc


def _fill_registry(pm: pluggy.PluginManager, plugin_names: Sequence[str]) -> None:
    """Call each plugin's registration hooks, in load order, with callbacks that name it."""
    wanted = set(plugin_names)
    reg = _state.registry
    for hook_name, registrar_name in _REGISTRATION_HOOKS:
        registrar: Callable[[str], Callable[..., Any]] = getattr(reg, registrar_name)
        hook = getattr(pm.hook, hook_name)
        impls = [impl for impl in hook.get_hookimpls() if impl.plugin_name in wanted]
        order = {name: i for i, name in enumerate(_state.plugins)}
        for impl in sorted(impls, key=lambda impl: order.get(impl.plugin_name, 0)):
            register = registrar(impl.plugin_name)
            info = _state.plugins[impl.plugin_name]
            kind = hook_name.rsplit("_", 1)[1]
            collected: list[str] = getattr(info, kind)

            def recording(*args: Any, _register: Any = register, _into: Any = collected,
                          **kwargs: Any) -> Any:
                item = _register(*args, **kwargs)
                _into.append(item.name)
                return item

            try:
                impl.function(**{name: recording for name in impl.argnames})
            except PluginError:
                raise
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} raised in {hook_name}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
    bind_ops(reg)


def reset() -> None:
    """Forget every loaded plugin; the next use loads afresh (for tests and the CLI)."""
    _state.manager = None
    _state.registry = Registry()
    _state.plugins = {}
