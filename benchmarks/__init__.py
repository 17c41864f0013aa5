"""nanograd's benchmark suite: each workload against the same computation written by hand in
NumPy, timed in one run so that the ratios hold on a shared, noisy machine.

``python -m benchmarks`` (or ``python benchmarks/run.py``); ``--quick`` for a short pass.
benchmarks/README.md describes every workload.
"""
