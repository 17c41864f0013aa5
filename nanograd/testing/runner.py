"""Running the checks under Hypothesis: one call property-tests an op or a loss.

``check_op("conv2d")`` draws examples from the op's domain, runs :func:`check_case` on each at
first order and then at second order, and lets Hypothesis shrink a failure to a small example;
the error names the op and its plugin. Example counts and other settings come from the active
Hypothesis profile (``settings.load_profile``) unless ``max_examples`` or ``settings`` say
otherwise; a deadline never applies, since a full Jacobian takes as long as it takes.

An op that takes ``axis`` or ``keepdims`` is checked on every combination of a kind of axis and a
keepdims (see :class:`~nanograd.testing.strategies.Focus`): each example is drawn for one of them,
chosen at random, and after the examples any combination that chance left out is drawn on purpose.
A ``seed`` varies the examples of a derandomized run; the same seed draws the same examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as Settings
from hypothesis import strategies as st

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
from nanograd.testing.strategies import Focus, focus

__all__ = [
    "Outcome",
    "check_loss",
    "check_op",
    "hypothesis_settings",
    "registered_losses",
    "registered_ops",
    "run_check",
]

Status = Literal["pass", "FAIL", "n/a", "not run"]

# Examples drawn on purpose for a combination of axis kind and keepdims that chance left out: the
# first is Hypothesis's simplest, the second a random one.
FOCUSED_EXAMPLES = 2


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


@dataclass
class _Tally:
    """What the examples of one order came to: their statuses, and the kinds of axis and
    keepdims that were checked."""

    statuses: set[str] = field(default_factory=set)
    checked: set[Focus] = field(default_factory=set)


def _run(
    target: Target,
    order: Order,
    settings: Settings,
    seed: int | None = None,
    tally: _Tally | None = None,
) -> Status:
    """Property-test one order of ``target``; raise the shrunk failure.

    Every combination of axis kind and keepdims the op takes is checked: the examples are
    drawn for combinations chosen at random, then each one left out gets examples of its own.
    A differentiable target none of whose examples had anything to differentiate fails too:
    its gradient was never checked, and a pass would say it had been.
    """
    tally = _Tally() if tally is None else tally
    foci = target.foci()
    key = f"nanograd.testing:{target.kind}:{target.plugin}:{target.name}:{order}"
    if seed is not None:
        key += f":seed {seed}"
        settings = Settings(settings, derandomize=True)
    drawn = examples(target)
    if not foci:
        _property(target, order, drawn, settings, key, tally)
    else:
        _property(target, order, _in_focus(drawn, st.sampled_from(foci)), settings, key, tally)
        for wanted in foci:
            if wanted not in tally.checked:
                few = Settings(settings, max_examples=FOCUSED_EXAMPLES)
                focused = _in_focus(drawn, st.just(wanted))
                _property(target, order, focused, few, f"{key}:{wanted}", tally)
    if tally.statuses == {"n/a"} and order == 1 and target.differentiable:
        raise GradcheckError(
            f"{target.label}: no example drawn from its domain had an input to differentiate "
            "(a floating-point array with a vjp, not passed as a constant), so its gradient "
            "was never checked; the domain must draw floating-point inputs",
            name=target.label, problem="domain",
        )  # fmt: skip
    return "n/a" if tally.statuses == {"n/a"} else "pass"


def _in_focus(
    drawn: st.SearchStrategy[Example], wanted: st.SearchStrategy[Focus]
) -> st.SearchStrategy[Example]:
    """Examples drawn with a focus chosen by ``wanted``."""

    @st.composite
    def draw_in_focus(draw: st.DrawFn) -> Example:
        with focus(draw(wanted)):
            return draw(drawn)

    return draw_in_focus()


def _property(
    target: Target,
    order: Order,
    drawn: st.SearchStrategy[Example],
    settings: Settings,
    key: str,
    tally: _Tally,
) -> None:
    @given(drawn)
    def property_test(example: Example) -> None:
        status = check_case(target, example, order)
        tally.statuses.add(status)
        if status == "pass":
            tally.checked.add(target.focus_of(example.case))

    test = settings(property_test)
    # Hypothesis keys its example database, and the draws of a derandomized run, by the test
    # function's source, which is the same for every op; its own pytest plugin tells
    # parametrized tests apart this same way.
    inner = test.hypothesis.inner_test  # type: ignore[attr-defined]
    inner._hypothesis_internal_add_digest = key.encode()
    test()


def _check(
    target: Target,
    max_examples: int | None,
    second_order: bool,
    settings: Settings | None,
    seed: int | None,
) -> None:
    chosen = hypothesis_settings(max_examples, settings)
    _run(target, 1, chosen, seed)
    if second_order and target.differentiable and target.twice_differentiable:
        _run(target, 2, chosen, seed)


def check_op(
    name: str | OpDef,
    *,
    max_examples: int | None = None,
    second_order: bool = True,
    modules: Sequence[str] = (),
    settings: Settings | None = None,
    seed: int | None = None,
) -> None:
    """Property-test the op ``name`` as the project's own suite does; raise on a failure.

    ``modules`` are plugin modules to load first (for a plugin that is not installed);
    ``second_order=False`` skips the second-order check (it is skipped anyway for an op
    registered with ``twice_differentiable=False``). A ``seed`` makes the run derandomized with
    draws of its own (each seed draws other examples; a seed draws the same ones every time).
    The raised GradcheckError names the op, its plugin, what is wrong and the drawn inputs,
    shrunk by Hypothesis.
    """
    _check(resolve(name, "op", modules), max_examples, second_order, settings, seed)


def check_loss(
    name: str | LossDef,
    *,
    max_examples: int | None = None,
    second_order: bool = True,
    modules: Sequence[str] = (),
    settings: Settings | None = None,
    seed: int | None = None,
) -> None:
    """Property-test the loss ``name``; as :func:`check_op`. Second order is checked where the
    loss's graph is made of twice-differentiable ops."""
    _check(resolve(name, "loss", modules), max_examples, second_order, settings, seed)


@dataclass
class Outcome:
    """How one op or loss fared: a status per order and, for each failure, the message and
    its facts (:meth:`GradcheckError.details`: problem, order, input, the drawn inputs)."""

    name: str
    kind: Kind
    plugin: str
    first_order: Status
    second_order: Status
    errors: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    """The combinations of axis kind and keepdims first order was checked on, for an op that
    takes either."""

    @property
    def passed(self) -> bool:
        return not self.errors


def run_check(
    target: str | OpDef | LossDef | Target,
    *,
    max_examples: int | None = None,
    settings: Settings | None = None,
    seed: int | None = None,
) -> Outcome:
    """Check both orders of ``target`` and report, rather than raise, what happened.

    Second order is checked once first order passes ("not run" when it failed: the second
    derivative of a wrong gradient proves nothing), so a wrong second derivative shows beside a
    right first one.
    """
    t = resolve(target)
    chosen = hypothesis_settings(max_examples, settings)
    statuses: dict[Order, Status] = {1: "n/a", 2: "n/a"}
    outcome = Outcome(t.name, t.kind, t.plugin, "n/a", "n/a")
    for order in (1, 2):
        if order == 2 and not (t.differentiable and t.twice_differentiable):
            break
        if order == 2 and statuses[1] == "FAIL":
            statuses[2] = "not run"
            break
        tally = _Tally()
        try:
            statuses[order] = _run(t, order, chosen, seed, tally)
        except Exception as exc:  # a failed check, or a domain Hypothesis cannot draw from
            statuses[order] = "FAIL"
            if not isinstance(exc, GradcheckError):
                exc = GradcheckError(
                    f"{t.label}: {type(exc).__name__}: {exc}",
                    name=t.label, problem="error", order=order,
                )  # fmt: skip
            outcome.errors.append(str(exc))
            outcome.failures.append(exc.details())
        if order == 1:
            outcome.checked = [str(f) for f in t.foci() if f in tally.checked]
    outcome.first_order, outcome.second_order = statuses[1], statuses[2]
    return outcome
