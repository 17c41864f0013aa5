"""Sweeps: many runs of one experiment from one command, side by side, summarised in one folder.

``python -m nanograd.run experiments/moons.py lr=0.3,0.1 optimizer=sgd,adam --seeds 3`` runs
the grid's twelve runs in local worker processes (or on a Dask cluster with ``--cluster``) and
writes a sweep folder. See docs/sweeps.md. Modules, one job each:

- ``grammar``: reading ``key=a,b,c`` and samplers; ``samplers``: random search's distributions;
- ``plan``: the runs of a sweep, their values and derived seeds;
- ``sources``: the helper modules a job carries; ``job``: one run as a job, run by a worker;
- ``executors``: this process, a local process pool, or a Dask cluster;
- ``driver``: submitting and collecting jobs, failures and Ctrl-C;
- ``folder``: the sweep folder, sweep.json and sweep.csv; ``progress``: the bar and lines;
- ``plots``: learning curves and the final metric by swept key; ``report``: report.html;
- ``command``: the command line of a new or resumed sweep.
"""
