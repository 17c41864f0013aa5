"""Loading plugins: entry points of group ``nanograd``, then modules named by the user.

Plugins load once, on first use or on :func:`load`. Order: nanograd's own entry points, then
third-party entry points (``NANOGRAD_LOAD_PLUGINS``, a comma list of entry-point or distribution
names, restricts which; set but empty, it loads none), then the modules in ``NANOGRAD_PLUGINS``
(a comma list) and those given to ``load(modules=...)`` or ``-p`` on a command line.

Every failure is a :class:`~nanograd.registry.PluginError` that names the plugin at fault, and a
failed load changes nothing: the plugins loaded before it stay loaded, and no half-filled
registry is left behind.
"""

from __future__ import annotations

import importlib
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import pluggy

from nanograd import binding
from nanograd._distribution import DISTRIBUTION
from nanograd.plugins import modules
from nanograd.plugins.entry_points import entry_points
from nanograd.registry import ENGINE_OPS, EngineOpsWarning, HookWarning, PluginError, Registry

ENTRY_POINT_GROUP = "nanograd"
# The hook specifications a plugin may implement: the engine's registration hooks and the
# experiment runner's lifecycle hooks. Named rather than imported, so the engine does not import
# the runner; both are added before any plugin is checked.
HOOKSPEC_MODULES = ("nanograd.hookspecs", "nanograd.run.hookspecs")
LOAD_ENV = "NANOGRAD_LOAD_PLUGINS"
MODULES_ENV = "NANOGRAD_PLUGINS"

# Where a plugin came from, as `python -m nanograd.plugins` shows it.
FROM_ENTRY_POINT = "entry point"
FROM_ENV = MODULES_ENV
FROM_ARGUMENT = "-p"

# The registration hooks, the registry method that makes each one's callback, and the
# PluginInfo list that records what was registered.
_REGISTRATION_HOOKS: tuple[tuple[str, str, str], ...] = (
    ("nanograd_register_ops", "op_registrar", "ops"),
    ("nanograd_register_losses", "loss_registrar", "losses"),
    ("nanograd_register_optimizers", "optimizer_registrar", "optimizers"),
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
    """The plugin manager, the registry its plugins filled, and each plugin's PluginInfo.

    A plain class: making a dataclass costs about a millisecond of every start-up.
    """

    def __init__(
        self,
        manager: pluggy.PluginManager | None = None,
        registry: Registry | None = None,
        plugins: dict[str, PluginInfo] | None = None,
    ) -> None:
        self.manager = manager
        self.registry = Registry() if registry is None else registry
        self.plugins: dict[str, PluginInfo] = {} if plugins is None else plugins


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
    if _state.manager is None:
        load()
    return _state.registry


def plugins() -> list[PluginInfo]:
    """Each loaded plugin, in load order, with what it registered."""
    load()
    return list(_state.plugins.values())


def load(modules: Sequence[str] = ()) -> Registry:
    """Load plugins once; later calls only add the ``modules`` not loaded yet.

    Returns the registry. Raises :class:`PluginError`, naming the plugin, if one cannot be
    imported, implements a hook nanograd does not define, raises in a hook or registers
    something invalid; the state from before the call is then kept.
    """
    if _state.manager is None:
        state = _State(pluggy.PluginManager("nanograd"))
        assert state.manager is not None
        for spec_module in HOOKSPEC_MODULES:
            state.manager.add_hookspecs(importlib.import_module(spec_module))
        _add_entry_points(state)
        _add_modules(state, _split(os.environ.get(MODULES_ENV, "")), FROM_ENV)
        _add_modules(state, modules, FROM_ARGUMENT)
        _check_hooks(state.manager)
        _fill_registry(state, list(state.plugins))
        _commit(state)
        return state.registry
    wanted = [m for m in modules if m not in _state.plugins]
    if wanted:
        _load_more(wanted)
    return _state.registry


def reset() -> None:
    """Forget every loaded plugin and unbind their ops; the next use loads afresh.

    For tests and command-line tools: ``reset()`` then ``load(modules=[...])`` gives a process
    whose ops come only from the plugins that load then.
    """
    global _state
    _state = _State()
    binding.unbind()


def _commit(state: _State) -> None:
    """Make a fully loaded state the current one and bind the ops it added."""
    global _state
    added = [op for name, op in state.registry.ops.items() if name not in _state.registry.ops]
    binding.bind(added)
    _state = state
    missing = state.registry.missing_engine_ops()
    if missing and added:
        needs = "; ".join(f"{name!r} for {ENGINE_OPS[name][2]}" for name in missing)
        warnings.warn(
            f"no loaded plugin registers the op(s) the engine itself calls: {needs}. "
            "Those uses raise NotImplementedError naming the op; nanograd_std registers them "
            f"(is it left out by {LOAD_ENV}?)",
            EngineOpsWarning,
            stacklevel=3,
        )


def _load_more(modules: Sequence[str]) -> None:
    """Add modules to loaded plugins, all or nothing."""
    pm = _state.manager
    assert pm is not None
    state = _State(pm, _state.registry.copy(), dict(_state.plugins))
    added: list[str] = []
    try:
        added = _add_modules(state, modules, FROM_ARGUMENT)
        _check_hooks(pm)
        _fill_registry(state, added)
    except BaseException:
        for name in added:
            pm.unregister(name=name)
        raise
    _commit(state)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _add_entry_points(state: _State) -> None:
    """Register the entry points of group ``nanograd``: nanograd's own first, then the rest."""
    pm = state.manager
    assert pm is not None
    found = entry_points(ENTRY_POINT_GROUP)
    found.sort(key=lambda ep: (ep.distribution != DISTRIBUTION, ep.name))
    allowed = os.environ.get(LOAD_ENV)
    allow = None if allowed is None else set(_split(allowed))
    if allow is not None:
        known = {ep.name for ep in found} | {ep.distribution for ep in found if ep.distribution}
        unknown = sorted(allow - known)
        if unknown:
            raise PluginError(
                f"{LOAD_ENV} names {', '.join(map(repr, unknown))}, which no installed "
                f"entry point of group {ENTRY_POINT_GROUP!r} provides; installed: "
                f"{', '.join(sorted(known)) or 'none'}"
            )
    for ep in found:
        dist = ep.distribution
        if allow is not None and ep.name not in allow and dist not in allow:
            continue
        if ep.name in state.plugins:
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                f"plugin {ep.name!r} (distribution {dist or 'unknown'}) failed to import "
                f"{ep.value!r}: {type(exc).__name__}: {exc}. Fix or uninstall it, or leave it "
                f"out with {LOAD_ENV}"
            ) from exc
        _register(pm, plugin, ep.name)
        state.plugins[ep.name] = PluginInfo(ep.name, ep.value, dist, ep.version, FROM_ENTRY_POINT)


def _add_modules(state: _State, names: Sequence[str], source: str) -> list[str]:
    """Import and register plugin modules by name; return the names newly registered."""
    pm = state.manager
    assert pm is not None
    added: list[str] = []
    try:
        for given in names:
            where = f" (named in {MODULES_ENV})" if source == FROM_ENV else ""
            if modules.is_path(given):
                name, module = modules.import_file(given, where)
                origin = os.path.realpath(given)
            else:
                if given in state.plugins:
                    continue
                name, module, origin = given, modules.import_module(given, where), given
            if name in state.plugins or pm.is_registered(module):  # loaded already
                continue
            _register(pm, module, name)
            added.append(name)
            dist, version = _module_distribution(module)
            state.plugins[name] = PluginInfo(name, origin, dist, version, source)
    except BaseException:
        for name in added:
            pm.unregister(name=name)
        raise
    return added


def _register(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:  # e.g. a hook argument the spec does not have
        raise PluginError(f"plugin {name!r} has an invalid hook implementation: {exc}") from exc
    _warn_undecorated(pm, plugin, name)


def _warn_undecorated(pm: pluggy.PluginManager, plugin: Any, name: str) -> None:
    """Warn of a function named like a hook (or nearly) that lacks ``@ng.hookimpl``: pluggy
    ignores it, so the plugin would load and silently register nothing."""
    hooks = [h for h in vars(pm.hook) if not h.startswith("_")]
    for attr in dir(plugin):
        if not attr.startswith("nanograd_") or pm.parse_hookimpl_opts(plugin, attr) is not None:
            continue
        if not callable(getattr(plugin, attr, None)):
            continue
        if attr in hooks:
            what = f"the hook {attr}"
        else:
            import difflib  # for a likely mistake only, not on every start

            close = difflib.get_close_matches(attr, hooks, n=1, cutoff=0.8)
            if not close:
                continue
            what = f"a misspelling of the hook {close[0]}"
        warnings.warn(
            f"plugin {name!r} defines {attr}(), which looks like {what}, but it is not marked "
            "with the @ng.hookimpl decorator, so nanograd never calls it; add @ng.hookimpl "
            "(import nanograd as ng) on the line above its def",
            HookWarning,
            stacklevel=2,
        )


def _module_distribution(module: ModuleType) -> tuple[str | None, str | None]:
    """The installed distribution that provides ``module``, and its version, if any."""
    from importlib import metadata  # only for modules named by the user: it is slow to import

    top = module.__name__.split(".")[0]
    names = metadata.packages_distributions().get(top, [])
    if not names:
        return None, None
    try:
        return names[0], metadata.version(names[0])
    except metadata.PackageNotFoundError:
        return names[0], None


def _check_hooks(pm: pluggy.PluginManager) -> None:
    """Fail loudly on a hook implementation nanograd has no spec for (a misspelled name)."""
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or repr(exc.plugin)
        raise PluginError(
            f"plugin {name!r} implements a hook nanograd does not define: {exc}. Hook names "
            "are listed in nanograd/hookspecs.py (nanograd_register_ops, ...) and "
            "nanograd/run/hookspecs.py (nanograd_epoch_end, ...)"
        ) from exc


def _fill_registry(state: _State, plugin_names: Sequence[str]) -> None:
    """Call each plugin's registration hooks, in load order, with callbacks that name it.

    The hook implementations are called directly rather than through ``pm.hook`` so that each
    plugin gets a ``register`` callback bound to its own name.
    """
    pm = state.manager
    assert pm is not None
    reg = state.registry
    for plugin_name in plugin_names:
        info = state.plugins[plugin_name]
        for hook_name, registrar_name, kind in _REGISTRATION_HOOKS:
            for impl in getattr(pm.hook, hook_name).get_hookimpls():
                if impl.plugin_name != plugin_name:
                    continue
                registrar: Callable[[str], Callable[..., Any]] = getattr(reg, registrar_name)
                register = _recording(registrar(plugin_name), getattr(info, kind))
                try:
                    impl.function(**{arg: register for arg in impl.argnames})
                except PluginError:
                    raise
                except Exception as exc:
                    raise PluginError(
                        f"plugin {plugin_name!r} raised in {hook_name}: {type(exc).__name__}: {exc}"
                    ) from exc


def _recording(register: Callable[..., Any], into: list[str]) -> Callable[..., Any]:
    """``register``, also noting each registered name in the plugin's PluginInfo."""

    def recording(*args: Any, **kwargs: Any) -> Any:
        item = register(*args, **kwargs)
        into.append(item.name)
        return item

    return recording


binding.set_loader(load)
binding.unbind()
