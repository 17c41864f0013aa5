"""nanograd's distribution name, and first-party plugins depending on it by that name."""

from __future__ import annotations

import re
from importlib import metadata

import nanograd as ng
from nanograd._distribution import DISTRIBUTION


def requirement_names(distribution: str) -> set[str]:
    """The project names a distribution's installed metadata requires, without extras markers."""
    names = set()
    for requirement in metadata.requires(distribution) or []:
        if "extra ==" in requirement:
            continue
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert match is not None, requirement
        names.add(match.group(0).lower().replace("_", "-"))
    return names


def test_nanograd_is_installed_under_its_own_distribution_name() -> None:
    assert DISTRIBUTION == "nanograd-numpy"
    assert metadata.version(DISTRIBUTION) == ng.__version__
    entry_points = metadata.distribution(DISTRIBUTION).entry_points
    assert [(ep.group, ep.name) for ep in entry_points] == [("nanograd", "nanograd_std")]


def test_the_conv_plugin_depends_on_nanograds_distribution_not_the_taken_name() -> None:
    names = requirement_names("nanograd-conv")
    assert DISTRIBUTION in names
    assert "nanograd" not in names
