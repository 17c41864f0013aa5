"""Running the checks under Hypothesis: one call property-tests an op or a loss.

``check_op("conv2d")`` draws examples from the op's domain, runs :func:`check_case` on each at
first order and then at second order, and lets Hypothesis shrink a failure to a small example;
the error names the op and its plugin. Example counts and other settings come from the active
Hypothesis profile (``settings.load_profile``) unless ``max_examples`` or ``settings`` say
otherwise; a deadline never applies, since a full Jacobian takes as long as it takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as Settings

from nanograd.gradcheck import GradcheckError
from nanograd.registry import LossDef, OpDef
from nanograd.testing.checks import (
    Example,
    Kind,
    Order,
    Target,
    _registry,
    check_case,
    examples,
    resolve,
)

__all__ = [
    "Outcome",
    "check_loss",
    "check_op",
    "hypothesis_settings",
    "registered_losses",
    "registered_ops",
    "run_check",
]

Status = Literal["pass", "FAIL", "n/a"]


def registered_ops(plugin: str | None = None, modules: Sequence[str] = ()) -> list[str]:
    """Names of every registered op (of one ``plugin`` if given), after loading ``modules``."""
    ops = _registry(modules).ops
    return sorted(n for n, op in ops.items() if plugin is None or op.plugin == plugin)


def registered_losses(plugin: str | None = None, modules: Sequence[str] = ()) -> list[str]:
    """Names of every registered loss (of one ``plugin`` if given), after loading ``modules``."""
    losses = _registry(modules).losses
    return sorted(n for n, loss in losses.items() if plugin is None or loss.plugin == plugin)


def hypothesis_settings(
    max_examples: int | None = None, parent: Settings | None = None, **overrides: Any
) -> Settings:
    """The active profile (or ``parent``) with what gradient checks need: no deadline, one
    shrunk failure rather than several, no complaint that a test is slow, and no "explain"
    phase (the error already says what is wrong, and explaining costs more than shrinking)."""
    base = parent if parent is not None else Settings()
    options: dict[str, Any] = {
        "deadline": None,
        "report_multiple_bugs": False,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
        "phases": [phase for phase in base.phases if phase is not Phase.explain],
    }
    if max_examples is not None:
        options["max_examples"] = max_examples
    options.update(overrides)
    return Settings(parent, **options)


def _run(target: Target, order: Order, settings: Settings) -> Status:
    """Property-test one order of ``target``; raise the shrunk failure.

    A differentiable target none of whose examples had anything to differentiate fails too:
    its gradient was never checked, and a pass would say it had been.
    """
    seen: set[str] = set()

    @given(examples(target))
    def property_test(example: Example) -> None:
        seen.add(check_case(target, example, order))

    test = settings(property_test)
    # Hypothesis keys its example database by the test function's source, which is the same
    # for every op; its own pytest plugin tells parametrized tests apart this same way.
    inner = test.hypothesis.inner_test  # type: ignore[attr-defined]
    key = f"nanograd.testing:{target.kind}:{target.plugin}:{target.name}:{order}"
    inner._hypothesis_internal_add_digest = key.encode()
    test()
    if seen == {"n/a"} and order == 1 and target.differentiable:
        raise GradcheckError(
            f"{target.label}: no example drawn from its domain had an input to differentiate "
            "(a floating-point array with a vjp, not passed as a constant), so its gradient "
            "was never checked; the domain must draw floating-point inputs",
            name=target.label, problem="domain",
        )  # fmt: skip
    return "n/a" if seen == {"n/a"} else "pass"


def _check(
    target: Target,
    max_examples: int | None,
    second_order: bool,
    settings: Settings | None,
) -> None:
    chosen = hypothesis_settings(max_examples, settings)
    _run(target, 1, chosen)
    if second_order and target.differentiable and target.twice_differentiable:
        _run(target, 2, chosen)


def check_op(
    name: str | OpDef,
    *,
    max_examples: int | None = None,
    second_order: bool = True,
    modules: Sequence[str] = (),
    settings: Settings | None = None,
) -> None:
    """Property-test the op ``name`` as the project's own suite does; raise on a failure.

    ``modules`` are plugin modules to load first (for a plugin that is not installed);
    ``second_order=False`` skips the second-order check (it is skipped anyway for an op
    registered with ``twice_differentiable=False``). The raised GradcheckError names the op,
    its plugin, what is wrong and the drawn inputs, shrunk by Hypothesis.
    """
    _check(resolve(name, "op", modules), max_examples, second_order, settings)


def check_loss(
    name: str | LossDef,
    *,
    max_examples: int | None = None,
    second_order: bool = True,
    modules: Sequence[str] = (),
    settings: Settings | None = None,
) -> None:
    """Property-test the loss ``name``; as :func:`check_op`. Second order is checked where the
    loss's graph is made of twice-differentiable ops."""
    _check(resolve(name, "loss", modules), max_examples, second_order, settings)


@dataclass
class Outcome:
    """How one op or loss fared: a status per order and, for each failure, the message."""

    name: str
    kind: Kind
    plugin: str
    first_order: Status
    second_order: Status
    errors: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.errors


def run_check(
    target: str | OpDef | LossDef | Target,
    *,
    max_examples: int | None = None,
    settings: Settings | None = None,
) -> Outcome:
    """Check both orders of ``target`` and report, rather than raise, what happened.

    The orders run independently, so a wrong second derivative shows even when the first
    is right, and the other way round.
    """
    t = resolve(target)
    chosen = hypothesis_settings(max_examples, settings)
    statuses: dict[Order, Status] = {1: "n/a", 2: "n/a"}
    errors = []
    for order in (1, 2):
        if order == 2 and not (t.differentiable and t.twice_differentiable):
            break
        try:
            statuses[order] = _run(t, order, chosen)
        except Exception as exc:  # a failed check, or a domain Hypothesis cannot draw from
            statuses[order] = "FAIL"
            if isinstance(exc, GradcheckError):
                errors.append(str(exc))
            else:
                errors.append(f"{t.label}: {type(exc).__name__}: {exc}")
    return Outcome(t.name, t.kind, t.plugin, statuses[1], statuses[2], errors)
