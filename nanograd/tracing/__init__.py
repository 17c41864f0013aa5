"""``ng.compile``: trace a function of tensors once, then replay it as a flat NumPy program.

``callback`` (the marker for NumPy work a replay must redo) is at the bottom of the import
graph; ``compiled`` (the compiled function and its cache), ``recorder`` (the trace) and
``program`` (the generated code) sit above the engine. See docs/compile.md.
"""
