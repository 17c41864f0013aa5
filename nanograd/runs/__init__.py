"""``python -m nanograd.runs [DIR]``: compare the runs and sweeps under a folder.

- ``catalog``: finding run and sweep folders and reading their summary.json and sweep.json;
- ``cli``: the command line, its tables and its JSON.
"""
