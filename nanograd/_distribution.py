"""The name nanograd is published under on the package index.

``nanograd`` itself is taken there by an unrelated project, so the distribution is
``nanograd-numpy`` while the import name and the commands stay ``nanograd``. Plugins depend on
this name; an install hint that said ``nanograd`` would fetch the other project.
"""

DISTRIBUTION = "nanograd-numpy"
