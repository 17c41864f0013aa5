"""A plugin whose import fails, as one with a missing dependency does."""

from __future__ import annotations

raise ImportError("this plugin needs the package 'nanograd_missing_dependency'")
