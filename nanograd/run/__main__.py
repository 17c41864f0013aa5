"""``python -m nanograd.run FILE [key=value ...]``: see :mod:`nanograd.run.cli`."""

from nanograd.run.cli import main

raise SystemExit(main())
