"""``python -m nanograd.runs [DIR]``: see :mod:`nanograd.runs.cli`."""

from nanograd.runs.cli import main

raise SystemExit(main())
